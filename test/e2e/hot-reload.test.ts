import assert from 'node:assert/strict'
import {readFile, writeFile} from 'node:fs/promises'
import path from 'node:path'
import {after, before, describe, test} from 'node:test'

import {Client, StreamableHTTPClientTransport} from '@modelcontextprotocol/client'

import {connectGateway, eventually, IMAGES, textOf, type ConnectedGateway} from '../helpers/gateway.js'
import {startHttpGateway, type HttpGatewayProcess} from '../helpers/http-gateway.js'
import {makeSandbox, run, runCli, type Sandbox} from '../helpers/sandbox.js'

/**
 * Issue #15, hot reload: `docker mcp server add X` while a client is connected used to change nothing until
 * the client restarted the gateway. With --watch (the default on the host) the gateway re-reads its
 * configuration when registry.yaml, config.yaml, tools.yaml or a catalog changes, and on SIGHUP: new servers
 * are listed, removed ones lose their tools and containers, and every session is told (list_changed).
 */

const TOKEN = 'hot-reload-token-0123456789'

/** alpha (long-lived, so that its containers outlive a call) and beta (per-call), tools prefixed by name. */
function reloadCatalog(): string {
  const server = (name: string, longLived: boolean) =>
    [
      `  ${name}:`,
      `    description: Fixture ${name}`,
      `    image: ${IMAGES.fixture}`,
      `    longLived: ${longLived}`,
      '    env:',
      '      - {name: FIXTURE_NAME, value: ' + name + '}',
      '      - {name: FIXTURE_TOOLS_PREFIX, value: ' + name + '_}',
      '      - {name: GREETING, value: "{{' + name + '.greeting}}"}',
      '    tools:',
      ...['echo', 'whoami', 'env_hash'].map((t) => `      - name: ${name}_${t}`),
      '    config:',
      `      - {name: ${name}, type: object, properties: {greeting: {type: string}}}`,
    ].join('\n')
  return ['name: reload-test', 'registry:', server('alpha', true), server('beta', false), ''].join('\n')
}

async function cli(sandbox: Sandbox, ...args: string[]): Promise<string> {
  const r = await runCli(sandbox, args)
  assert.equal(r.code, 0, `docker mcp ${args.join(' ')} failed:\n${r.stderr}`)
  return r.stdout
}

/** Our containers started by the gateway process `pid` (other helpers' containers on the engine do not count). */
async function containersOf(pid: number, server?: string): Promise<string[]> {
  const filters = ['--filter', 'label=docker-mcp=true', '--filter', `label=docker-mcp-gateway-pid=${pid}`]
  if (server) filters.push('--filter', `label=docker-mcp-name=${server}`)
  const r = await run('docker', ['ps', '-q', ...filters])
  return r.stdout.split('\n').filter(Boolean)
}

async function newSandbox(): Promise<Sandbox> {
  const sandbox = await makeSandbox()
  const file = path.join(sandbox.home, 'reload-test.yaml')
  await writeFile(file, reloadCatalog())
  await cli(sandbox, 'catalog', 'import', file)
  await cli(sandbox, 'server', 'add', 'alpha')
  return sandbox
}

interface Session {
  client: Client
  told: () => number
  tools: () => Promise<string[]>
  close: () => Promise<void>
}

function observe(client: Client, close: () => Promise<void>): Session {
  let told = 0
  client.setNotificationHandler('notifications/tools/list_changed', () => void told++)
  return {
    client,
    told: () => told,
    tools: async () => (await client.listTools()).tools.map((t) => t.name).sort(),
    close,
  }
}

/** Wait until every session was told once more than `before`, then until `predicate` holds on its tools. */
async function toldAll(sessions: Session[], before: number[], stderr: () => string): Promise<void> {
  for (const [i, s] of sessions.entries()) {
    await eventually(
      async () => s.told(),
      (n) => n > before[i]!,
      60_000,
    )
    assert.ok(s.told() > before[i]!, `session ${i} was not told (tools/list_changed):\n${stderr()}`)
  }
}

/** The scenario both transports run: add, allowlist, config change, remove, disable, corrupt file, SIGHUP. */
async function scenario(
  sandbox: Sandbox,
  sessions: Session[],
  gateways: Array<{pid: number; stderr: () => string}>,
): Promise<void> {
  const stderr = () => gateways.map((g) => g.stderr()).join('\n---\n')
  const counts = () => sessions.map((s) => s.told())
  for (const s of sessions) assert.ok((await s.tools()).includes('alpha_echo'))
  for (const s of sessions) assert.ok(!(await s.tools()).includes('beta_echo'))
  // alpha is long-lived: each session holds a container of it now.
  for (const s of sessions)
    assert.equal(textOf(await s.client.callTool({name: 'alpha_echo', arguments: {text: 'hi'}})), 'hi')

  // server add → list_changed, the new tool is listed and callable.
  let before = counts()
  await cli(sandbox, 'server', 'add', 'beta')
  await toldAll(sessions, before, stderr)
  for (const s of sessions) {
    assert.ok((await s.tools()).includes('beta_echo'), `beta_echo not listed:\n${stderr()}`)
    assert.equal(textOf(await s.client.callTool({name: 'beta_echo', arguments: {text: 'new'}})), 'new')
  }
  for (const g of gateways) {
    assert.match(g.stderr(), /> Configuration updated, reloading\.\.\./)
    assert.match(g.stderr(), /added: beta/)
  }

  // tools.yaml allowlist → beta_whoami goes, beta_echo stays.
  before = counts()
  await cli(sandbox, 'tools', 'disable', '--server', 'beta', 'beta_whoami')
  await toldAll(sessions, before, stderr)
  for (const s of sessions) {
    const tools = await s.tools()
    assert.ok(tools.includes('beta_echo') && !tools.includes('beta_whoami'), tools.join(','))
  }

  // config.yaml change of alpha → its running containers are replaced (a new container answers whoami).
  const whoamiBefore = await Promise.all(
    sessions.map(async (s) => textOf(await s.client.callTool({name: 'alpha_whoami', arguments: {}}))),
  )
  await cli(sandbox, 'config', 'set', 'alpha.greeting=hello')
  for (const [i, s] of sessions.entries()) {
    const now = await eventually(
      // A call in flight while the container is replaced fails (its server stopped): that is not an answer.
      () =>
        s.client.callTool({name: 'alpha_whoami', arguments: {}}).then(
          (r) => textOf(r),
          () => whoamiBefore[i]!,
        ),
      (text) => text !== whoamiBefore[i],
      60_000,
    )
    assert.notEqual(now, whoamiBefore[i], `alpha's container was not replaced:\n${stderr()}`)
    assert.notEqual(
      textOf(await s.client.callTool({name: 'alpha_env_hash', arguments: {name: 'GREETING'}})),
      'unset',
    )
  }
  for (const g of gateways)
    assert.match(g.stderr(), /restarted \(definition, config or secrets changed\): alpha/)

  // server remove → alpha's tools are gone and so are its containers (long-lived, one per session).
  for (const g of gateways) assert.ok((await containersOf(g.pid, 'alpha')).length > 0, 'no alpha container')
  before = counts()
  await cli(sandbox, 'server', 'remove', 'alpha')
  await toldAll(sessions, before, stderr)
  for (const s of sessions) assert.ok(!(await s.tools()).some((t) => t.startsWith('alpha_')))
  for (const g of gateways) {
    const left = await eventually(
      () => containersOf(g.pid, 'alpha'),
      (ids) => ids.length === 0,
      30_000,
    )
    assert.deepEqual(left, [], `alpha's containers are still running:\n${stderr()}`)
  }

  // A corrupt registry.yaml: the old state is kept and the error names the file and line.
  const registry = path.join(sandbox.dockerConfig, 'mcp', 'registry.yaml')
  const good = await readFile(registry, 'utf8')
  await writeFile(registry, `${good}\n  - [unclosed\n`)
  for (const g of gateways) {
    const said = await eventually(
      async () => g.stderr(),
      (text) => /Configuration not reloaded/.test(text),
      30_000,
    )
    assert.match(said, /Configuration not reloaded: .*registry\.yaml.*:\d+/)
  }
  for (const s of sessions) assert.ok((await s.tools()).includes('beta_echo'))
  await writeFile(registry, good)

  // server disable (the original's name) → beta's tools go.
  before = counts()
  await cli(sandbox, 'server', 'disable', 'beta')
  await toldAll(sessions, before, stderr)
  for (const s of sessions) assert.ok(!(await s.tools()).includes('beta_echo'))
}

/** A direct edit of registry.yaml, then SIGHUP: reloaded even if no file event arrived (--watch on). */
async function directEditAndHangup(sandbox: Sandbox, session: Session, pid: number, stderr: () => string) {
  const registry = path.join(sandbox.dockerConfig, 'mcp', 'registry.yaml')
  const before = session.told()
  const reloads = (stderr().match(/Configuration updated, reloading/g) ?? []).length
  await writeFile(registry, 'registry:\n  beta:\n    ref: ""\n')
  process.kill(pid, 'SIGHUP')
  await eventually(
    async () => session.told(),
    (n) => n > before,
    60_000,
  )
  assert.ok((await session.tools()).includes('beta_echo'), stderr())
  assert.match(stderr(), /because of: .*SIGHUP/)
  assert.ok((stderr().match(/Configuration updated, reloading/g) ?? []).length > reloads)
}

describe('hot reload over stdio (two clients, two gateways on one DOCKER_MCP home)', () => {
  let sandbox: Sandbox
  const gateways: ConnectedGateway[] = []
  before(async () => {
    sandbox = await newSandbox()
    for (let i = 0; i < 2; i++)
      gateways.push(await connectGateway(sandbox, ['--no-cache'], {viaDocker: false, name: `stdio-${i}`}))
  })
  after(async () => {
    await Promise.all(gateways.map((g) => g.close()))
    await sandbox.cleanup()
  })

  test('server add/remove/disable, allowlists, config, a corrupt file and SIGHUP reach both sessions', async () => {
    const sessions = gateways.map((g) => observe(g.client, g.close))
    const procs = gateways.map((g) => ({pid: g.transport.pid!, stderr: g.stderr}))
    await scenario(sandbox, sessions, procs)
    await directEditAndHangup(sandbox, sessions[0]!, procs[0]!.pid, procs[0]!.stderr)
  })
})

describe('hot reload over Streamable HTTP (two 2025 sessions and a 2026-07-28 listen stream on one gateway)', () => {
  let sandbox: Sandbox
  let gateway: HttpGatewayProcess
  const sessions: Session[] = []
  before(async () => {
    sandbox = await newSandbox()
    gateway = await startHttpGateway(['--no-cache'], {sandbox, env: {MCP_GATEWAY_AUTH_TOKEN: TOKEN}})
    for (let i = 0; i < 2; i++) {
      const client = new Client({name: `http-${i}`, version: '1.0.0'})
      const transport = new StreamableHTTPClientTransport(new URL(`${gateway.base}/mcp`), {
        requestInit: {headers: {Authorization: `Bearer ${TOKEN}`}},
      })
      await client.connect(transport)
      sessions.push(
        observe(client, async () => {
          await transport.terminateSession().catch(() => {})
          await client.close()
        }),
      )
    }
    // A 2026-07-28 client has no session: it hears of list changes on its subscriptions/listen stream.
    const modern = new Client({name: 'http-2026', version: '1.0.0'}, {
      versionNegotiation: {mode: {pin: '2026-07-28'}},
    } as never)
    await modern.connect(
      new StreamableHTTPClientTransport(new URL(`${gateway.base}/mcp`), {
        requestInit: {headers: {Authorization: `Bearer ${TOKEN}`}},
      }),
    )
    const session = observe(modern, async () => {
      await listening.close().catch(() => {})
      await modern.close()
    })
    const listening = await modern.listen({toolsListChanged: true})
    sessions.push(session)
  })
  after(async () => {
    for (const s of sessions) await s.close()
    await gateway.stop()
    await sandbox.cleanup()
  })

  test('server add/remove/disable, allowlists, config, a corrupt file and SIGHUP reach both sessions', async () => {
    const proc = {pid: gateway.child.pid!, stderr: gateway.stderr}
    await scenario(sandbox, sessions, [proc])
    await directEditAndHangup(sandbox, sessions[0]!, proc.pid, proc.stderr)
  })
})

describe('--no-watch', () => {
  test('a change to registry.yaml changes nothing', async () => {
    const sandbox = await newSandbox()
    const gw = await connectGateway(sandbox, ['--no-cache', '--no-watch'], {viaDocker: false})
    try {
      const session = observe(gw.client, gw.close)
      assert.ok((await session.tools()).includes('alpha_echo'))
      await cli(sandbox, 'server', 'add', 'beta')
      // What a watching gateway would have done by now (the reload takes well under a second): nothing.
      await new Promise((r) => setTimeout(r, 2000))
      assert.equal(session.told(), 0)
      assert.ok(!(await session.tools()).includes('beta_echo'))
      assert.doesNotMatch(gw.stderr(), /Configuration updated/)
    } finally {
      await gw.close()
      await sandbox.cleanup()
    }
  })
})
