import assert from 'node:assert/strict'
import {spawn} from 'node:child_process'
import {randomBytes} from 'node:crypto'
import {chmod, mkdir, readFile, writeFile} from 'node:fs/promises'
import path from 'node:path'
import {after, before, test} from 'node:test'
import {hostname} from 'node:os'

import {connectGateway, eventually, IMAGES, textOf, writeSecretsFile} from '../helpers/gateway.js'
import {makeSandbox, run, runCli, type Sandbox} from '../helpers/sandbox.js'

// Issue #12, host protection: a catalog entry must not own the host. Real gateway, real engine, real
// containers: the attack entry never starts; a legitimate bind is read-only from inside the container;
// every container carries the hardening; a SIGKILLed gateway does not leave its containers running.

const RUN = randomBytes(3).toString('hex')
/** Server names unique to this run: other tests may share the engine, we only look at ours. */
const NAMES = {
  evil: `hp-evil-${RUN}`,
  root: `hp-root-${RUN}`,
  legit: `hp-legit-${RUN}`,
  writable: `hp-writable-${RUN}`,
  sticky: `hp-sticky-${RUN}`,
  leaky: `hp-leaky-${RUN}`,
  cmdleak: `hp-cmdleak-${RUN}`,
}
const SECRET = `tok-${randomBytes(12).toString('hex')}`

let sandbox: Sandbox
let catalog: string
let data: string
let out: string

function catalogText(): string {
  return `version: 2
name: host-protection
registry:
  ${NAMES.evil}:
    image: ${IMAGES.fixture}
    longLived: true
    volumes:
      - /var/run/docker.sock:/var/run/docker.sock
      - /:/host
    user: "0"
  ${NAMES.root}:
    image: ${IMAGES.fixture}
    longLived: true
    user: "0"
  ${NAMES.legit}:
    image: ${IMAGES.fixture}
    longLived: true
    volumes:
      - ${data}:/data
  ${NAMES.writable}:
    image: ${IMAGES.fixture}
    longLived: true
    readOnly: true
    volumes:
      - ${out}:/out
  ${NAMES.sticky}:
    image: ${IMAGES.fixture}
    longLived: true
  ${NAMES.leaky}:
    image: ${IMAGES.fixture}
    longLived: true
    secrets:
      - name: leaky.token
        env: TOKEN
    env:
      - name: FIXTURE_NAME
        value: leaky-$TOKEN
      - name: AUTH
        value: Bearer \${TOKEN}
  ${NAMES.cmdleak}:
    image: ${IMAGES.fixture}
    secrets:
      - name: leaky.token
        env: TOKEN
    command: [--token=$TOKEN]
`
}

before(async () => {
  sandbox = await makeSandbox({DOCKER_MCP_SECRET_STORE: 'file'})
  data = path.join(sandbox.home, 'data')
  out = path.join(sandbox.home, 'out')
  await mkdir(data)
  await mkdir(out)
  // The server runs as uid 1000 without CAP_DAC_OVERRIDE: the directory it may write must let it.
  await chmod(out, 0o777)
  await writeFile(path.join(data, 'hello.txt'), 'hello from the host\n')
  catalog = path.join(sandbox.home, 'host-protection.yaml')
  await writeFile(catalog, catalogText())
})
after(async () => {
  // Whatever a failed test left behind, by our labels only.
  for (const name of Object.values(NAMES)) {
    const ids = await containersOf(name)
    if (ids.length) await run('docker', ['rm', '-f', ...ids])
  }
  await sandbox.cleanup()
})

async function containersOf(server: string): Promise<string[]> {
  const r = await run('docker', [
    'ps',
    '-aq',
    '--filter',
    `label=docker-mcp-name=${server}`,
    '--filter',
    `label=docker-mcp-gateway-host=${hostname()}`,
  ])
  return r.stdout.split('\n').filter(Boolean)
}

async function inspect(id: string): Promise<{
  Config: {User: string; StdinOnce: boolean}
  HostConfig: {
    CapDrop: string[] | null
    CapAdd: string[] | null
    PidsLimit: number | null
    SecurityOpt: string[] | null
    ReadonlyRootfs: boolean
    Tmpfs: Record<string, string> | null
    Binds: string[] | null
  }
  Mounts: Array<{Type: string; Source: string; Destination: string; RW: boolean}>
}> {
  const r = await run('docker', ['inspect', id])
  assert.equal(r.code, 0, r.stderr)
  return (JSON.parse(r.stdout) as never[])[0]!
}

/** Run node inside a container the gateway started: proves what the server itself can and cannot do. */
function execNode(id: string, script: string) {
  return run('docker', ['exec', id, '/usr/bin/node', '-e', script])
}

const gatewayArgs = (servers: string[], extra: string[] = []) => [
  'gateway',
  'run',
  '--catalog',
  catalog,
  '--servers',
  servers.join(','),
  '--no-cache',
  ...extra,
]

test('the docker-socket + "/" + root entry of the issue does not start, and says why', async () => {
  const dry = await runCli(sandbox, [...gatewayArgs([NAMES.evil, NAMES.root]), '--dry-run'], {
    timeoutMs: 120_000,
  })
  assert.equal(dry.code, 1, dry.stderr)
  // The error names the server, the volume or user, the rule, and how to allow it.
  assert.match(
    dry.stderr,
    new RegExp(`${NAMES.evil}: FAILED: server "${NAMES.evil}" cannot start: user "0" is refused`),
  )
  assert.match(
    dry.stderr,
    new RegExp(
      `${NAMES.root}: FAILED: .*user "0" is refused by the host protection rule "root-user".*--allow-root-containers`,
    ),
  )
  assert.deepEqual(await containersOf(NAMES.evil), [])

  // Root allowed by the user: the volumes are still refused, the socket first.
  const allowed = await runCli(
    sandbox,
    [...gatewayArgs([NAMES.evil, NAMES.root]), '--dry-run', '--allow-root-containers'],
    {timeoutMs: 120_000},
  )
  assert.equal(allowed.code, 1, allowed.stderr)
  assert.match(
    allowed.stderr,
    new RegExp(
      `${NAMES.evil}: FAILED: .*volume "/var/run/docker.sock:/var/run/docker.sock" is refused by the host protection rule "docker-socket"`,
    ),
  )
  assert.match(allowed.stderr, new RegExp(`${NAMES.root}: \\d+ tools`))
  assert.deepEqual(await containersOf(NAMES.evil), [])

  // Without the socket, "/" alone is refused too (a real gateway serving a real client).
  const onlyRoot = catalogText().replace('      - /var/run/docker.sock:/var/run/docker.sock\n', '')
  const file = path.join(sandbox.home, 'only-root.yaml')
  await writeFile(file, onlyRoot)
  const gw = await connectGateway(
    sandbox,
    [
      '--catalog',
      file,
      '--servers',
      `${NAMES.evil},${NAMES.sticky}`,
      '--no-cache',
      '--allow-root-containers',
    ],
    {viaDocker: false},
  )
  try {
    const tools = (await gw.client.listTools()).tools.map((t) => t.name)
    assert.ok(tools.includes('echo'), tools.join(','))
    assert.match(gw.stderr(), /volume "\/:\/host" is refused by the host protection rule "system-path"/)
    assert.deepEqual(await containersOf(NAMES.evil), [])
  } finally {
    await gw.close()
  }
})

test('a bind under a temp dir is read-only inside the container; every container is hardened', async () => {
  const gw = await connectGateway(sandbox, gatewayArgs([NAMES.legit]).slice(2), {viaDocker: false})
  try {
    assert.equal(textOf(await gw.client.callTool({name: 'echo', arguments: {text: 'hi'}})), 'hi')
    const [id] = await containersOf(NAMES.legit)
    assert.ok(id, 'the long-lived container is running')
    const info = await inspect(id)
    const mount = info.Mounts.find((m) => m.Destination === '/data')!
    assert.equal(mount.Type, 'bind')
    assert.equal(mount.RW, false, 'a host bind is forced read-only')
    assert.equal(mount.Source, data)
    assert.deepEqual(info.HostConfig.CapDrop, ['ALL'])
    assert.equal(info.HostConfig.CapAdd, null)
    assert.equal(info.HostConfig.PidsLimit, 512)
    assert.deepEqual(info.HostConfig.SecurityOpt, ['no-new-privileges'])
    assert.equal(info.Config.StdinOnce, true)
    assert.equal(info.HostConfig.ReadonlyRootfs, false)

    // From inside: the server reads the host file and cannot write it.
    const read = await execNode(
      id,
      `process.stdout.write(require('fs').readFileSync('/data/hello.txt','utf8'))`,
    )
    assert.equal(read.stdout, 'hello from the host\n', read.stderr)
    const write = await execNode(id, `require('fs').writeFileSync('/data/evil.txt','x')`)
    assert.notEqual(write.code, 0)
    assert.match(write.stderr, /EROFS|read-only file system/)
    // No capability left: even chown of its own file is refused (CAP_CHOWN dropped).
    const chown = await execNode(
      id,
      `require('fs').writeFileSync('/tmp/f','x'); require('fs').chownSync('/tmp/f', 0, 0)`,
    )
    assert.match(chown.stderr, /EPERM/)
  } finally {
    await gw.close()
  }
})

test('read-only root with a tmpfs /tmp, and a bind under the writable allowlist stays writable', async () => {
  // The allowlist is the user's, in the gateway's environment.
  const sb = {...sandbox, env: {...sandbox.env, MCP_GATEWAY_DOCKER_BIND_ALLOW_WRITABLE_PATHS: out}}
  const gw2 = await connectGateway(sb, gatewayArgs([NAMES.writable], ['--pids-limit', '100']).slice(2), {
    viaDocker: false,
  })
  try {
    await gw2.client.callTool({name: 'echo', arguments: {text: 'x'}})
    const [id] = await containersOf(NAMES.writable)
    assert.ok(id)
    const info = await inspect(id)
    assert.equal(info.HostConfig.ReadonlyRootfs, true)
    assert.deepEqual(Object.keys(info.HostConfig.Tmpfs ?? {}), ['/tmp'])
    assert.equal(info.HostConfig.PidsLimit, 100)
    assert.equal(info.Mounts.find((m) => m.Destination === '/out')!.RW, true)
    const writeRoot = await execNode(id, `require('fs').writeFileSync('/app/x','x')`)
    assert.match(writeRoot.stderr, /EROFS|read-only file system/)
    const writeTmp = await execNode(id, `require('fs').writeFileSync('/tmp/x','x')`)
    assert.equal(writeTmp.code, 0, writeTmp.stderr)
    const writeOut = await execNode(id, `require('fs').writeFileSync('/out/result.txt','written inside')`)
    assert.equal(writeOut.code, 0, writeOut.stderr)
    assert.equal(await readFile(path.join(out, 'result.txt'), 'utf8'), 'written inside')
  } finally {
    await gw2.close()
  }
})

test('the shipped dice server and the test images work with every capability dropped', async () => {
  const shipped = path.join(sandbox.home, 'images.yaml')
  await writeFile(
    shipped,
    `name: images
registry:
  hp-dice-${RUN}:
    image: ${IMAGES.dice}
  hp-fixture-${RUN}:
    image: ${IMAGES.fixture}
    prefix: fx
  hp-everything-${RUN}:
    image: ${IMAGES.everything}
    command: [stdio]
    prefix: ev
`,
  )
  const gw = await connectGateway(
    sandbox,
    [
      '--catalog',
      shipped,
      '--servers',
      `hp-dice-${RUN},hp-fixture-${RUN},hp-everything-${RUN}`,
      '--no-cache',
    ],
    {viaDocker: false},
  )
  try {
    const roll = textOf(await gw.client.callTool({name: 'roll_dice', arguments: {sides: 6, count: 2}}))
    assert.ok(roll.length > 0, roll)
    assert.equal(textOf(await gw.client.callTool({name: 'fx__echo', arguments: {text: 'ok'}})), 'ok')
    const tools = (await gw.client.listTools()).tools.map((t) => t.name)
    assert.ok(
      tools.some((t) => t.startsWith('ev__')),
      tools.join(','),
    )
    assert.doesNotMatch(gw.stderr(), /Can't start/)
  } finally {
    await gw.close()
  }
})

test('a gateway killed with SIGKILL does not leave its containers running: they end by themselves', async () => {
  const gw = await connectGateway(sandbox, gatewayArgs([NAMES.sticky]).slice(2), {viaDocker: false})
  await gw.client.callTool({name: 'echo', arguments: {text: 'start'}})
  const [id] = await containersOf(NAMES.sticky)
  assert.ok(id, 'the long-lived container is running')
  // The engine's events tell a container that ended by itself from one removed by force (another
  // gateway's start-up sweep of orphans, on this shared engine, would hide the bug): a forced removal
  // sends "kill" first.
  const events = spawn('docker', ['events', '--filter', `container=${id}`, '--format', '{{json .}}'])
  let log = ''
  events.stdout.setEncoding('utf8').on('data', (d: string) => (log += d))
  await new Promise((r) => setTimeout(r, 500))
  process.kill(gw.transport.pid!, 'SIGKILL')
  try {
    // Nothing removes it but the container itself ending: its stdin closes with the attach (StdinOnce),
    // the server exits at end of input and AutoRemove removes it. 60 s is a safety limit, not a timing.
    const left = await eventually(
      () => containersOf(NAMES.sticky),
      (ids) => ids.length === 0,
      60_000,
    )
    assert.deepEqual(left, [], 'the container outlived its SIGKILLed gateway')
    const actions = await eventually(
      async () =>
        log
          .split('\n')
          .filter(Boolean)
          .map((l) => (JSON.parse(l) as {Action: string}).Action),
      (a) => a.includes('destroy'),
      10_000,
    )
    assert.ok(actions.includes('die'), actions.join(','))
    assert.ok(
      !actions.some((a) => a.startsWith('kill')),
      `removed by force, not ended by itself: ${actions.join(',')}`,
    )
  } finally {
    events.kill()
    await gw.close()
  }
})

test('a secret derived into another value or printed by the server is masked in --verbose and --dry-run', async () => {
  const envFile = await writeSecretsFile(sandbox, {'leaky.token': SECRET})
  const dry = await runCli(
    sandbox,
    [...gatewayArgs([NAMES.leaky], ['--secrets', envFile]), '--dry-run', '--verbose'],
    {timeoutMs: 120_000},
  )
  assert.equal(dry.code, 0, dry.stderr)
  // The spec names the variables without values...
  assert.match(dry.stderr, /-e TOKEN -e FIXTURE_NAME -e AUTH /)
  // ...and the server's own stderr (it prints its FIXTURE_NAME, derived from the secret) is masked.
  assert.match(dry.stderr, /leaky-tok-\*\*\*\*: fixture MCP server ready/)
  for (const piece of [SECRET, SECRET.slice(4, 16)]) {
    assert.ok(!dry.stderr.includes(piece), `secret in stderr:\n${dry.stderr}`)
    assert.ok(!dry.stdout.includes(piece), 'secret in stdout')
  }

  // A secret expanded into the command line (host ps would show it): the gateway refuses to start it,
  // even from a catalog file given with --catalog (imports refuse it earlier).
  const cmd = await runCli(
    sandbox,
    [...gatewayArgs([NAMES.cmdleak], ['--secrets', envFile]), '--dry-run', '--verbose'],
    {timeoutMs: 120_000},
  )
  assert.equal(cmd.code, 1, cmd.stderr)
  assert.match(
    cmd.stderr,
    new RegExp(`${NAMES.cmdleak}: FAILED: .*command\\[0\\] expands the secret "leaky.token" \\(\\$TOKEN\\)`),
  )
  assert.ok(!cmd.stderr.includes(SECRET))
  assert.deepEqual(await containersOf(NAMES.cmdleak), [])
})
