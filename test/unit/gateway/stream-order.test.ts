import assert from 'node:assert/strict'
import {PassThrough} from 'node:stream'
import {after, before, test} from 'node:test'

import {Gateway} from '../../../src/gateway/gateway.js'
import {InterceptedTransport, StreamTransport} from '../../../src/gateway/stdio-transport.js'
import {connectUpstream, type UpstreamClient} from '../../../src/gateway/upstream.js'

// The bug: when a server's last progress notification and its result arrive in ONE stdio chunk, the SDK
// client settles the result first (responses are handled at once, notifications a microtask later), drops
// the progress handler, and the progress is lost. Whether it happens depends on how the bytes were
// chunked, so the e2e test lost it 9 times in 30. Here the chunking is fixed: a scripted server writes its
// notifications and its result in one write, through the real stdio transport and the gateway's client.

type Params = {
  protocolVersion?: string
  capabilities?: unknown
  _meta?: {progressToken?: unknown}
  data?: unknown
  progress?: number
  [key: string]: unknown
}
type Message = {jsonrpc: '2.0'; id?: string | number; method?: string; params?: Params; result?: unknown}

/** A stdio MCP server scripted line by line. `tools/call burst` answers with everything in one write. */
function scriptedServer() {
  const toServer = new PassThrough()
  const fromServer = new PassThrough()
  const seen = {capabilities: [] as unknown[], callIds: [] as Array<string | number>}
  const write = (...messages: Message[]) =>
    fromServer.write(messages.map((m) => JSON.stringify(m)).join('\n') + '\n')
  let buffer = ''
  toServer.setEncoding('utf8').on('data', (chunk: string) => {
    buffer += chunk
    for (let nl = buffer.indexOf('\n'); nl !== -1; nl = buffer.indexOf('\n')) {
      const m = JSON.parse(buffer.slice(0, nl)) as Message
      buffer = buffer.slice(nl + 1)
      if (m.method === 'initialize') {
        seen.capabilities.push(m.params!.capabilities)
        write({
          jsonrpc: '2.0',
          id: m.id!,
          result: {
            protocolVersion: m.params!.protocolVersion,
            capabilities: {tools: {}, logging: {}},
            serverInfo: {name: 'scripted', version: '1.0.0'},
          },
        })
      } else if (m.method === 'ping') write({jsonrpc: '2.0', id: m.id!, result: {}})
      else if (m.method === 'tools/list')
        write({
          jsonrpc: '2.0',
          id: m.id!,
          result: {tools: [{name: 'burst', inputSchema: {type: 'object'}}]},
        })
      else if (m.method === 'tools/call') {
        seen.callIds.push(m.id!)
        const token = m.params!._meta?.progressToken
        const burst: Message[] = []
        for (let step = 1; step <= 3; step++) {
          burst.push({
            jsonrpc: '2.0',
            method: 'notifications/message',
            params: {level: 'info', data: `log ${step}`},
          })
          if (token !== undefined)
            burst.push({
              jsonrpc: '2.0',
              method: 'notifications/progress',
              params: {progressToken: token, progress: step, total: 3},
            })
        }
        burst.push({jsonrpc: '2.0', id: m.id!, result: {content: [{type: 'text', text: 'done'}]}})
        write(...burst)
      }
    }
  })
  return {transport: new StreamTransport(fromServer, toServer), seen}
}

const connect = (transport: StreamTransport, client?: UpstreamClient) =>
  connectUpstream({
    server: 'scripted',
    transport,
    version: '0.0.0',
    negotiation: 'legacy',
    startTimeoutMs: 5000,
    onListChanged: () => {},
    rawForwarding: true,
    clientCapabilities: client?.capabilities,
  })

test("the gateway's upstream client gets every progress notification that shares a chunk with the result", async () => {
  const {transport} = scriptedServer()
  const upstream = await connect(transport)
  const events: string[] = []
  const errors: string[] = []
  upstream.reportErrors((line) => errors.push(line))
  try {
    await upstream.client.callTool(
      {name: 'burst', arguments: {}},
      {onprogress: (p) => void events.push(`progress ${p.progress}`)},
    )
    events.push('result')
    assert.deepEqual(events, ['progress 1', 'progress 2', 'progress 3', 'result'])
    assert.deepEqual(errors, [])
  } finally {
    await upstream.close()
  }
})

test('a response held behind a notification is still delivered when the server exits right after it', async () => {
  const input = new PassThrough()
  const transport = new StreamTransport(input, new PassThrough())
  const got: string[] = []
  let closed = false
  transport.onmessage = (m) => void got.push((m as Message).method ?? `response ${(m as Message).id}`)
  transport.onclose = () => (closed = true)
  await transport.start()
  input.end(
    '{"jsonrpc":"2.0","method":"notifications/message","params":{}}\n{"jsonrpc":"2.0","id":1,"result":{}}\n',
  )
  await new Promise((r) => input.once('close', r))
  await new Promise((r) => setImmediate(r))
  assert.deepEqual(got, ['notifications/message', 'response 1'])
  assert.equal(closed, true)
})

// Through the whole gateway, over its stdio wire (as `gateway run` wires it): what the client reads.
const servers: Array<ReturnType<typeof scriptedServer>> = []
let gateway: Gateway
const clientToGateway = new PassThrough()
const gatewayToClient = new PassThrough()
const lines: Message[] = []
let wake: (() => void) | undefined

before(async () => {
  gateway = new Gateway({
    servers: [{name: 'scripted', longLived: true, cacheKey: 'scripted'}],
    toolFilter: () => true,
    prefixAll: false,
    version: '0.0.0',
    callTimeoutMs: 5000,
    maxPerServer: 2,
    idleMs: 0,
    logCalls: false,
    startUpstream: async (_server, _session, client) => {
      const server = scriptedServer()
      servers.push(server)
      return connect(server.transport, client)
    },
    logger: {debug: () => {}, info: () => {}, warn: () => {}},
  })
  gateway.start()
  await gateway.ready
  const wire = new StreamTransport(clientToGateway, gatewayToClient)
  const transport = new InterceptedTransport(
    wire,
    gateway.rawForwarder('stdio', (reply) => {
      void (typeof reply === 'string' ? wire.sendText(reply) : wire.send(reply)).catch(() => {})
    }),
  )
  await gateway.createSession('stdio').connect(transport)
  let buffer = ''
  gatewayToClient.setEncoding('utf8').on('data', (chunk: string) => {
    buffer += chunk
    for (let nl = buffer.indexOf('\n'); nl !== -1; nl = buffer.indexOf('\n')) {
      lines.push(JSON.parse(buffer.slice(0, nl)) as Message)
      buffer = buffer.slice(nl + 1)
    }
    wake?.()
  })
  await exchange({
    id: 0,
    method: 'initialize',
    params: {
      protocolVersion: '2025-06-18',
      // Roots are not relayed by the gateway: a server must not be told about them.
      capabilities: {sampling: {}, roots: {listChanged: true}},
      clientInfo: {name: 'raw', version: '1.0.0'},
    },
  })
  clientToGateway.write('{"jsonrpc":"2.0","method":"notifications/initialized"}\n')
})

after(async () => {
  await gateway.shutdown()
})

/** Send one request; the lines the client read up to and including its response. */
async function exchange(request: Omit<Message, 'jsonrpc'>): Promise<string[]> {
  const from = lines.length
  clientToGateway.write(JSON.stringify({jsonrpc: '2.0', ...request}) + '\n')
  while (!lines.slice(from).some((m) => m.id === request.id && m.method === undefined))
    await new Promise<void>((r) => (wake = r))
  return lines
    .slice(from)
    .map((m) =>
      m.method === 'notifications/message'
        ? `log ${String(m.params!.data)}`
        : m.method === 'notifications/progress'
          ? `progress ${m.params!.progress}`
          : m.method === undefined
            ? `response ${m.id}`
            : m.method,
    )
}

test("through the gateway, the server's notifications reach the client before the result, in its order", async () => {
  // With a progress token: the SDK path (and the first call starts the long-lived server).
  const sdk = await exchange({
    id: 1,
    method: 'tools/call',
    params: {name: 'burst', arguments: {}, _meta: {progressToken: 'p1'}},
  })
  assert.deepEqual(sdk, [
    'log log 1',
    'progress 1',
    'log log 2',
    'progress 2',
    'log log 3',
    'progress 3',
    'response 1',
  ])
  // Without: the raw hot path (the server, already running, gets the gateway's own `gw-` id).
  const raw = await exchange({id: 2, method: 'tools/call', params: {name: 'burst', arguments: {}}})
  assert.match(String(servers.at(-1)!.seen.callIds.at(-1)), /^gw-/, 'the call took the raw path')
  assert.deepEqual(raw, ['log log 1', 'log log 2', 'log log 3', 'response 2'])
})

test("servers are told the client's own capabilities, limited to what the gateway relays", async () => {
  // The listing connection has no client behind it; the session's server gets what the client declared.
  assert.deepEqual(servers[0]!.seen.capabilities, [{}])
  assert.deepEqual(servers.at(-1)!.seen.capabilities, [{sampling: {}}])
})
