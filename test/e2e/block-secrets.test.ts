import assert from 'node:assert/strict'
import {hostname} from 'node:os'
import {after, before, describe, test} from 'node:test'

import {
  connectGateway,
  eventually,
  IMAGES,
  textOf,
  writeTestCatalog,
  type ConnectedGateway,
} from '../helpers/gateway.js'
import {makeSandbox, run, runCli, type Sandbox} from '../helpers/sandbox.js'

/**
 * Issue #16, `--block-secrets` (on by default) through the real gateway, real containers and a real MCP
 * client, on both call paths: the raw hot path (a 2025-era client over stdio, a running long-lived server,
 * no progress token: `sticky`) and the SDK path (`fixture`, a per-call server, called with a progress
 * token: without one, a call that finds a spare container ready takes the raw path too, and whether one
 * is ready depends on the machine's speed; CI failed on that). Results carrying a
 * credential come from the fixture's `elicit` tool, which returns what the client answered: the
 * credential is then in the result without ever being in the call's arguments.
 */

/** Assembled at run time: this file must not look like a leak to the scanners that guard the repository. */
const TOKEN = `ghp_${'aB3dE5gH7jK9'.repeat(3)}`
const VALUE = 'st0red-s3cret-VALUE-e2e-41c9'
let sandbox: Sandbox
let catalog: string
let gw: ConnectedGateway
/** What the client answers the next elicitation with. */
let answer = 'nothing'

before(async () => {
  sandbox = await makeSandbox({DOCKER_MCP_SECRET_STORE: 'file'})
  catalog = await writeTestCatalog(sandbox)
  // The project's own secret store: `fixture` declares fixture.secret, so the gateway resolves its value.
  const set = await runCli(sandbox, ['secret', 'set', `fixture.secret=${VALUE}`])
  assert.equal(set.code, 0, set.stderr)
  gw = await connect([])
  // Start the long-lived server: its calls take the raw path from here on.
  assert.equal(textOf(await gw.client.callTool({name: 'sticky__echo', arguments: {text: 'start'}})), 'start')
})

after(async () => {
  await gw?.close()
  const left = await eventually(
    () => ownContainers(),
    (c) => c.length === 0,
    15_000,
  )
  assert.deepEqual(left, [], 'containers left behind')
  await sandbox.cleanup()
})

/**
 * Our gateways' containers: of this run's fixture image, started on this host (the gateway labels each
 * container with its host name, and every test lane has its own: other lanes' tests share the engine).
 */
async function ownContainers(): Promise<string[]> {
  const r = await run('docker', [
    'ps',
    '-a',
    '--filter',
    'label=docker-mcp=true',
    '--filter',
    `label=docker-mcp-gateway-host=${hostname()}`,
    '--filter',
    `ancestor=${IMAGES.fixture}`,
    '--format',
    '{{.ID}}',
  ])
  return r.stdout.split('\n').filter(Boolean)
}

async function connect(extra: string[]): Promise<ConnectedGateway> {
  const g = await connectGateway(
    sandbox,
    ['--catalog', catalog, '--servers', 'fixture,sticky', '--no-cache', '--verbose', ...extra],
    {viaDocker: false, capabilities: {elicitation: {form: {}}}},
  )
  g.client.setRequestHandler('elicitation/create', async () => ({action: 'accept', content: {answer}}))
  return g
}

/** A call's options: with `onprogress`, the client sends a progress token, which sends the call down the SDK path. */
type CallOptions = {onprogress?: () => void}

/** The call's JSON-RPC error (it must fail), checked for what a refusal says and never says. */
async function refused(
  g: ConnectedGateway,
  name: string,
  args: Record<string, unknown>,
  secret: string,
  options: CallOptions = {},
) {
  const err = await g.client.callTool({name, arguments: args}, options).then(
    (r) => assert.fail(`not refused: ${JSON.stringify(r).slice(0, 200)}`),
    (e: Error & {code?: number}) => e,
  )
  assert.equal(err.code, -32600, err.message)
  assert.ok(!err.message.includes(secret), 'the value is never in the error')
  assert.ok(!err.message.includes(secret.slice(4, 14)), 'nor a piece of it')
  assert.ok(!g.stderr().includes(secret.slice(4, 14)), 'nor in the gateway log')
  return err.message
}

/** The gateway's log says `line`: it reaches our pipe on its own schedule, maybe after the call's answer. */
async function loggedSoon(line: RegExp): Promise<void> {
  assert.match(
    await eventually(
      async () => gw.stderr(),
      (log) => line.test(log),
      10_000,
    ),
    line,
  )
}

/** The call's text (it must pass). */
async function passes(
  g: ConnectedGateway,
  name: string,
  args: Record<string, unknown>,
  options: CallOptions = {},
): Promise<string> {
  return textOf(await g.client.callTool({name, arguments: args}, options))
}

const paths: ReadonlyArray<{path: 'raw' | 'sdk'; prefix: string; server: string; options: CallOptions}> = [
  {path: 'raw', prefix: 'sticky__', server: 'sticky', options: {}},
  {path: 'sdk', prefix: '', server: 'fixture', options: {onprogress: () => {}}},
]

for (const {path, prefix, server, options} of paths) {
  describe(`--block-secrets on the ${path} path (${server})`, () => {
    test('an argument with a token is refused with a JSON-RPC error, and never reaches the server', async () => {
      const bump = `${prefix}bump`
      const before = Number(await passes(gw, bump, {}, options))
      const message = await refused(gw, bump, {note: `use ${TOKEN}`}, TOKEN, options)
      assert.match(
        message,
        new RegExp(
          `^a secret is being passed to tool ${bump}: its arguments contain a credential: GitHub Personal Access Token \\(rule github-pat\\)`,
        ),
      )
      assert.match(message, /secret-allowlist\.yaml, or run the gateway with --block-secrets=false$/)
      // A per-call server is a new container each time: its counter proves nothing. The long-lived one's does.
      if (path === 'raw')
        assert.equal(Number(await passes(gw, bump, {}, options)), before + 1, 'the refused call ran')
      await loggedSoon(
        new RegExp(
          `block-secrets refused the argument of ${bump} \\(${server}, ${path} path\\): rule github-pat`,
        ),
      )
    })

    test("an argument with a stored secret's value is refused, naming the secret", async () => {
      const message = await refused(gw, `${prefix}echo`, {text: `the password is ${VALUE}.`}, VALUE, options)
      assert.match(
        message,
        /its arguments contain the value of the stored secret "fixture\.secret" \(rule stored-secret\)/,
      )
    })

    test('a result with a token is refused', async () => {
      answer = `here you go: ${TOKEN}`
      const message = await refused(gw, `${prefix}elicit`, {message: 'your token?'}, TOKEN, options)
      assert.match(
        message,
        new RegExp(
          `^a secret is being returned by the ${prefix}elicit tool: its result contains .*rule github-pat`,
        ),
      )
      await loggedSoon(
        new RegExp(`block-secrets refused the result of ${prefix}elicit \\(${server}, ${path} path\\)`),
      )
    })

    test("a result with a stored secret's value is refused", async () => {
      answer = VALUE
      const message = await refused(gw, `${prefix}elicit`, {message: 'the password?'}, VALUE, options)
      assert.match(message, /its result contains the value of the stored secret "fixture\.secret"/)
    })

    test('a 1 MiB answer with a token at its end is refused; without it, it passes', async () => {
      answer = `${'x'.repeat(1024 * 1024)} ${TOKEN}`
      await refused(gw, `${prefix}elicit`, {message: 'a lot'}, TOKEN, options)
      answer = 'x'.repeat(1024 * 1024)
      assert.ok((await passes(gw, `${prefix}elicit`, {message: 'a lot'}, options)).includes(answer))
    })

    test('ordinary calls pass', async () => {
      assert.equal(
        await passes(gw, `${prefix}echo`, {text: 'nothing secret here: key = value'}, options),
        'nothing secret here: key = value',
      )
      const big = 'y'.repeat(1024 * 1024)
      assert.equal(await passes(gw, `${prefix}echo`, {text: big}, options), big)
    })
  })
}

describe('--block-secrets=false', () => {
  let off: ConnectedGateway
  before(async () => {
    off = await connect(['--block-secrets=false'])
    assert.equal(await passes(off, 'sticky__echo', {text: 'start'}), 'start')
  })
  after(async () => {
    await off?.close()
  })

  for (const {path, prefix, options} of paths) {
    test(`tokens and stored values pass, both ways (${path} path)`, async () => {
      assert.equal(await passes(off, `${prefix}echo`, {text: TOKEN}, options), TOKEN)
      assert.equal(await passes(off, `${prefix}echo`, {text: VALUE}, options), VALUE)
      answer = `${'x'.repeat(1024 * 1024)} ${TOKEN}`
      assert.ok((await passes(off, `${prefix}elicit`, {message: 'a lot'}, options)).includes(TOKEN))
      assert.doesNotMatch(off.stderr(), /block-secrets|Secret blocking/)
    })
  }
})
