import assert from 'node:assert/strict'
import {readFile, writeFile} from 'node:fs/promises'
import path from 'node:path'
import {after, before, describe, test} from 'node:test'

import {Client, StreamableHTTPClientTransport} from '@modelcontextprotocol/client'

import {connectGateway, eventually, IMAGES, textOf, type ConnectedGateway} from '../helpers/gateway.js'
import {startHttpGateway, type HttpGatewayProcess} from '../helpers/http-gateway.js'
import {makeSandbox, run, type Sandbox} from '../helpers/sandbox.js'

// Dynamic tools (src/gateway/dynamic/) end to end: real gateways (stdio and Streamable HTTP), real clients,
// real containers. `plain` is enabled for every session (registry.yaml) with a tools.yaml allowlist; the
// others are only in the catalog, for mcp-find and mcp-add.
const INTERNAL = ['mcp-find', 'mcp-add', 'mcp-remove', 'mcp-config-set', 'mcp-exec']
const TOKEN = 'dynamic-token-0123456789'

function catalogText(): string {
  const fixture = (name: string, extra: string[] = []) =>
    [
      `  ${name}:`,
      `    title: ${name} fixture`,
      `    description: The test fixture server called ${name}`,
      '    type: server',
      `    image: ${IMAGES.fixture}`,
      '    env:',
      '      - name: FIXTURE_NAME',
      `        value: ${name}`,
      ...extra.map((l) => `    ${l}`),
    ].join('\n')
  return [
    'version: 2',
    'name: dynamic-test',
    'displayName: Dynamic tools test',
    'registry:',
    '  dice:',
    '    title: Dice',
    '    description: Roll dice for tabletop games',
    '    type: server',
    `    image: ${IMAGES.dice}`,
    '    tools:',
    '      - name: roll_dice',
    '        description: Roll some dice',
    fixture('plain', ['longLived: true']),
    fixture('sticky', ['longLived: true', 'prefix: sticky']),
    fixture('secretive', ['secrets:', '  - name: secretive.token', '    env: FIXTURE_SECRET']),
    fixture('echoer', ['longLived: true']),
    fixture('configured', [
      'prefix: configured',
      'config:',
      '  - name: configured',
      '    description: Settings',
      '    type: object',
      '    properties:',
      '      greeting:',
      '        type: string',
      '        description: What it says',
      '      times:',
      '        type: integer',
      '    required:',
      '      - greeting',
    ]),
    '  broken:',
    '    title: Broken',
    '    description: An image that does not exist anywhere',
    '    type: server',
    '    image: docker-mcp-does-not-exist:never',
    '',
  ].join('\n')
}

let sandbox: Sandbox
let files: string[]
/** The gateways this file started: other engineers' gateways share the engine, their containers are not ours. */
const gatewayPids = new Set<string>()

/** Containers of our gateways (optionally of one server), whatever else runs on the engine. */
async function ours(server?: string): Promise<string[]> {
  const filters = [
    '--filter',
    'label=docker-mcp=true',
    ...(server ? ['--filter', `label=docker-mcp-name=${server}`] : []),
  ]
  const r = await run('docker', [
    'ps',
    '-a',
    ...filters,
    '--format',
    '{{.ID}} {{.Label "docker-mcp-gateway-pid"}}',
  ])
  return r.stdout
    .split('\n')
    .filter(Boolean)
    .map((line) => line.split(' '))
    .filter(([, pid]) => gatewayPids.has(pid ?? ''))
    .map(([id]) => id!)
}

before(async () => {
  sandbox = await makeSandbox()
  const catalog = path.join(sandbox.home, 'dynamic.yaml')
  const registry = path.join(sandbox.home, 'registry.yaml')
  const tools = path.join(sandbox.home, 'tools.yaml')
  await writeFile(catalog, catalogText())
  await writeFile(registry, 'registry:\n  plain:\n    ref: ""\n')
  // `whoami` and `add_tool` are filtered out of the list: mcp-exec still reaches them.
  await writeFile(tools, 'plain:\n  - echo\n  - mcp-find\n')
  files = ['--catalog', catalog, '--registry', registry, '--tools-config', tools, '--no-cache', '--no-watch']
})

after(async () => {
  const left = await eventually(
    () => ours(),
    (c) => c.length === 0,
    20_000,
  )
  assert.deepEqual(left, [], 'containers left behind')
  await sandbox.cleanup()
})

async function call(client: Client, name: string, args: Record<string, unknown>) {
  const result = await client.callTool({name, arguments: args})
  return {text: textOf(result), isError: result.isError === true, result}
}

async function toolNames(client: Client): Promise<string[]> {
  return (await client.listTools()).tools.map((t) => t.name)
}

describe('dynamic tools over stdio', () => {
  let gw: ConnectedGateway
  let changed = 0
  before(async () => {
    gw = await connectGateway(sandbox, files, {viaDocker: false})
    gatewayPids.add(String(gw.transport.pid))
    gw.client.setNotificationHandler('notifications/tools/list_changed', () => void changed++)
  })
  after(async () => {
    await gw?.close()
  })

  test('the internal tools are listed with the enabled server, and nothing of the catalog', async () => {
    const names = await toolNames(gw.client)
    for (const name of INTERNAL) assert.ok(names.includes(name), names.join(','))
    assert.ok(names.includes('echo'), names.join(','))
    assert.ok(!names.includes('roll_dice') && !names.includes('whoami'), names.join(','))
  })

  test('the mcp-discover prompt explains the tools', async () => {
    const {prompts} = await gw.client.listPrompts()
    assert.ok(
      prompts.some((p) => p.name === 'mcp-discover'),
      JSON.stringify(prompts),
    )
    const prompt = await gw.client.getPrompt({name: 'mcp-discover'})
    assert.match(JSON.stringify(prompt.messages), /mcp-find.*mcp-add.*mcp-exec/s)
  })

  test('mcp-find ranks the right server first and says what it needs', async () => {
    const dice = await call(gw.client, 'mcp-find', {query: 'roll dice', limit: 3})
    assert.equal(dice.isError, false, dice.text)
    const servers = (dice.result.structuredContent as {servers: Array<Record<string, unknown>>}).servers
    assert.equal(servers[0]?.name, 'dice', dice.text)
    assert.deepEqual(servers[0]?.tools, ['roll_dice'])
    const secretive = await call(gw.client, 'mcp-find', {query: 'secretive'})
    const hit = (secretive.result.structuredContent as {servers: Array<Record<string, unknown>>}).servers[0]!
    assert.equal(hit.name, 'secretive')
    assert.deepEqual(hit.secrets, [{name: 'secretive.token', set: false}])
  })

  test('mcp-add: list_changed, then the new tool is callable', async () => {
    const before = changed
    const added = await call(gw.client, 'mcp-add', {name: 'dice'})
    assert.equal(added.isError, false, added.text)
    await eventually(
      async () => changed,
      (n) => n > before,
    )
    assert.ok(changed > before, 'no notifications/tools/list_changed after mcp-add')
    assert.ok((await toolNames(gw.client)).includes('roll_dice'))
    const roll = await call(gw.client, 'roll_dice', {sides: 20, count: 2})
    assert.equal(roll.isError, false, roll.text)
    assert.match(roll.text, /20/)
  })

  test('a missing secret: the exact command to run, and nothing started', async () => {
    const r = await call(gw.client, 'mcp-add', {name: 'secretive'})
    assert.equal(r.isError, true, r.text)
    assert.match(r.text, /docker mcp secret set secretive\.token=<value>/)
    assert.deepEqual(await ours('secretive'), [])
    assert.ok(!(await toolNames(gw.client)).includes('whoami'))
  })

  test('mcp-remove: tools gone, the long-lived container gone', async () => {
    const added = await call(gw.client, 'mcp-add', {name: 'sticky'})
    assert.equal(added.isError, false, added.text)
    assert.ok((await toolNames(gw.client)).includes('sticky__echo'))
    assert.equal((await call(gw.client, 'sticky__echo', {text: 'hi'})).text, 'hi')
    assert.equal((await ours('sticky')).length, 1)
    const removed = await call(gw.client, 'mcp-remove', {name: 'sticky'})
    assert.equal(removed.isError, false, removed.text)
    assert.ok(!(await toolNames(gw.client)).some((n) => n.startsWith('sticky__')))
    const left = await eventually(
      () => ours('sticky'),
      (c) => c.length === 0,
    )
    assert.deepEqual(left, [])
    await assert.rejects(call(gw.client, 'sticky__echo', {text: 'hi'}), /sticky__echo not found/)
  })

  test('mcp-exec calls a tool the allowlist filters out of the list', async () => {
    assert.ok(!(await toolNames(gw.client)).includes('whoami'))
    const r = await call(gw.client, 'mcp-exec', {name: 'whoami', arguments: {}})
    assert.equal(r.isError, false, r.text)
    // The fixture's whoami: which container answered.
    assert.match(r.text, /"hostname"/)
  })

  test('a server tool named mcp-find does not shadow the internal one', async () => {
    const before = changed
    const r = await call(gw.client, 'mcp-exec', {name: 'add_tool', arguments: {name: 'mcp-find'}})
    assert.equal(r.isError, false, r.text)
    await eventually(
      async () => (await gw.client.listTools()).tools.filter((t) => t.name.includes('mcp-find')).length,
      (n) => n === 2,
    )
    assert.ok(changed > before)
    const tools = (await gw.client.listTools()).tools.filter((t) => t.name.includes('mcp-find'))
    assert.deepEqual(tools.map((t) => t.name).sort(), ['mcp-find', 'plain__mcp-find'])
    assert.match(
      tools.find((t) => t.name === 'mcp-find')!.description ?? '',
      /Search the MCP server catalogs/,
    )
    const found = await call(gw.client, 'mcp-find', {query: 'dice'})
    assert.match(found.text, /dice/)
    assert.equal((await call(gw.client, 'plain__mcp-find', {})).text, 'I am mcp-find')
  })

  test('mcp-config-set: checked against the schema, required before mcp-add, persisted on request', async () => {
    const early = await call(gw.client, 'mcp-add', {name: 'configured'})
    assert.equal(early.isError, true, early.text)
    assert.match(early.text, /greeting.*not set.*mcp-config-set/)
    assert.deepEqual(await ours('configured'), [])
    const badKey = await call(gw.client, 'mcp-config-set', {server: 'configured', key: 'greting', value: 'x'})
    assert.equal(badKey.isError, true)
    assert.match(badKey.text, /no setting "greting".*greeting, times/)
    const badValue = await call(gw.client, 'mcp-config-set', {
      server: 'configured',
      key: 'times',
      value: 'many',
    })
    assert.equal(badValue.isError, true)
    assert.match(badValue.text, /configured\.times.*integer/)
    const set = await call(gw.client, 'mcp-config-set', {
      server: 'configured',
      key: 'greeting',
      value: 'hello',
      persist: true,
    })
    assert.equal(set.isError, false, set.text)
    assert.match(
      await readFile(path.join(sandbox.dockerConfig, 'mcp', 'config.yaml'), 'utf8'),
      /greeting: hello/,
    )
    const added = await call(gw.client, 'mcp-add', {name: 'configured'})
    assert.equal(added.isError, false, added.text)
    assert.ok((await toolNames(gw.client)).includes('configured__echo'))
    assert.equal((await call(gw.client, 'mcp-remove', {name: 'configured'})).isError, false)
  })

  test('bad input: each a tool error, nothing left running', async () => {
    const unknown = await call(gw.client, 'mcp-add', {name: 'dicee'})
    assert.equal(unknown.isError, true)
    assert.match(unknown.text, /No catalog has a server "dicee".*"dice"/)
    const broken = await call(gw.client, 'mcp-add', {name: 'broken'})
    assert.equal(broken.isError, true, broken.text)
    assert.match(broken.text, /cannot run|did not start/)
    assert.deepEqual(await ours('broken'), [])
    // echoer's `echo` would clash with plain's.
    const clash = await call(gw.client, 'mcp-add', {name: 'echoer'})
    assert.equal(clash.isError, true, clash.text)
    assert.match(clash.text, /echo.*would clash/)
    const left = await eventually(
      () => ours('echoer'),
      (c) => c.length === 0,
    )
    assert.deepEqual(left, [])
    const notMine = await call(gw.client, 'mcp-remove', {name: 'plain'})
    assert.equal(notMine.isError, true)
    assert.match(notMine.text, /docker mcp server disable plain/)
    const badExec = await call(gw.client, 'mcp-exec', {name: 'nosuch_tool'})
    assert.equal(badExec.isError, true)
    assert.match(badExec.text, /mcp-find/)
  })
})

describe('dynamic tools are off', () => {
  test('with --servers, and with --no-dynamic-tools', async () => {
    for (const args of [['--servers', 'dice'], ['--no-dynamic-tools']]) {
      const gw = await connectGateway(sandbox, [...files, ...args], {viaDocker: false})
      gatewayPids.add(String(gw.transport.pid))
      try {
        const names = await toolNames(gw.client)
        assert.ok(!names.some((n) => INTERNAL.includes(n)), `${args.join(' ')}: ${names.join(',')}`)
        assert.ok(names.length > 0, `${args.join(' ')}: no tools at all`)
      } finally {
        await gw.close()
      }
    }
  })
})

describe('dynamic tools over Streamable HTTP', () => {
  let gateway: HttpGatewayProcess
  before(async () => {
    gateway = await startHttpGateway(files, {sandbox, env: {MCP_GATEWAY_AUTH_TOKEN: TOKEN}})
    gatewayPids.add(String(gateway.child.pid))
  })
  after(async () => {
    await gateway?.stop()
  })

  const connect = async (era: '2025' | '2026') => {
    const client = new Client(
      {name: `dynamic-${era}`, version: '1.0.0'},
      era === '2026' ? {versionNegotiation: {mode: {pin: '2026-07-28'}}} : {},
    )
    await client.connect(
      new StreamableHTTPClientTransport(new URL(`${gateway.base}/mcp`), {
        requestInit: {headers: {Authorization: `Bearer ${TOKEN}`}},
      }),
    )
    return client
  }

  test('2025 sessions: what one adds, the other does not see', async () => {
    const a = await connect('2025')
    const b = await connect('2025')
    try {
      let told = 0
      a.setNotificationHandler('notifications/tools/list_changed', () => void told++)
      const added = await call(a, 'mcp-add', {name: 'dice'})
      assert.equal(added.isError, false, added.text)
      await eventually(
        async () => told,
        (n) => n > 0,
      )
      assert.ok(told > 0, 'session a was not told')
      assert.ok((await toolNames(a)).includes('roll_dice'))
      assert.match((await call(a, 'roll_dice', {sides: 6})).text, /6/)
      assert.ok(!(await toolNames(b)).includes('roll_dice'), 'session b sees what a added')
      const fromB = await call(b, 'roll_dice', {sides: 6}).catch((err: Error) => ({
        isError: true,
        text: err.message,
      }))
      assert.equal(fromB.isError, true)
    } finally {
      await a.close()
      await b.close()
    }
  })

  test('2026-07-28 stateless: added per caller, callable on the next request, not in 2025 sessions', async () => {
    const modern = await connect('2026')
    const legacy = await connect('2025')
    try {
      const added = await call(modern, 'mcp-add', {name: 'sticky'})
      assert.equal(added.isError, false, added.text)
      assert.ok((await toolNames(modern)).includes('sticky__echo'))
      assert.equal((await call(modern, 'sticky__echo', {text: 'stateless'})).text, 'stateless')
      assert.ok(!(await toolNames(legacy)).includes('sticky__echo'))
      const exec = await call(modern, 'mcp-exec', {name: 'whoami'})
      assert.equal(exec.isError, false, exec.text)
      const removed = await call(modern, 'mcp-remove', {name: 'sticky'})
      assert.equal(removed.isError, false, removed.text)
      assert.ok(!(await toolNames(modern)).includes('sticky__echo'))
      const left = await eventually(
        () => ours('sticky'),
        (c) => c.length === 0,
      )
      assert.deepEqual(left, [])
    } finally {
      await modern.close()
      await legacy.close()
    }
  })
})
