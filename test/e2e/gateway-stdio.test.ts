import assert from 'node:assert/strict'
import {createHash} from 'node:crypto'
import {writeFile} from 'node:fs/promises'
import path from 'node:path'
import {after, before, describe, test} from 'node:test'

import {
  connectGateway,
  connectRawGateway,
  IMAGES,
  eventually,
  managedContainers,
  textOf,
  writeSecretsFile,
  writeTestCatalog,
  type ConnectedGateway,
} from '../helpers/gateway.js'
import {installPlugin, makeSandbox, type Sandbox} from '../helpers/sandbox.js'

// The real thing: the SDK client speaks MCP to `docker mcp gateway run` through the docker CLI, and the
// gateway runs each server in a real container built by scripts/build-images.mjs.
const SECRET = 'fixture-secret-value-7f3a'
let sandbox: Sandbox
let catalog: string
let secrets: string
let gw: ConnectedGateway

before(async () => {
  sandbox = await makeSandbox()
  await installPlugin(sandbox)
  catalog = await writeTestCatalog(sandbox)
  secrets = await writeSecretsFile(sandbox, {'fixture.secret': SECRET})
  gw = await connectGateway(
    sandbox,
    [
      '--catalog',
      catalog,
      '--servers',
      'dice,fixture,sticky',
      '--secrets',
      secrets,
      '--call-timeout',
      '4',
      '--no-cache',
    ],
    {capabilities: {elicitation: {form: {}}, sampling: {}}},
  )
})

after(async () => {
  await gw?.close()
  // Nothing may outlive the client: the gateway removes every container it started.
  const left = await eventually(
    () => managedContainers(),
    (c) => c.length === 0,
    15_000,
  )
  assert.deepEqual(left, [], 'containers left behind after the client closed stdin')
  await sandbox.cleanup()
})

describe('gateway over stdio through the docker CLI', () => {
  test('lists the tools of several servers at once, clashes renamed and reported', async () => {
    const {tools} = await gw.client.listTools()
    const names = tools.map((t) => t.name)
    assert.ok(names.includes('roll_dice'), names.join(','))
    assert.ok(names.includes('echo'), names.join(','))
    // sticky has a catalog prefix, so the same fixture tools do not clash.
    assert.ok(names.includes('sticky__echo'), names.join(','))
    for (const name of names) assert.match(name, /^[A-Za-z0-9_-]{1,64}$/)
  })

  test('calls tools of two servers', async () => {
    const roll = await gw.client.callTool({name: 'roll_dice', arguments: {sides: 20, count: 2}})
    assert.equal(roll.isError ?? false, false, textOf(roll))
    assert.match(textOf(roll), /20/)
    const echo = await gw.client.callTool({name: 'echo', arguments: {text: 'héllo'}})
    assert.equal(textOf(echo), 'héllo')
  })

  test('a secret reaches the server that declares it, and no other', async () => {
    const want = createHash('sha256').update(SECRET).digest('hex')
    const own = await gw.client.callTool({name: 'env_hash', arguments: {name: 'FIXTURE_SECRET'}})
    assert.equal(textOf(own), want)
    const other = await gw.client.callTool({name: 'sticky__env_hash', arguments: {name: 'FIXTURE_SECRET'}})
    assert.equal(textOf(other), 'unset')
  })

  test('progress notifications flow back to the caller', async () => {
    const seen: number[] = []
    const result = await gw.client.callTool(
      {name: 'slow', arguments: {ms: 1500, steps: 3}},
      {onprogress: (p) => void seen.push(p.progress)},
    )
    assert.equal(textOf(result), 'done')
    assert.ok(seen.length >= 2, `progress seen: ${JSON.stringify(seen)}`)
  })

  test('cancelling a slow call stops it, and the next call works', async () => {
    const controller = new AbortController()
    const call = gw.client.callTool(
      {name: 'slow', arguments: {ms: 10_000, steps: 2}},
      {signal: controller.signal},
    )
    setTimeout(() => controller.abort(new Error('user cancelled')), 400)
    await assert.rejects(call, /cancel/i)
    const echo = await gw.client.callTool({name: 'echo', arguments: {text: 'after cancel'}})
    assert.equal(textOf(echo), 'after cancel')
  })

  test('resources and prompts are aggregated and proxied', async () => {
    const {resources} = await gw.client.listResources()
    assert.ok(resources.some((r) => r.uri === 'fixture://info'))
    const read = await gw.client.readResource({uri: 'fixture://info'})
    assert.ok(read.contents.length > 0)
    const templated = await gw.client.readResource({uri: 'fixture://items/42'})
    assert.match(JSON.stringify(templated.contents), /42/)
    const {prompts} = await gw.client.listPrompts()
    assert.ok(prompts.some((p) => p.name.endsWith('greeting')))
    const prompt = await gw.client.getPrompt({
      name: prompts.find((p) => p.name.endsWith('greeting'))!.name,
      arguments: {name: 'Ada'},
    })
    assert.match(JSON.stringify(prompt.messages), /Ada/)
  })

  test('elicitation and sampling from a server reach the client that caused them', async () => {
    gw.client.setRequestHandler('elicitation/create', async () => ({
      action: 'accept',
      content: {answer: 'blue'},
    }))
    gw.client.setRequestHandler('sampling/createMessage', async () => ({
      role: 'assistant',
      content: {type: 'text', text: 'sampled text'},
      model: 'test-model',
    }))
    const elicited = await gw.client.callTool({name: 'elicit', arguments: {message: 'favourite colour?'}})
    assert.match(textOf(elicited), /blue/)
    const sampled = await gw.client.callTool({name: 'sample', arguments: {prompt: 'hi'}})
    assert.match(textOf(sampled), /sampled text/)
  })

  test("an elicitation's answer is still checked against the form the server asked for", async () => {
    // The bundle loads the SDK's JSON Schema validator only before the first elicitation (sdk-shims.ts):
    // it must be there, and check, when the answer comes (`answer` must be a string).
    gw.client.setRequestHandler('elicitation/create', async () => ({action: 'accept', content: {answer: 42}}))
    const outcome = await gw.client
      .callTool({name: 'elicit', arguments: {message: 'favourite number?'}})
      .then(textOf, (err: Error) => err.message)
    assert.match(outcome, /does not match requested schema/)
    assert.doesNotMatch(outcome, /not loaded/)
  })

  test('a 2026-07-28 client over stdio answers server input requests in input_required rounds', async () => {
    const modern = await connectGateway(
      sandbox,
      ['--catalog', catalog, '--servers', 'fixture', '--no-cache'],
      {
        capabilities: {elicitation: {form: {}}, sampling: {}},
        protocol: '2026-07-28',
        name: 'modern-stdio',
      },
    )
    try {
      modern.client.setRequestHandler('elicitation/create', async () => ({
        action: 'accept',
        content: {answer: 'violet'},
      }))
      modern.client.setRequestHandler('sampling/createMessage', async () => ({
        role: 'assistant',
        content: {type: 'text', text: 'sampled over stdio'},
        model: 'test-model',
      }))
      const elicited = await modern.client.callTool({name: 'elicit', arguments: {message: 'colour?'}})
      assert.deepEqual(JSON.parse(textOf(elicited)), {action: 'accept', content: {answer: 'violet'}})
      const sampled = await modern.client.callTool({name: 'sample', arguments: {prompt: 'hi'}})
      assert.equal(textOf(sampled), 'sampled over stdio')
    } finally {
      await modern.close()
    }
  })

  test('with no cached listing, the declared catalog tools are offered at once, then replaced by the live ones', async () => {
    const declared = path.join(sandbox.home, 'declared.yaml')
    await writeFile(
      declared,
      `version: 2
name: declared
registry:
  fixture:
    title: Fixture
    description: tools declared in the catalog
    type: server
    image: ${IMAGES.fixture}
    tools:
      - name: echo
        description: declared echo
        arguments:
          - name: text
            type: string
            desc: what to echo
  gone:
    title: Gone
    description: declared tools of a server whose image does not exist
    type: server
    image: docker-mcp-does-not-exist:never
    tools:
      - name: vanish
        description: never really there
`,
    )
    const gwd = await connectGateway(sandbox, [
      '--catalog',
      declared,
      '--servers',
      'fixture,gone',
      '--no-cache',
    ])
    try {
      let changed = 0
      gwd.client.setNotificationHandler('notifications/tools/list_changed', () => void changed++)
      const first = (await gwd.client.listTools()).tools
      const echo = first.find((t) => t.name === 'echo')
      assert.equal(echo?.description, 'declared echo')
      assert.deepEqual(echo?.inputSchema, {
        type: 'object',
        properties: {text: {type: 'string', description: 'what to echo'}},
      })
      assert.ok(first.some((t) => t.name === 'vanish'))
      await eventually(
        async () => changed,
        (n) => n > 0,
        30_000,
      )
      const live = await eventually(
        async () => (await gwd.client.listTools()).tools,
        (tools) => tools.some((t) => t.name === 'crash') && !tools.some((t) => t.name === 'vanish'),
        30_000,
      )
      assert.notEqual(live.find((t) => t.name === 'echo')?.description, 'declared echo')
      assert.equal(textOf(await gwd.client.callTool({name: 'echo', arguments: {text: 'live'}})), 'live')
    } finally {
      await gwd.close()
    }
  })

  test('a long-lived server keeps one container per session, and its list_changed reaches the client', async () => {
    const a = textOf(await gw.client.callTool({name: 'sticky__whoami', arguments: {}}))
    const b = textOf(await gw.client.callTool({name: 'sticky__whoami', arguments: {}}))
    assert.equal(JSON.parse(a).hostname, JSON.parse(b).hostname)
    let changed = 0
    gw.client.setNotificationHandler('notifications/tools/list_changed', () => void changed++)
    await gw.client.callTool({name: 'sticky__add_tool', arguments: {name: 'brand_new'}})
    await eventually(
      async () => changed,
      (n) => n > 0,
      5000,
    )
    const {tools} = await gw.client.listTools()
    assert.ok(
      tools.some((t) => t.name === 'sticky__brand_new'),
      tools.map((t) => t.name).join(','),
    )
  })

  test('per-call containers: each call gets a fresh one', async () => {
    const a = JSON.parse(textOf(await gw.client.callTool({name: 'whoami', arguments: {}})))
    const b = JSON.parse(textOf(await gw.client.callTool({name: 'whoami', arguments: {}})))
    assert.notEqual(a.hostname, b.hostname)
  })
})

describe('faults do not take the gateway down', () => {
  test('a server that crashes mid-call gives a clear error; the next call works', async () => {
    await assert.rejects(gw.client.callTool({name: 'sticky__crash', arguments: {}}), (err: Error) => {
      assert.match(err.message, /server "sticky" stopped during tools\/call/)
      return true
    })
    const again = await gw.client.callTool({name: 'sticky__echo', arguments: {text: 'restarted'}})
    assert.equal(textOf(again), 'restarted')
  })

  test('garbage on stdout is skipped', async () => {
    const r = await gw.client.callTool({name: 'garbage', arguments: {}})
    assert.equal(textOf(r), 'ok after garbage')
  })

  test('a server that never answers times out with the server named', async () => {
    await assert.rejects(
      gw.client.callTool({name: 'hang', arguments: {}}),
      /server "fixture" did not answer tools\/call within 4s/,
    )
    const r = await gw.client.callTool({name: 'echo', arguments: {text: 'still here'}})
    assert.equal(textOf(r), 'still here')
  })

  test('a 20 MiB result passes through', async () => {
    // What is tested is that 20 MiB pass, not how fast: a gateway of its own, without the 4 s call timeout
    // of the others (a per-call container's start and 20 MiB through the engine's attach took longer than
    // that on a loaded machine), and a client that reads the answer linearly (connectRawGateway).
    const big = await connectRawGateway(sandbox, [
      '--catalog',
      catalog,
      '--servers',
      'fixture',
      '--secrets',
      secrets,
      '--call-timeout',
      '600',
      '--no-cache',
    ])
    try {
      const r = await big.request('tools/call', {name: 'huge', arguments: {mib: 20}})
      assert.equal(r.error, undefined, r.error?.message)
      assert.ok(textOf(r.result).length >= 20 * 1024 * 1024, `got ${textOf(r.result).length} chars`)
    } finally {
      await big.close()
    }
  })

  test('a 1 MiB argument passes through', async () => {
    const big = 'x'.repeat(1024 * 1024)
    const r = await gw.client.callTool({name: 'echo', arguments: {text: big}})
    assert.equal(textOf(r).length, big.length)
  })

  test('an unknown tool is an invalid-params error', async () => {
    await assert.rejects(
      gw.client.callTool({name: 'no_such_tool', arguments: {}}),
      /Tool no_such_tool not found/,
    )
  })
})

// Tool calls to a long-lived container that is already running skip the SDK on both sides (the raw
// path, the hot path of the benchmark): everything a client can observe must be as on the regular path.
describe('calls to a running long-lived server (raw forwarding)', () => {
  before(async () => {
    await gw.client.callTool({name: 'sticky__echo', arguments: {text: 'start it'}})
  })

  test('results, tool errors and protocol errors come back as the server gave them', async () => {
    const r = await gw.client.callTool({name: 'sticky__echo', arguments: {text: 'raw'}})
    assert.equal(textOf(r), 'raw')
    // Invalid arguments: the server's own answer, unchanged.
    const bad = await gw.client.callTool({name: 'sticky__echo', arguments: {text: 42}}).catch((e: Error) => e)
    const direct = await gw.client.callTool({name: 'echo', arguments: {text: 42}}).catch((e: Error) => e)
    assert.deepEqual(bad, direct)
  })

  test('many calls in flight at once each get their own answer', async () => {
    const texts = Array.from({length: 64}, (_, i) => `call-${i}`)
    const answers = await Promise.all(
      texts.map(async (text) => textOf(await gw.client.callTool({name: 'sticky__echo', arguments: {text}}))),
    )
    assert.deepEqual(answers, texts)
  })

  test('a cancelled call is cancelled in the server too, and the next call works', async () => {
    const before = Number(textOf(await gw.client.callTool({name: 'sticky__cancelled_count', arguments: {}})))
    const controller = new AbortController()
    const call = gw.client.callTool(
      {name: 'sticky__slow', arguments: {ms: 10_000, steps: 2}},
      {signal: controller.signal},
    )
    setTimeout(() => controller.abort(new Error('user cancelled')), 300)
    await assert.rejects(call, /cancel/i)
    const after = await eventually(
      async () => Number(textOf(await gw.client.callTool({name: 'sticky__cancelled_count', arguments: {}}))),
      (n) => n === before + 1,
      5000,
    )
    assert.equal(after, before + 1)
  })

  test('a server that never answers times out with the server named; the next call works', async () => {
    await assert.rejects(
      gw.client.callTool({name: 'sticky__hang', arguments: {}}),
      /server "sticky" did not answer tools\/call within 4s \(set --call-timeout to wait longer\)/,
    )
    const r = await gw.client.callTool({name: 'sticky__echo', arguments: {text: 'still here'}})
    assert.equal(textOf(r), 'still here')
  })

  test('1 MiB each way', async () => {
    const big = 'y'.repeat(1024 * 1024)
    assert.equal(textOf(await gw.client.callTool({name: 'sticky__echo', arguments: {text: big}})), big)
    const huge = await gw.client.callTool({name: 'sticky__huge', arguments: {mib: 1}})
    assert.ok(textOf(huge).length >= 1024 * 1024)
  })

  test('a large answer with text beyond ASCII comes back exactly (its bytes are passed on, only the id swapped)', async () => {
    // Characters of 2, 3 and 4 bytes: the id's place is found in bytes, not in characters.
    const big = 'h\u00e9llo \u20ac \u{1F600} '.repeat(16 * 1024)
    for (let i = 0; i < 3; i++)
      assert.equal(textOf(await gw.client.callTool({name: 'sticky__echo', arguments: {text: big}})), big)
  })

  test('a crash in the middle of calls in flight fails each of them clearly; the server restarts', async () => {
    const slow = gw.client.callTool({name: 'sticky__slow', arguments: {ms: 5000, steps: 1}})
    const crash = gw.client.callTool({name: 'sticky__crash', arguments: {}})
    for (const call of [slow, crash]) {
      await assert.rejects(
        call,
        /server "sticky" stopped during tools\/call: its container exited \(exit code \d+\).*restarted on the next call/s,
      )
    }
    assert.equal(textOf(await gw.client.callTool({name: 'sticky__echo', arguments: {text: 'back'}})), 'back')
  })
})
