import {randomUUID} from 'node:crypto'
import http from 'node:http'
import type net from 'node:net'

import {NodeStreamableHTTPServerTransport} from '@modelcontextprotocol/node'
import {McpServer} from '@modelcontextprotocol/server'
import {createRemoteJWKSet, jwtVerify} from 'jose'
import * as z from 'zod'

/**
 * A remote MCP server behind OAuth, as the MCP authorization spec describes one: Streamable HTTP (the
 * SDK's server transport) on 127.0.0.1 that answers 401 with `WWW-Authenticate: Bearer resource_metadata=…`
 * unless the request carries an access token from `issuer`, for this resource (`aud`), unexpired,
 * verified with jose against the issuer's JWKS. It serves its protected-resource metadata (RFC 9728).
 * Tool `notes_whoami` answers the token's subject.
 */
export interface ProtectedServer {
  url: string
  port: number
  /** Requests refused with 401, and why (the last one first). */
  readonly refusals: string[]
  /** Tool calls answered. */
  readonly calls: number
  /** Refuse the next request's token once, whatever it is (as a server does after revoking it on its side). */
  rejectNext(): void
  /** Point the metadata's `authorization_servers` somewhere else (wrong issuer, tampered metadata tests). */
  setAuthorizationServer(url: string): void
  close(): Promise<void>
}

export async function startProtectedServer(options: {
  issuer: string
  jwksUri: string
}): Promise<ProtectedServer> {
  const jwks = createRemoteJWKSet(new URL(options.jwksUri))
  const transports = new Map<string, NodeStreamableHTTPServerTransport>()
  const refusals: string[] = []
  let calls = 0
  let authorizationServer = options.issuer
  let rejectNext = false
  const httpServer = http.createServer()
  await new Promise<void>((r) => httpServer.listen(0, '127.0.0.1', r))
  const port = (httpServer.address() as net.AddressInfo).port
  const url = `http://127.0.0.1:${port}/mcp`
  const metadataUrl = `http://127.0.0.1:${port}/.well-known/oauth-protected-resource/mcp`

  const newServer = (sub: string) => {
    const server = new McpServer({name: 'notes', version: '1.0.0'})
    server.registerTool(
      'notes_whoami',
      {description: 'who the token is for', inputSchema: z.object({})},
      async () => {
        calls++
        return {content: [{type: 'text', text: `notes for ${sub}`}]}
      },
    )
    return server
  }

  const refuse = (res: http.ServerResponse, why: string) => {
    refusals.unshift(why)
    res
      .writeHead(401, {
        'www-authenticate': `Bearer resource_metadata="${metadataUrl}", error="invalid_token"`,
        'content-type': 'application/json',
      })
      .end(JSON.stringify({error: 'invalid_token'}))
  }

  httpServer.on('request', (req, res) => {
    void (async () => {
      if (
        req.url === '/.well-known/oauth-protected-resource/mcp' ||
        req.url === '/.well-known/oauth-protected-resource'
      ) {
        res.writeHead(200, {'content-type': 'application/json'})
        return void res.end(
          JSON.stringify({
            resource: url,
            authorization_servers: [authorizationServer],
            scopes_supported: ['notes:read'],
          }),
        )
      }
      if (!req.url?.startsWith('/mcp')) return void res.writeHead(404).end()
      const auth = req.headers.authorization
      if (!auth?.startsWith('Bearer ')) return refuse(res, 'no token')
      if (rejectNext) {
        rejectNext = false
        return refuse(res, 'rejected once by the test')
      }
      let sub: string
      try {
        const {payload} = await jwtVerify(auth.slice(7), jwks, {issuer: options.issuer, audience: url})
        sub = String(payload.sub)
      } catch (err) {
        return refuse(res, (err as Error).message)
      }
      const sid = req.headers['mcp-session-id'] as string | undefined
      if (sid) {
        const transport = transports.get(sid)
        if (!transport) return void res.writeHead(404).end('unknown session')
        return transport.handleRequest(req, res)
      }
      if (req.method !== 'POST') return void res.writeHead(405).end()
      const id = randomUUID()
      const transport: NodeStreamableHTTPServerTransport = new NodeStreamableHTTPServerTransport({
        sessionIdGenerator: () => id,
        onsessioninitialized: () => void transports.set(id, transport),
      })
      transport.onclose = () => transports.delete(id)
      await newServer(sub).connect(transport)
      await transport.handleRequest(req, res)
    })().catch(() => res.headersSent || res.writeHead(500).end())
  })

  return {
    url,
    port,
    get refusals() {
      return refusals
    },
    get calls() {
      return calls
    },
    rejectNext() {
      rejectNext = true
    },
    setAuthorizationServer(u) {
      authorizationServer = u
    },
    async close() {
      await Promise.all([...transports.values()].map((t) => t.close().catch(() => {})))
      httpServer.closeAllConnections()
      await new Promise((r) => httpServer.close(r))
    },
  }
}
