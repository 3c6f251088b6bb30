/**
 * The gateway core as a trust boundary (issue #12): one client never sees another's elicitation or
 * sampling, containers stay inside the caps, a list_changed flood does not starve other servers, a client
 * that never answers does not block a server, and per-call containers go while the gateway runs.
 * Real gateway processes (HTTP and stdio), real containers, real SDK clients.
 */
import assert from 'node:assert/strict'
import type {ChildProcess} from 'node:child_process'
import {writeFile} from 'node:fs/promises'
import path from 'node:path'
import {after, before, describe, test} from 'node:test'

import {Client, StreamableHTTPClientTransport} from '@modelcontextprotocol/client'

import {connectGateway, eventually, IMAGES, managedContainers, textOf} from '../helpers/gateway.js'
import {startHttpGateway, type HttpGatewayProcess} from '../helpers/http-gateway.js'
import {makeSandbox, type Sandbox} from '../helpers/sandbox.js'

const TOKEN = 'isolation-token-0123456789'
const auth = {Authorization: `Bearer ${TOKEN}`}
/** Safety net for calls that the old code left hanging: a failure, never a timing assertion. */
const CALL_LIMIT = {timeout: 120_000}
let sandbox: Sandbox
let catalog = ''
const gateways: ChildProcess[] = []

// Server names of their own, so that counting containers never counts another test file's.
const CATALOG = `version: 2
name: isolation-test
registry:
  iso-sticky:
    title: Long-lived fixture
    description: one container per session
    type: server
    image: ${IMAGES.fixture}
    longLived: true
    prefix: sticky
    env:
      - name: FIXTURE_NAME
        value: iso-sticky
  iso-other:
    title: Second long-lived fixture
    description: one container per session
    type: server
    image: ${IMAGES.fixture}
    longLived: true
    prefix: other
    env:
      - name: FIXTURE_NAME
        value: iso-other
  iso-fresh:
    title: Per-call fixture
    description: a container per call
    type: server
    image: ${IMAGES.fixture}
    prefix: fresh
    env:
      - name: FIXTURE_NAME
        value: iso-fresh
`

/** Start an HTTP gateway serving `servers` of the isolation catalog, with `args`; its stderr is collected. */
async function startGateway(servers: string, args: string[]): Promise<HttpGatewayProcess> {
  const gw = await startHttpGateway(['--catalog', catalog, '--servers', servers, '--no-cache', ...args], {
    sandbox,
    env: {MCP_GATEWAY_AUTH_TOKEN: TOKEN},
  })
  gateways.push(gw.child)
  return gw
}

/** A client over Streamable HTTP that answers elicitation and sampling with what `answer` says. */
async function httpClient(
  base: string,
  era: '2025' | '2026',
  name: string,
  answer?: (kind: 'elicit' | 'sample', prompt: string) => Promise<string>,
): Promise<{client: Client; prompts: string[]}> {
  const client = new Client(
    {name, version: '1.0.0'},
    {
      capabilities: {elicitation: {form: {}}, sampling: {}},
      ...(era === '2026' ? {versionNegotiation: {mode: {pin: '2026-07-28'}}} : {}),
    },
  )
  const prompts = wireAnswers(client, answer)
  await client.connect(
    new StreamableHTTPClientTransport(new URL(`${base}/mcp`), {requestInit: {headers: auth}}),
  )
  return {client, prompts}
}

function wireAnswers(
  client: Client,
  answer: ((kind: 'elicit' | 'sample', prompt: string) => Promise<string>) | undefined,
): string[] {
  const prompts: string[] = []
  const reply = answer ?? (async (_kind: string, prompt: string) => `answer to ${prompt}`)
  client.setRequestHandler('elicitation/create', async (request) => {
    const prompt = (request.params as {message: string}).message
    prompts.push(prompt)
    return {action: 'accept', content: {answer: await reply('elicit', prompt)}}
  })
  client.setRequestHandler('sampling/createMessage', async (request) => {
    const content = (request.params as {messages: Array<{content: {text?: string}}>}).messages[0]!.content
    const prompt = content.text ?? ''
    prompts.push(prompt)
    return {
      role: 'assistant',
      content: {type: 'text', text: await reply('sample', prompt)},
      model: 'test-model',
    }
  })
  return prompts
}

/**
 * Two calls of `tool` at once, from `a` and `b` (or twice from one client): each handler holds its answer
 * until both prompts have arrived, so that both calls are in flight on the server when they are asked.
 */
async function concurrentInput(
  clients: [Client, Client],
  prompts: [string[], string[]],
  tool: string,
  kind: 'elicit' | 'sample',
): Promise<[string, string]> {
  const arg = (who: string) =>
    kind === 'elicit' ? {message: `${who}: ${tool}?`} : {prompt: `${who}: ${tool}?`}
  const results = await Promise.all(
    (['A', 'B'] as const).map((who, i) =>
      clients[i]!.callTool({name: tool, arguments: arg(who)}, CALL_LIMIT),
    ),
  )
  return results.map((r) => {
    const t = textOf(r)
    return kind === 'elicit' ? (JSON.parse(t) as {content: {answer: string}}).content.answer : t
  }) as [string, string]
}

/** A handler that answers only once `count` prompts arrived (both calls in flight), with its own name. */
function gate(count: number) {
  let seen = 0
  let open!: () => void
  const opened = new Promise<void>((r) => (open = r))
  return (who: string) => async (_kind: string, prompt: string) => {
    if (++seen >= count) open()
    await Promise.race([opened, new Promise((r) => setTimeout(r, 5000))])
    return `${who} answers "${prompt}"`
  }
}

before(async () => {
  sandbox = await makeSandbox()
  catalog = path.join(sandbox.home, 'isolation.yaml')
  await writeFile(catalog, CATALOG)
})

after(async () => {
  for (const child of gateways) {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM')
      await new Promise((r) => child.once('exit', r))
    }
  }
  const left = await eventually(
    async () => [
      ...(await managedContainers('iso-sticky')),
      ...(await managedContainers('iso-other')),
      ...(await managedContainers('iso-fresh')),
    ],
    (c) => c.length === 0,
    20_000,
  )
  assert.deepEqual(left, [], 'the gateways left containers behind')
  await sandbox.cleanup()
})

describe('client isolation over Streamable HTTP', () => {
  let gw: Awaited<ReturnType<typeof startHttpGateway>>
  before(async () => {
    gw = await startGateway('iso-sticky,iso-fresh', [])
  })
  after(async () => gw.stop())

  for (const era of ['2026', '2025'] as const) {
    for (const tool of ['sticky__elicit', 'sticky__sample', 'fresh__elicit', 'fresh__sample']) {
      test(`${era} clients A and B call ${tool} at once: each sees only its own prompt, its answer resumes its own call`, async () => {
        const kind = tool.endsWith('elicit') ? 'elicit' : 'sample'
        const answerOnce = gate(2)
        const a = await httpClient(gw.base, era, `${era}-a`, answerOnce('A'))
        const b = await httpClient(gw.base, era, `${era}-b`, answerOnce('B'))
        try {
          const [ra, rb] = await concurrentInput([a.client, b.client], [a.prompts, b.prompts], tool, kind)
          assert.deepEqual(a.prompts, [`A: ${tool}?`], 'client A saw only its own prompt')
          assert.deepEqual(b.prompts, [`B: ${tool}?`], 'client B saw only its own prompt')
          assert.equal(ra, `A answers "A: ${tool}?"`)
          assert.equal(rb, `B answers "B: ${tool}?"`)
        } finally {
          await Promise.all([a.client.close(), b.client.close()])
        }
      })
    }
  }

  test('a per-call container is removed while the gateway runs (not only by the cleanup at exit)', async () => {
    const {client} = await httpClient(gw.base, '2025', 'per-call-removal')
    try {
      // The container that served the call (its host name is its id); a spare may wait for the next one.
      const served = (
        JSON.parse(textOf(await client.callTool({name: 'fresh__whoami', arguments: {}}))) as {
          hostname: string
        }
      ).hostname
      const left = await eventually(
        () => managedContainers('iso-fresh'),
        (c) => !c.some((id) => id.startsWith(served.slice(0, 12))),
        20_000,
      )
      assert.ok(
        !left.some((id) => id.startsWith(served.slice(0, 12))),
        'the per-call container is still there after its call answered',
      )
    } finally {
      await client.close()
    }
  })
})

describe('client isolation over stdio', () => {
  test('2026-07-28 stdio client: two concurrent calls each get their own prompt and answer (long-lived and per-call)', async () => {
    const gw = await connectGateway(
      sandbox,
      ['--catalog', catalog, '--servers', 'iso-sticky,iso-fresh', '--no-cache'],
      {
        viaDocker: false,
        protocol: '2026-07-28',
        capabilities: {elicitation: {form: {}}, sampling: {}},
      },
    )
    try {
      for (const tool of ['sticky__elicit', 'sticky__sample', 'fresh__elicit', 'fresh__sample']) {
        const kind = tool.endsWith('elicit') ? 'elicit' : 'sample'
        const answerOnce = gate(2)
        // One client: the answer names the prompt it answers, so a crossed answer shows.
        const prompts = wireAnswers(gw.client, answerOnce('me'))
        const [ra, rb] = await concurrentInput([gw.client, gw.client], [prompts, prompts], tool, kind)
        assert.deepEqual([...prompts].sort(), [`A: ${tool}?`, `B: ${tool}?`])
        assert.equal(ra, `me answers "A: ${tool}?"`, `${tool}: call A resumed with another call's answer`)
        assert.equal(rb, `me answers "B: ${tool}?"`, `${tool}: call B resumed with another call's answer`)
      }
    } finally {
      await gw.close()
    }
  })

  test('2025 stdio client on per-call containers: concurrent elicitations each answered in their own call', async () => {
    const gw = await connectGateway(sandbox, ['--catalog', catalog, '--servers', 'iso-fresh', '--no-cache'], {
      viaDocker: false,
      capabilities: {elicitation: {form: {}}, sampling: {}},
    })
    try {
      const answerOnce = gate(2)
      const prompts = wireAnswers(gw.client, answerOnce('me'))
      const [ra, rb] = await concurrentInput(
        [gw.client, gw.client],
        [prompts, prompts],
        'fresh__elicit',
        'elicit',
      )
      assert.equal(ra, `me answers "A: fresh__elicit?"`)
      assert.equal(rb, `me answers "B: fresh__elicit?"`)
    } finally {
      await gw.close()
    }
  })
})

describe('containers inside the caps', () => {
  let gw: Awaited<ReturnType<typeof startHttpGateway>>
  before(async () => {
    gw = await startGateway('iso-sticky,iso-other', [
      '--max-containers-per-server',
      '2',
      '--max-containers',
      '3',
      '--idle-timeout',
      '15',
    ])
  })
  after(async () => gw.stop())

  test('long-lived containers count against --max-containers-per-server and --max-containers: a clear error beyond, then idle sessions lose theirs', async () => {
    const clients: Client[] = []
    const call = async (tool: string) => {
      const {client} = await httpClient(gw.base, '2025', `cap-${clients.length}`)
      clients.push(client)
      return client.callTool({name: tool, arguments: {text: 'hi'}}, CALL_LIMIT)
    }
    try {
      // Two sessions on iso-sticky fill its cap, one on iso-other makes 3, the global cap (at once, so
      // that none of them idles out before the refusals below).
      // The containers that listed the servers at start-up hold places until they are gone.
      await eventually(
        async () => [...(await managedContainers('iso-sticky')), ...(await managedContainers('iso-other'))],
        (c) => c.length === 0,
        20_000,
      )
      const filled = await Promise.all([call('sticky__echo'), call('sticky__echo'), call('other__echo')])
      assert.deepEqual(filled.map(textOf), ['hi', 'hi', 'hi'])
      // A third session on iso-sticky is refused at once, with what to do.
      const third = await call('sticky__echo').catch((err: Error) => err)
      assert.match(
        third instanceof Error ? third.message : textOf(third),
        /server "iso-sticky" already runs 2 containers \(--max-containers-per-server 2\): close idle sessions or raise the cap/,
      )
      assert.equal((await managedContainers('iso-sticky')).length, 2)
      // A second one on iso-other is within its server's cap, not within the global one.
      const fifth = await call('other__echo').catch((err: Error) => err)
      assert.match(
        fifth instanceof Error ? fifth.message : textOf(fifth),
        /the gateway already runs 3 containers \(--max-containers 3\): close idle sessions or raise the cap/,
      )
      assert.equal((await managedContainers('iso-other')).length, 1)
      // Every session goes silent: after --idle-timeout their containers go, while the gateway runs.
      const left = await eventually(
        async () => [...(await managedContainers('iso-sticky')), ...(await managedContainers('iso-other'))],
        (c) => c.length === 0,
        60_000,
      )
      assert.deepEqual(left, [], 'idle sessions kept their containers past --idle-timeout')
      // Their places are free again.
      assert.equal(textOf(await call('sticky__echo')), 'hi')
    } finally {
      await Promise.all(clients.map((c) => c.close().catch(() => {})))
    }
  })
})

describe('a client that does not answer', () => {
  let gw: Awaited<ReturnType<typeof startHttpGateway>>
  before(async () => {
    gw = await startGateway('iso-sticky,iso-fresh', ['--max-containers-per-server', '1'])
  })
  after(async () => gw.stop())

  for (const prefix of ['fresh', 'sticky']) {
    test(`with the cap at 1, a 2026 call of client A parked for input does not block client B (${prefix})`, async () => {
      let release!: () => void
      const released = new Promise<void>((r) => (release = r))
      let asked!: () => void
      const parked = new Promise<void>((r) => (asked = r))
      const a = await httpClient(gw.base, '2026', 'silent-a', async () => {
        asked()
        await released
        return 'late'
      })
      const b = await httpClient(gw.base, '2026', 'b')
      try {
        const callA = a.client.callTool({name: `${prefix}__elicit`, arguments: {message: 'wait'}}, CALL_LIMIT)
        await parked
        const r = await b.client.callTool(
          {name: `${prefix}__echo`, arguments: {text: 'not blocked'}},
          CALL_LIMIT,
        )
        assert.equal(textOf(r), 'not blocked')
        release()
        assert.equal(JSON.parse(textOf(await callA)).content.answer, 'late')
      } finally {
        release()
        await Promise.all([a.client.close(), b.client.close()])
      }
    })
  }
})

describe('a server flooding list_changed', () => {
  let gw: Awaited<ReturnType<typeof startHttpGateway>>
  before(async () => {
    gw = await startGateway('iso-sticky,iso-fresh', ['--verbose'])
  })
  after(async () => gw.stop())

  test('another server still answers, re-listing is bounded, the noise log is rate-limited', async (t) => {
    const COUNT = 5000
    const {client} = await httpClient(gw.base, '2025', 'flood')
    try {
      const flood = client.callTool(
        {name: 'sticky__flood', arguments: {count: COUNT, noise: true}},
        CALL_LIMIT,
      )
      const other = await client.callTool({name: 'fresh__echo', arguments: {text: 'still here'}}, CALL_LIMIT)
      assert.equal(textOf(other), 'still here')
      assert.equal(textOf(await flood), `sent ${COUNT}`)
      // The same session's container counts the tools/list requests it received: the gateway's re-lists.
      const relists = Number(
        textOf(await client.callTool({name: 'sticky__list_calls', arguments: {}}, CALL_LIMIT)),
      )
      assert.ok(relists >= 1, 'the gateway never re-listed after list_changed')
      assert.ok(relists <= 20, `the gateway re-listed ${relists} times for ${COUNT} notifications`)
      t.diagnostic(`${relists} re-list(s) for ${COUNT} list_changed notifications`)
      const noise = gw
        .stderr()
        .split('\n')
        .filter((l) => l.includes('flooding stdout')).length
      t.diagnostic(`${noise} line(s) of the server's noise logged for ${COUNT}`)
      assert.ok(noise <= 20, `${noise} lines of the server's noise were logged`)
    } finally {
      await client.close()
    }
  })
})
