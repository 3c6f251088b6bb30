import assert from 'node:assert/strict'
import {mkdir, writeFile} from 'node:fs/promises'
import path from 'node:path'
import {after, before, describe, test} from 'node:test'

import {Client, StreamableHTTPClientTransport} from '@modelcontextprotocol/client'

import {
  connectGateway as connectStdio,
  containersOfGateway,
  eventually,
  textOf,
  writeTestCatalog,
  type ConnectedGateway,
} from '../helpers/gateway.js'
import {startHttpGateway, type HttpGatewayProcess} from '../helpers/http-gateway.js'
import {makeSandbox, type Sandbox} from '../helpers/sandbox.js'

// Issue #17, code mode, through the real gateway, real containers (the dice image) and real clients, over
// stdio and Streamable HTTP. Servers are enabled in registry.yaml: `--servers` turns the internal tools off.

/** Assembled at run time: a GitHub token shape, for secret blocking (not a literal in the script either). */
const TOKEN_EXPR = `'ghp_' + 'aB3dE5gH7jK9'.repeat(3)`
const TOKEN = `ghp_${'aB3dE5gH7jK9'.repeat(3)}`
const HTTP_TOKEN = 'code-mode-token-0123456789'
const SUM = `
  const a = await dice.roll_dice({sides: 6})
  const b = await dice.roll_dice({sides: 6})
  console.log('rolled', a.total, b.total)
  return {a: a.total, b: b.total, sum: a.total + b.total}`

let sandbox: Sandbox
let catalog: string

before(async () => {
  sandbox = await makeSandbox()
  catalog = await writeTestCatalog(sandbox)
  const mcp = path.join(sandbox.dockerConfig, 'mcp')
  await mkdir(mcp, {recursive: true})
  await writeFile(path.join(mcp, 'registry.yaml'), 'registry:\n  dice:\n    ref: ""\n')
})

/** Our gateways' process ids: other helpers' gateways run dice on the same engine and host name. */
const gatewayPids = new Set<number>()

async function ownContainers(): Promise<string[]> {
  const ids: string[] = []
  for (const pid of gatewayPids) ids.push(...(await containersOfGateway(pid)))
  return ids
}

after(async () => {
  const left = await eventually(
    () => ownContainers(),
    (c) => c.length === 0,
    15_000,
  )
  assert.deepEqual(left, [], 'containers left behind')
  await sandbox.cleanup()
})

/** A stdio gateway, its process id recorded for the cleanup check. */
async function connectGateway(...args: Parameters<typeof connectStdio>): Promise<ConnectedGateway> {
  const gw = await connectStdio(...args)
  if (gw.transport.pid) gatewayPids.add(gw.transport.pid)
  return gw
}

type Caller = Pick<Client, 'callTool' | 'listTools'>

async function toolNames(client: Caller): Promise<string[]> {
  return (await client.listTools()).tools.map((t) => t.name)
}

/** Register code-mode-<name> for dice; resolves once the session was told its list changed. */
async function register(client: Client, name: string): Promise<void> {
  const changed = new Promise<void>((resolve) =>
    client.setNotificationHandler('notifications/tools/list_changed', () => resolve()),
  )
  const r = await client.callTool({name: 'code-mode', arguments: {servers: ['dice'], name}})
  assert.equal(r.isError ?? false, false, textOf(r))
  assert.match(textOf(r), /dice\.roll_dice\(\{/)
  await changed
}

/** The two-rolls-and-sum script works, and its console line comes back. */
async function sums(client: Caller, tool: string): Promise<void> {
  const r = await client.callTool({name: tool, arguments: {script: SUM}})
  assert.equal(r.isError ?? false, false, textOf(r))
  const value = JSON.parse((r.content as Array<{text: string}>)[0]!.text) as {
    a: number
    b: number
    sum: number
  }
  for (const roll of [value.a, value.b]) assert.ok(roll >= 1 && roll <= 6, JSON.stringify(value))
  assert.equal(value.sum, value.a + value.b)
  assert.match(textOf(r), new RegExp(`console:\\nrolled ${value.a} ${value.b}`))
  assert.deepEqual((r.structuredContent as {result: unknown}).result, value)
}

describe('code mode over stdio', () => {
  let gw: ConnectedGateway

  before(async () => {
    gw = await connectGateway(sandbox, ['--catalog', catalog, '--no-cache', '--log-calls'], {
      viaDocker: false,
    })
  })
  after(async () => {
    await gw?.close()
  })

  test('code-mode is offered; code-mode-<name> appears, for this session, once registered', async () => {
    const before = await toolNames(gw.client)
    assert.ok(before.includes('code-mode'), before.join(','))
    assert.ok(!before.includes('code-mode-sum'))
    await register(gw.client, 'sum')
    const tools = (await gw.client.listTools()).tools
    const tool = tools.find((t) => t.name === 'code-mode-sum')
    assert.ok(tool, tools.map((t) => t.name).join(','))
    assert.match(
      tool.description ?? '',
      /dice\.roll_dice\(\{sides\?: integer, count\?: integer\}\): Roll one or more dice/,
    )
  })

  test('a script rolls twice and sums', async () => {
    await sums(gw.client, 'code-mode-sum')
  })

  test("a script's tool call is refused by secret blocking exactly as the client's own call", async () => {
    const direct = await gw.client.callTool({name: 'roll_dice', arguments: {sides: 6, note: TOKEN}}).then(
      () => assert.fail('the direct call was not refused'),
      (e: Error) => e.message,
    )
    const r = await gw.client.callTool({
      name: 'code-mode-sum',
      arguments: {
        script: `try { await dice.roll_dice({sides: 6, note: ${TOKEN_EXPR}}); return 'passed' } catch (e) { return e.message }`,
      },
    })
    assert.equal(r.isError ?? false, false, textOf(r))
    const refusal = textOf(r)
    assert.match(
      refusal,
      /a secret is being passed to tool roll_dice: its arguments contain a credential: GitHub Personal Access Token/,
    )
    assert.equal(refusal, direct.replace(/^MCP error -32600: /, ''))
    assert.ok(!refusal.includes(TOKEN))
    // The gateway logged it as it logs a client's call: the same guard, the same path.
    await eventually(
      async () => gw.stderr(),
      (log) =>
        (log.match(/block-secrets refused the argument of roll_dice \(dice, sdk path\)/g) ?? []).length >= 2,
      10_000,
    )
  })

  test('a script that throws or escapes is a tool error, and the next call works', async () => {
    for (const [script, error] of [
      ['throw new Error("boom")', /code-mode-sum: the script threw Error: boom/],
      ["return this.constructor.constructor('return process')()", /process' is not defined/],
      ["return (await import('fs')).readFileSync('/etc/passwd', 'utf8')", /could not load module 'fs'/],
      ['return () => 1', /cannot be sent back as JSON: a function/],
    ] as const) {
      const r = await gw.client.callTool({name: 'code-mode-sum', arguments: {script}})
      assert.equal(r.isError, true, textOf(r))
      assert.match(textOf(r), error)
    }
    await sums(gw.client, 'code-mode-sum')
  })

  test('bad registrations get a clear tool error', async () => {
    const unknown = await gw.client.callTool({name: 'code-mode', arguments: {servers: ['nope'], name: 'x'}})
    assert.equal(unknown.isError, true)
    assert.match(
      textOf(unknown),
      /no tools of server\(s\) "nope" are available to this session. Servers with tools: dice/,
    )
    const badName = await gw.client.callTool({name: 'code-mode', arguments: {servers: ['dice'], name: 'a b'}})
    assert.equal(badName.isError, true)
    assert.match(textOf(badName), /"name" must be 1 to 40 letters/)
  })
})

describe('code mode is off with --servers and with --dynamic-tools=false', () => {
  for (const args of [['--servers', 'dice'], ['--dynamic-tools=false']]) {
    test(args.join(' '), async () => {
      const gw = await connectGateway(sandbox, ['--catalog', catalog, '--no-cache', ...args], {
        viaDocker: false,
      })
      try {
        const names = await toolNames(gw.client)
        assert.ok(names.includes('roll_dice'), names.join(','))
        assert.ok(!names.includes('code-mode'), names.join(','))
      } finally {
        await gw.close()
      }
    })
  }
})

describe('code mode over Streamable HTTP', () => {
  let http: HttpGatewayProcess
  const clients: Client[] = []

  before(async () => {
    http = await startHttpGateway(['--catalog', catalog, '--no-cache'], {
      sandbox,
      env: {MCP_GATEWAY_AUTH_TOKEN: HTTP_TOKEN},
      // /health waits for dice's first listing: a container start, slow on a busy engine.
      readyMs: 180_000,
    })
    gatewayPids.add(http.child.pid!)
  })
  after(async () => {
    for (const c of clients) await c.close().catch(() => {})
    assert.equal(await http?.stop(), 0)
  })

  async function connect(name: string): Promise<Client> {
    const client = new Client({name, version: '1.0.0'})
    await client.connect(
      new StreamableHTTPClientTransport(new URL(`${http.base}/mcp`), {
        requestInit: {headers: {Authorization: `Bearer ${HTTP_TOKEN}`}},
      }),
    )
    clients.push(client)
    return client
  }

  test('one session registers and runs code-mode-sum; another session never sees it', async () => {
    const a = await connect('session-a')
    const b = await connect('session-b')
    await register(a, 'sum')
    assert.ok((await toolNames(a)).includes('code-mode-sum'))
    const other = await toolNames(b)
    assert.ok(other.includes('code-mode') && !other.includes('code-mode-sum'), other.join(','))
    await assert.rejects(
      b.callTool({name: 'code-mode-sum', arguments: {script: 'return 1'}}),
      /code-mode-sum/,
    )
    await sums(a, 'code-mode-sum')
  })
})
