#!/usr/bin/env node
// The no-gateway baseline of scripts/bench-http.mjs, in its own process (as the gateway is): the MCP SDK's
// Streamable HTTP (2025 sessions) and legacy SSE server transports in front of an SDK echo tool, no
// container. Prints its port on stdout once listening.
import http from 'node:http'

import {McpServer} from '@modelcontextprotocol/server'
import {NodeStreamableHTTPServerTransport} from '@modelcontextprotocol/node'
import {SSEServerTransport} from '@modelcontextprotocol/server-legacy/sse'
import * as z from 'zod'

const echoServer = () => {
  const s = new McpServer({name: 'baseline', version: '1'})
  s.registerTool('echo', {inputSchema: z.object({text: z.string()})}, async ({text}) => ({
    content: [{type: 'text', text}],
  }))
  return s
}
const streams = new Map()
const sse = new Map()
const server = http.createServer(async (req, res) => {
  const url = new URL(req.url, 'http://x')
  if (url.pathname === '/sse' && req.method === 'GET') {
    const t = new SSEServerTransport('/sse', res)
    sse.set(t.sessionId, t)
    await echoServer().connect(t)
    return
  }
  if (url.pathname === '/sse') return sse.get(url.searchParams.get('sessionId'))?.handlePostMessage(req, res)
  const sid = req.headers['mcp-session-id']
  if (sid) return streams.get(sid)?.handleRequest(req, res)
  const t = new NodeStreamableHTTPServerTransport({
    sessionIdGenerator: () => crypto.randomUUID(),
    onsessioninitialized: (id) => streams.set(id, t),
  })
  await echoServer().connect(t)
  return t.handleRequest(req, res)
})
server.listen(0, '127.0.0.1', () => process.stdout.write(`${server.address().port}\n`))
process.on('SIGTERM', () => process.exit(0))
