import assert from 'node:assert/strict'
import {readFile, writeFile} from 'node:fs/promises'
import path from 'node:path'
import {after, before, test} from 'node:test'

import {makeSandbox, run, RUN_JS, runCli, type Sandbox} from '../helpers/sandbox.js'

// Issue #12: `server add` of an entry that asks for host mounts, network, a root user or another server's
// secrets used to enable it silently. It now prints what the server gets; the risky parts need a yes
// (asked on a terminal, `--yes` in scripts, refused otherwise). Real CLI subprocesses.

let sandbox: Sandbox
const cli = (args: string[], input?: string) =>
  runCli(sandbox, args, {env: {OCLIF_COLUMNS: '1000'}, cwd: sandbox.home, ...(input ? {input} : {})})
const registry = () =>
  readFile(path.join(sandbox.dockerConfig, 'mcp', 'registry.yaml'), 'utf8').catch(() => '')

const CATALOG = `name: grants
registry:
  hostmount:
    image: x:1
    volumes: [/srv/hp-data:/data]
  rooty:
    image: x:1
    user: "0"
  netonly:
    image: x:1
    allowHosts: [api.example.com:443]
  thief:
    image: x:1
    secrets:
      - name: github.personal_access_token
        env: GH
  capper:
    image: x:1
    capAdd: [NET_BIND_SERVICE]
  socket:
    image: x:1
    volumes: [/var/run/docker.sock:/var/run/docker.sock]
  plain:
    image: x:1
`

before(async () => {
  sandbox = await makeSandbox({DOCKER_MCP_SECRET_STORE: 'file'})
  await writeFile(path.join(sandbox.home, 'grants.yaml'), CATALOG)
  const r = await cli(['catalog', 'import', path.join(sandbox.home, 'grants.yaml')])
  assert.equal(r.code, 0, r.stderr)
})
after(() => sandbox.cleanup())

test('catalog import refuses an entry that expands a secret into its command line', async () => {
  const file = path.join(sandbox.home, 'leaky.yaml')
  await writeFile(
    file,
    `name: leaky
registry:
  leaky:
    image: x:1
    secrets:
      - name: leaky.key
        env: API_KEY
    command: [--api-key, $API_KEY]
`,
  )
  const r = await cli(['catalog', 'import', file])
  assert.equal(r.code, 1)
  assert.match(
    r.stderr,
    /leaky\.yaml:8:\d+: registry\.leaky\.command\[1\]: server "leaky": command\[1\] expands the secret "leaky\.key"/,
  )
  assert.doesNotMatch((await cli(['catalog', 'ls'])).stdout, /leaky/)
})

test('a host mount needs --yes in a script: nothing is written without it', async () => {
  const refused = await cli(['server', 'add', 'hostmount'])
  assert.equal(refused.code, 1)
  assert.match(refused.stderr, /hostmount will get:\n {2}! host mount \/srv\/hp-data:\/data:ro \(read-only\)/)
  assert.match(
    refused.stderr,
    /"hostmount" asks for access to the host or another server's secrets: nothing enabled/,
  )
  assert.match(refused.stderr, /--yes/)
  assert.doesNotMatch(await registry(), /hostmount/)

  const accepted = await cli(['server', 'add', 'hostmount', '--yes'])
  assert.equal(accepted.code, 0, accepted.stderr)
  assert.equal(accepted.stdout, 'enabled hostmount\n')
  assert.match(accepted.stderr, /host mount \/srv\/hp-data:\/data:ro/)
  assert.match(await registry(), /hostmount/)
})

test('network alone is printed, not asked; a plain server gets the default network, said so', async () => {
  const net = await cli(['server', 'add', 'netonly'])
  assert.equal(net.code, 0, net.stderr)
  assert.match(net.stderr, /netonly will get:\n {2}- network access \(asks for api\.example\.com:443\)/)
  // Issue #15: an entry that declares nothing gets a network (the original's default); the preview says why.
  const plain = await cli(['server', 'add', 'plain'])
  assert.equal(plain.code, 0, plain.stderr)
  assert.match(plain.stderr, /plain will get:\n {2}- network access \(the default: its entry declares none;/)
})

test('root, added capabilities and the Docker socket are shown; --json carries the grants', async () => {
  const root = await cli(['server', 'add', 'rooty'])
  assert.equal(root.code, 1)
  assert.match(
    root.stderr,
    /! runs as root \(user "0"\): refused unless the gateway runs with --allow-root-containers/,
  )
  // With --json the preview is the JSON's `grants` (stdout is JSON only); without, it is on stderr.
  const socketText = await cli(['server', 'add', 'socket'])
  assert.match(
    socketText.stderr,
    /! host mount \/var\/run\/docker\.sock:\/var\/run\/docker\.sock: REFUSED \(rule docker-socket/,
  )
  assert.equal(socketText.code, 1)
  const json = await cli(['server', 'add', 'rooty', 'socket', '--yes', '--json'])
  assert.equal(json.code, 0, json.stderr)
  const out = JSON.parse(json.stdout) as {enabled: string[]; grants: Array<Record<string, unknown>>}
  assert.deepEqual(out.enabled, ['rooty', 'socket'])
  assert.equal(out.grants.find((g) => g.server === 'rooty')!.root, true)
  const socket = out.grants.find((g) => g.server === 'socket')!.mounts as Array<{
    access: string
    rule: string
  }>
  assert.deepEqual(
    socket.map((m) => [m.access, m.rule]),
    [['refused', 'docker-socket']],
  )

  const inspect = await cli(['server', 'inspect', 'socket'])
  assert.equal(inspect.code, 0, inspect.stderr)
  assert.match(
    inspect.stdout,
    /Host access \(what the gateway gives it\):\n {2}! host mount .*REFUSED \(rule docker-socket/,
  )
  const doctor = await cli(['doctor', '--json'])
  const checks = JSON.parse(doctor.stdout) as Array<{area: string; status: string; message: string}>
  assert.ok(
    checks.some(
      (c) => c.area === 'host' && c.status === 'fail' && /"socket" mounts .*docker-socket/.test(c.message),
    ),
    doctor.stdout,
  )
  assert.ok(
    checks.some((c) => c.area === 'host' && c.status === 'fail' && /"rooty" runs as root/.test(c.message)),
  )
  assert.ok(
    checks.some(
      (c) => c.area === 'host' && /"hostmount" mounts \/srv\/hp-data:\/data:ro \(read-only\)/.test(c.message),
    ),
  )
})

test('a secret already stored for another server is shown and needs a yes', async () => {
  // Not stored yet: nothing to hand over.
  const before = await cli(['server', 'add', 'thief'])
  assert.equal(before.code, 0, before.stderr)
  assert.equal((await cli(['server', 'rm', 'thief'])).code, 0)
  assert.equal((await cli(['secret', 'set', 'github.personal_access_token=ghp_stored_for_github'])).code, 0)
  const r = await cli(['server', 'add', 'thief'])
  assert.equal(r.code, 1)
  assert.match(r.stderr, /! secret github\.personal_access_token, already stored for "github"/)
  assert.doesNotMatch(r.stderr, /ghp_stored/)
  assert.doesNotMatch(await registry(), /thief/)
})

test('on a terminal, server add asks; only "y" enables', async () => {
  // `script` gives the CLI a real pseudo-terminal; what we pipe in is typed at it.
  const typed = (answer: string) =>
    run('script', ['-qec', `${process.execPath} ${RUN_JS} server add capper`, '/dev/null'], {
      env: {...sandbox.env, OCLIF_COLUMNS: '1000'},
      input: `${answer}\n`,
      cwd: sandbox.home,
    })
  const no = await typed('n')
  assert.match(no.stdout, /! capabilities added back: NET_BIND_SERVICE/)
  assert.match(no.stdout, /Enable "capper" with this access\? \[y\/N\]/)
  assert.match(no.stdout, /nothing enabled/)
  assert.doesNotMatch(await registry(), /capper/)
  const yes = await typed('y')
  assert.match(yes.stdout, /enabled capper/)
  assert.match(await registry(), /capper/)
})
