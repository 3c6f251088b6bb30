import {randomUUID} from 'node:crypto'
import http from 'node:http'
import type net from 'node:net'

import {NodeStreamableHTTPServerTransport} from '@modelcontextprotocol/node'
import {McpServer} from '@modelcontextprotocol/server'
import * as z from 'zod'

/**
 * A real remote MCP server for the gateway's tests: Streamable HTTP with 2025-era sessions (the SDK's own
 * server transport, one per session), in the test process, counting the sessions it opens and the HTTP
 * DELETEs that close them. Tools: `<name>_ping`, and `<name>_steps`, which sends `count` progress notifications and log
 * messages and waits for `gate()` to open between the first one and the rest (for tests that cut a
 * client's stream mid-call).
 */
export interface RemoteServer {
  port: number
  url: string
  /** Sessions opened (initialize answered). */
  readonly opened: number
  /** Sessions ended by an HTTP DELETE. */
  readonly deleted: number
  /** Sessions open now. */
  readonly open: number
  /** Headers of every POST it received, and the `_meta` of every `<name>_ping` call, in order. */
  readonly posts: http.IncomingHttpHeaders[]
  readonly pingMeta: unknown[]
  /** `<name>_ping` calls answered (which of several servers took a call). */
  readonly pings: number
  /** Let `steps` calls waiting after their first step go on. */
  gate(): void
  /** Resolves when a `steps` call has sent its first step and waits at the gate. */
  atGate(): Promise<void>
  close(): Promise<void>
}

/** Start the server on `port` (0: any free port). */
export async function startRemoteServer(port = 0, name = 'remote'): Promise<RemoteServer> {
  const transports = new Map<string, NodeStreamableHTTPServerTransport>()
  let opened = 0
  let deleted = 0
  const posts: http.IncomingHttpHeaders[] = []
  const pingMeta: unknown[] = []
  let pings = 0
  let openGate!: () => void
  let gateOpen = new Promise<void>((r) => (openGate = r))
  let reachGate!: () => void
  let gateReached = new Promise<void>((r) => (reachGate = r))

  const newServer = () => {
    const server = new McpServer({name, version: '1.0.0'}, {capabilities: {logging: {}}})
    server.registerTool(
      `${name}_ping`,
      {description: 'answers pong', inputSchema: z.object({})},
      async (_args, ctx) => {
        pingMeta.push(ctx.mcpReq._meta)
        pings++
        return {content: [{type: 'text', text: `pong from ${name}`}]}
      },
    )
    server.registerTool(
      `${name}_steps`,
      {description: 'progress and log messages, in steps', inputSchema: z.object({count: z.number()})},
      async ({count}, ctx) => {
        const token = ctx.mcpReq._meta?.progressToken
        for (let step = 1; step <= count; step++) {
          if (token !== undefined) {
            await ctx.mcpReq.notify({
              method: 'notifications/progress',
              params: {progressToken: token, progress: step, total: count, message: `step ${step}`},
            })
          }
          await ctx.mcpReq.log('info', `log ${step}`, name)
          if (step === 1) {
            reachGate()
            await gateOpen
          }
        }
        return {content: [{type: 'text', text: `${count} steps`}]}
      },
    )
    return server
  }

  const httpServer = http.createServer((req, res) => {
    void (async () => {
      if (req.method === 'POST') posts.push(req.headers)
      const sid = req.headers['mcp-session-id'] as string | undefined
      if (sid) {
        const transport = transports.get(sid)
        if (!transport) return void res.writeHead(404).end('unknown session')
        if (req.method === 'DELETE') deleted++
        return transport.handleRequest(req, res)
      }
      if (req.method !== 'POST') return void res.writeHead(405).end()
      const id = randomUUID()
      const transport = new NodeStreamableHTTPServerTransport({
        sessionIdGenerator: () => id,
        onsessioninitialized: () => {
          opened++
          transports.set(id, transport)
        },
      })
      transport.onclose = () => transports.delete(id)
      await newServer().connect(transport)
      await transport.handleRequest(req, res)
    })().catch(() => res.headersSent || res.writeHead(500).end())
  })
  await new Promise<void>((r) => httpServer.listen(port, '127.0.0.1', r))
  const actual = (httpServer.address() as net.AddressInfo).port
  return {
    port: actual,
    url: `http://127.0.0.1:${actual}/mcp`,
    get opened() {
      return opened
    },
    get deleted() {
      return deleted
    },
    get open() {
      return transports.size
    },
    posts,
    pingMeta,
    get pings() {
      return pings
    },
    gate() {
      openGate()
      gateOpen = new Promise<void>((r) => (openGate = r))
    },
    atGate() {
      const reached = gateReached
      return reached.then(() => {
        if (gateReached === reached) gateReached = new Promise<void>((r) => (reachGate = r))
      })
    },
    async close() {
      openGate()
      await Promise.all([...transports.values()].map((t) => t.close().catch(() => {})))
      httpServer.closeAllConnections()
      await new Promise((r) => httpServer.close(r))
    },
  }
}

/** A catalog entry (YAML, under `registry:`) for a remote server at `url`. */
export function remoteEntry(name: string, url: string): string {
  return `  ${name}:\n    title: ${name}\n    description: a remote test server\n    type: remote\n    remote:\n      url: ${url}\n      transport_type: http\n`
}
