// The baseline of bench-scale.mjs: the SDK alone, no gateway, the cheapest server it can make. One child
// process, so its RSS and CPU are measured the same way as the gateway's. It serves on /mcp both 2025-era
// sessions (a low-level Server with one tools/list and one tools/call handler, and a
// NodeStreamableHTTPServerTransport, per session: what every SDK-based HTTP server holds per session) and
// 2026-07-28 stateless requests (createMcpHandler). Prints its port on stdout.
import http from 'node:http'

import {NodeStreamableHTTPServerTransport, toNodeHandler} from '@modelcontextprotocol/node'
import {createMcpHandler, isLegacyRequest, Server} from '@modelcontextprotocol/server'
import {toWebRequest} from '@modelcontextprotocol/node'

const TOOLS = [{name: 'echo', inputSchema: {type: 'object', properties: {text: {type: 'string'}}}}]
function echoServer() {
  const s = new Server({name: 'baseline', version: '1'}, {capabilities: {tools: {}}})
  s.setRequestHandler('tools/list', async () => ({tools: TOOLS}))
  s.setRequestHandler('tools/call', async (r) => ({
    content: [{type: 'text', text: String(r.params.arguments?.text ?? '')}],
  }))
  return s
}

const sessions = new Map()
const modern = toNodeHandler(createMcpHandler(() => echoServer(), {legacy: 'reject'}))
const server = http.createServer(async (req, res) => {
  let body = ''
  for await (const c of req) body += c
  const parsed = body ? JSON.parse(body) : undefined
  const sid = req.headers['mcp-session-id']
  if (sid) {
    const t = sessions.get(sid)
    if (!t) return res.writeHead(404).end()
    return t.handleRequest(req, res, parsed)
  }
  const web = await toWebRequest(req, parsed)
  if (!(await isLegacyRequest(web, parsed))) return modern(req, res, parsed)
  const t = new NodeStreamableHTTPServerTransport({
    sessionIdGenerator: () => crypto.randomUUID(),
    onsessioninitialized: (id) => sessions.set(id, t),
  })
  t.onclose = () => sessions.delete(t.sessionId)
  await echoServer().connect(t)
  return t.handleRequest(req, res, parsed)
})
server.listen(0, '127.0.0.1', () => process.stdout.write(`${server.address().port}\n`))
process.on('SIGTERM', () => process.exit(0))
