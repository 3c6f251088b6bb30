import assert from 'node:assert/strict'
import {after, before, describe, test} from 'node:test'

import {Client, SSEClientTransport, StreamableHTTPClientTransport} from '@modelcontextprotocol/client'

import {eventually, textOf, writeTestCatalog} from '../helpers/gateway.js'
import {startHttpGateway, stopLeavingNothing, type HttpGatewayProcess} from '../helpers/http-gateway.js'
import {makeSandbox, type Sandbox} from '../helpers/sandbox.js'

// Issue #21, the HTTP hot path (src/gateway/http/raw-post.ts): a tool call on an established session to a
// running long-lived server skips the SDK's server transport, and is answered as plain JSON. The client
// must see the same results and the same errors as on the SDK path, every guard still applies, and what
// the SDK transport refuses is still refused. Real gateway, real containers (`sticky`: one long-lived
// container per session), the SDK's own clients.
const TOKEN = 'http-raw-token-0123456789'
const auth = {Authorization: `Bearer ${TOKEN}`}
/** Assembled at run time: this file must not look like a leak to the scanners that guard the repository. */
const SECRET = `ghp_${'aB3dE5gH7jK9'.repeat(3)}`
let sandbox: Sandbox
let http: HttpGatewayProcess

/** The content type of every response to a POST, with the JSON-RPC method of its request. */
type Seen = {method: string; type: string}

async function streamable(): Promise<{
  client: Client
  transport: StreamableHTTPClientTransport
  seen: Seen[]
}> {
  const seen: Seen[] = []
  const transport = new StreamableHTTPClientTransport(new URL(`${http.base}/mcp`), {
    requestInit: {headers: auth},
    fetch: async (url, init) => {
      const response = await fetch(url, init)
      if (init?.method === 'POST') {
        const method = (JSON.parse(String(init.body)) as {method?: string}).method ?? '?'
        seen.push({method, type: response.headers.get('content-type') ?? ''})
      }
      return response
    },
  })
  const client = new Client({name: 'http-raw', version: '1.0.0'})
  await client.connect(transport)
  return {client, transport, seen}
}

/** The JSON-RPC error of a call that must fail. */
const failure = (call: Promise<unknown>) =>
  call.then(
    (r) => assert.fail(`not refused: ${JSON.stringify(r).slice(0, 200)}`),
    (e: Error & {code?: number}) => e,
  )

before(async () => {
  sandbox = await makeSandbox()
  const catalog = await writeTestCatalog(sandbox)
  http = await startHttpGateway(
    ['--catalog', catalog, '--servers', 'fixture,sticky', '--no-cache', '--verbose'],
    {
      sandbox,
      env: {MCP_GATEWAY_AUTH_TOKEN: TOKEN},
    },
  )
})

after(async () => {
  await stopLeavingNothing(http)
  await sandbox?.cleanup()
})

describe('Streamable HTTP: tool calls on an established session', () => {
  test('a call to a running long-lived server is answered as JSON, with what the SDK path answers', async () => {
    const {client, seen} = await streamable()
    try {
      // The first call starts the container (SDK path); from then on the server is ready.
      assert.equal(textOf(await client.callTool({name: 'sticky__echo', arguments: {text: 'start'}})), 'start')
      seen.length = 0
      const raw = await client.callTool({name: 'sticky__echo', arguments: {text: 'héllo "raw"'}})
      // A progress token takes the SDK path (its progress needs the call's own SSE stream).
      const sdk = await client.callTool(
        {name: 'sticky__echo', arguments: {text: 'héllo "raw"'}},
        {onprogress: () => {}},
      )
      assert.deepEqual(raw, sdk)
      assert.deepEqual(
        seen.map((s) => s.type.split(';')[0]),
        ['application/json', 'text/event-stream'],
        JSON.stringify(seen),
      )
      // A large answer keeps its text on the way through (only its id changes).
      const big = 'z'.repeat(512 * 1024)
      assert.equal(textOf(await client.callTool({name: 'sticky__echo', arguments: {text: big}})), big)
    } finally {
      await client.close()
    }
  })

  test('secret blocking applies on the hot path, with the same error and log line', async () => {
    const {client, seen} = await streamable()
    try {
      assert.equal(textOf(await client.callTool({name: 'sticky__echo', arguments: {text: 'start'}})), 'start')
      seen.length = 0
      const err = await failure(client.callTool({name: 'sticky__echo', arguments: {text: `use ${SECRET}`}}))
      assert.equal(err.code, -32600, err.message)
      assert.match(err.message, /^a secret is being passed to tool sticky__echo: .*rule github-pat/)
      assert.ok(!err.message.includes(SECRET.slice(4, 14)), 'the value is never in the error')
      assert.equal(seen[0]?.type.split(';')[0], 'application/json', 'answered on the hot path')
      assert.match(
        await eventually(
          async () => http.stderr(),
          (log) => /block-secrets refused the argument of sticky__echo \(sticky, raw path\)/.test(log),
          10_000,
        ),
        /raw path/,
      )
    } finally {
      await client.close()
    }
  })

  test('what the SDK transport refuses is still refused: Accept, Content-Type, protocol version, owner', async () => {
    const {client, transport} = await streamable()
    try {
      assert.equal(textOf(await client.callTool({name: 'sticky__echo', arguments: {text: 'start'}})), 'start')
      const post = (headers: Record<string, string>) =>
        fetch(`${http.base}/mcp`, {
          method: 'POST',
          headers: {
            ...auth,
            'content-type': 'application/json',
            accept: 'application/json, text/event-stream',
            'mcp-session-id': transport.sessionId!,
            ...headers,
          },
          body: JSON.stringify({
            jsonrpc: '2.0',
            id: 99,
            method: 'tools/call',
            params: {name: 'sticky__echo', arguments: {text: 'x'}},
          }),
        })
      const ok = await post({})
      assert.equal(ok.status, 200)
      assert.deepEqual(await ok.json(), {
        jsonrpc: '2.0',
        id: 99,
        result: {content: [{type: 'text', text: 'x'}]},
      })
      assert.equal((await post({accept: 'application/json'})).status, 406)
      assert.equal((await post({'content-type': 'text/plain'})).status, 415)
      const version = await post({'mcp-protocol-version': '1999-01-01'})
      assert.equal(version.status, 400)
      assert.match(await version.text(), /Unsupported protocol version/)
      assert.equal((await post({'mcp-session-id': 'not-a-session'})).status, 404)
      assert.equal((await post({authorization: 'Bearer wrong'})).status, 401)
    } finally {
      await client.close()
    }
  })
})

describe('legacy SSE: tool calls on an established session', () => {
  test('a call to a running long-lived server is answered on the event stream; guards apply', async () => {
    const client = new Client({name: 'http-raw-sse', version: '1.0.0'})
    await client.connect(
      new SSEClientTransport(new URL(`${http.base}/sse`), {
        requestInit: {headers: auth},
        eventSourceInit: {
          fetch: (u, i) => fetch(u, {...i, headers: {...(i?.headers as Record<string, string>), ...auth}}),
        },
      }),
    )
    try {
      for (const text of ['start', 'again', 'and again'])
        assert.equal(textOf(await client.callTool({name: 'sticky__echo', arguments: {text}})), text)
      const err = await failure(client.callTool({name: 'sticky__echo', arguments: {text: `use ${SECRET}`}}))
      assert.equal(err.code, -32600, err.message)
      // Concurrent calls each get their own answer.
      const texts = Array.from({length: 8}, (_, i) => `sse ${i}`)
      const answers = await Promise.all(
        texts.map((text) => client.callTool({name: 'sticky__echo', arguments: {text}})),
      )
      assert.deepEqual(answers.map(textOf), texts)
    } finally {
      await client.close()
    }
  })
})
