import assert from 'node:assert/strict'
import {writeFile} from 'node:fs/promises'
import path from 'node:path'
import {after, before, test} from 'node:test'

import {Client, StreamableHTTPClientTransport} from '@modelcontextprotocol/client'

import {textOf} from '../helpers/gateway.js'
import {rawRequest, startHttpGateway, type HttpGatewayProcess} from '../helpers/http-gateway.js'
import {remoteEntry, startRemoteServer, type RemoteServer} from '../helpers/remote-server.js'
import {makeSandbox, type Sandbox} from '../helpers/sandbox.js'

/**
 * Resumability (spec 2025-11-25): a client whose event stream breaks in the middle of a call reconnects
 * with Last-Event-ID and gets what it missed. The gateway had no event store: no priming event, no
 * `retry:`, no replay, so a broken stream lost the call's progress, log messages and result. The server
 * behind the gateway is a real remote MCP server (SDK, Streamable HTTP) whose tool reports a first step,
 * waits while the test breaks the client's streams, then reports the rest: those reach the gateway while
 * the client is away and must be replayed to it.
 */
const TOKEN = 'resume-token-0123456789'
let sandbox: Sandbox
let remote: RemoteServer
let gateway: HttpGatewayProcess

before(async () => {
  sandbox = await makeSandbox()
  remote = await startRemoteServer(0, 'alpha')
  const catalog = path.join(sandbox.home, 'remote.yaml')
  await writeFile(
    catalog,
    'version: 2\nname: r\ndisplayName: R\nregistry:\n' + remoteEntry('alpha', remote.url),
  )
  gateway = await startHttpGateway(['--catalog', catalog, '--servers', 'alpha', '--no-cache'], {
    env: {MCP_GATEWAY_AUTH_TOKEN: TOKEN, DOCKER_MCP_ALLOW_INSECURE_REMOTE_URLS: '1'},
    sandbox,
  })
})

after(async () => {
  await gateway.stop()
  await remote.close()
  await sandbox.cleanup()
})

/**
 * A fetch whose event streams (the call's POST stream, and the session's GET stream) each break once
 * while `armed`: right after the first chunk that carries a progress or log notification has been read,
 * the connection is dropped, as a flaky network would.
 */
function breakingFetch(onBreak: () => void) {
  const state = {armed: false, broken: 0}
  const wrapped: typeof fetch = async (input, init) => {
    const drop = new AbortController()
    const signal = init?.signal ? AbortSignal.any([init.signal, drop.signal]) : drop.signal
    const response = await fetch(input, {...init, signal})
    const sse = response.headers.get('content-type')?.includes('text/event-stream')
    if (!state.armed || !sse || !response.body) return response
    const reader = response.body.getReader()
    const decoder = new TextDecoder()
    let breakNext = false
    const body = new ReadableStream<Uint8Array>(
      {
        async pull(controller) {
          if (breakNext) {
            drop.abort()
            controller.error(new TypeError('network connection lost'))
            state.broken++
            onBreak()
            return
          }
          const {value, done} = await reader.read()
          if (done) return controller.close()
          controller.enqueue(value)
          const text = decoder.decode(value, {stream: true})
          if (/notifications\/(progress|message)/.test(text) && state.armed) breakNext = true
        },
        cancel: (reason) => reader.cancel(reason),
      },
      // Pull only when the client reads: the chunk before the break is delivered, as it would be.
      {highWaterMark: 0},
    )
    return new Response(body, {
      status: response.status,
      statusText: response.statusText,
      headers: response.headers,
    })
  }
  return {fetch: wrapped, state}
}

test('a client whose streams break mid-call resumes and misses no progress, log message or result', async () => {
  let breaks!: () => void
  const broke = new Promise<void>((r) => (breaks = r))
  const flaky = breakingFetch(() => breaks())
  // Armed from the start, so that the session's GET stream breaks too if that is where log messages go.
  flaky.state.armed = true
  const client = new Client({name: 'resume-test', version: '1.0.0'})
  const transport = new StreamableHTTPClientTransport(new URL(`${gateway.base}/mcp`), {
    requestInit: {headers: {Authorization: `Bearer ${TOKEN}`}},
    fetch: flaky.fetch,
  })
  await client.connect(transport)
  const logs: string[] = []
  client.setNotificationHandler('notifications/message', (n) => void logs.push(String(n.params.data)))
  await client.setLoggingLevel('debug')
  try {
    const progress: number[] = []
    const call = client.callTool(
      {name: 'alpha_steps', arguments: {count: 3}},
      {onprogress: (p) => void progress.push(p.progress), timeout: 30_000},
    )
    // Step 1 has been sent, and the client's stream broke on it.
    await remote.atGate()
    await broke
    flaky.state.armed = false
    // Steps 2 and 3 and the result happen while the client is away.
    remote.gate()
    const result = await call
    assert.equal(textOf(result), '3 steps')
    assert.deepEqual(progress, [1, 2, 3])
    // Log messages may trail the result on the session's own stream: wait for them, then check each came once.
    for (let i = 0; i < 100 && logs.length < 3; i++) await new Promise((r) => setTimeout(r, 50))
    assert.deepEqual(logs.sort(), ['log 1', 'log 2', 'log 3'])
    assert.ok(flaky.state.broken >= 1)
  } finally {
    await transport.terminateSession().catch(() => {})
    await client.close()
  }
})

test('Last-Event-ID of another session replays nothing of it', async () => {
  const open = async () => {
    const client = new Client({name: 'resume-isolation', version: '1.0.0'})
    const transport = new StreamableHTTPClientTransport(new URL(`${gateway.base}/mcp`), {
      requestInit: {headers: {Authorization: `Bearer ${TOKEN}`}},
    })
    await client.connect(transport)
    return {client, transport}
  }
  const a = await open()
  const b = await open()
  try {
    // An event id of session A, from its call's stream.
    const ids: string[] = []
    const call = await rawRequest(gateway.port, {
      method: 'POST',
      headers: {
        host: 'localhost',
        authorization: `Bearer ${TOKEN}`,
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
        'mcp-session-id': a.transport.sessionId!,
        'mcp-protocol-version': '2025-11-25',
      },
      body: JSON.stringify({
        jsonrpc: '2.0',
        id: 7,
        method: 'tools/call',
        params: {name: 'alpha_ping', arguments: {}},
      }),
    })
    for (const m of call.body.matchAll(/^id: (.+)$/gm)) ids.push(m[1]!)
    assert.ok(call.body.includes('pong from alpha'))
    assert.ok(ids.length > 0, `no event ids (no resumability):\n${call.body}`)
    // Session B presents it: refused, and nothing of A's stream comes back.
    const replay = await rawRequest(gateway.port, {
      method: 'GET',
      headers: {
        host: 'localhost',
        authorization: `Bearer ${TOKEN}`,
        accept: 'text/event-stream',
        'mcp-session-id': b.transport.sessionId!,
        'mcp-protocol-version': '2025-11-25',
        'last-event-id': ids[0]!,
      },
    })
    assert.equal(replay.status, 400)
    assert.ok(!replay.body.includes('pong'), replay.body)
  } finally {
    for (const c of [a, b]) {
      await c.transport.terminateSession().catch(() => {})
      await c.client.close()
    }
  }
})
