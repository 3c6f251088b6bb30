import assert from 'node:assert/strict'
import {createHash, randomBytes} from 'node:crypto'
import {
  chmodSync,
  copyFileSync,
  mkdirSync,
  readFileSync,
  readdirSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs'
import path from 'node:path'
import {after, before, describe, test} from 'node:test'

import {Client} from '@modelcontextprotocol/client'
import {StdioClientTransport} from '@modelcontextprotocol/client/stdio'

import {IMAGES, textOf} from '../helpers/gateway.js'
import {makeSandbox, ROOT, run, type RunResult, type Sandbox} from '../helpers/sandbox.js'

// Issue #15: the plugin as one file, like Docker's own. `dist/docker-mcp` (built here, cached, by
// scripts/build-binary.mjs) is copied alone into a fresh DOCKER_CONFIG/cli-plugins and run with a bare
// environment: no node on PATH, no node_modules, no source tree. Every command group, the docker CLI's
// plugin handshake, the real keychain and a gateway tool call through `docker mcp` must work from it.
const EXE = path.join(ROOT, 'dist', process.platform === 'win32' ? 'docker-mcp.exe' : 'docker-mcp')
const pkg = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as {version: string}
const SERVICE = `docker-mcp-test-binary-${process.pid}-${randomBytes(4).toString('hex')}`
const SECRET = `binary-secret-${randomBytes(6).toString('hex')}`

let sandbox: Sandbox
let plugin: string
/** The only environment the binary gets: a PATH holding `docker` alone. */
let env: Record<string, string>

const ok = (r: RunResult) =>
  assert.equal(r.code, 0, `exit ${r.code}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`)
const mcp = (args: string[], input?: string) =>
  run(plugin, args, {env, cwd: sandbox.home, input, timeoutMs: 120_000})
const docker = (args: string[]) => run('docker', args, {env, cwd: sandbox.home, timeoutMs: 120_000})

before(async () => {
  // Built on demand; a no-op when nothing it is made from changed.
  const built = await run(process.execPath, [path.join(ROOT, 'scripts/build-binary.mjs')], {
    timeoutMs: 600_000,
  })
  assert.equal(built.code, 0, built.stderr)
  sandbox = await makeSandbox()
  const plugins = path.join(sandbox.dockerConfig, 'cli-plugins')
  mkdirSync(plugins, {recursive: true})
  plugin = path.join(plugins, path.basename(EXE))
  copyFileSync(EXE, plugin)
  chmodSync(plugin, 0o755)
  const bin = path.join(sandbox.home, 'bin')
  mkdirSync(bin)
  const which = await run('sh', ['-c', 'command -v docker'])
  symlinkSync(which.stdout.trim(), path.join(bin, 'docker'))
  env = {
    PATH: bin,
    HOME: sandbox.home,
    DOCKER_CONFIG: sandbox.dockerConfig,
    NO_COLOR: '1',
    OCLIF_COLUMNS: '200',
  }
  for (const k of ['DOCKER_HOST', 'DOCKER_CONTEXT', 'DBUS_SESSION_BUS_ADDRESS', 'XDG_RUNTIME_DIR'])
    if (process.env[k]) env[k] = process.env[k]!
  env.DOCKER_MCP_KEYCHAIN_SERVICE = SERVICE
})

after(async () => {
  if (env && process.env.DOCKER_MCP_TEST_KEYRING)
    await mcp(['secret', 'rm', 'fixture.secret']).catch(() => {})
  await sandbox?.cleanup()
})

test('the plugin folder holds one file, and it answers the docker CLI plugin handshake', async () => {
  assert.deepEqual(readdirSync(path.dirname(plugin)), [path.basename(plugin)])
  const r = await mcp(['docker-cli-plugin-metadata'])
  ok(r)
  const meta = JSON.parse(r.stdout) as Record<string, string>
  assert.equal(meta.SchemaVersion, '0.1.0')
  assert.equal(meta.Version, pkg.version)
  const help = await docker(['--help'])
  ok(help)
  assert.match(help.stdout, /mcp\*?\s+Docker MCP Plugin/)
})

test('every command group runs from the file alone', async () => {
  const version = await docker(['mcp', 'version'])
  ok(version)
  assert.equal(version.stdout.trim(), pkg.version)
  assert.equal(version.stderr, '', 'no warning from the single-executable runtime')
  const catalogs = await mcp(['catalog', 'ls'])
  ok(catalogs)
  assert.match(catalogs.stdout, /docker-mcp/)
  const shown = await mcp(['catalog', 'show', 'docker-mcp'])
  ok(shown)
  assert.match(shown.stdout, /dice/, 'the shipped catalog is inside the file')
  ok(await mcp(['server', 'ls']))
  ok(await mcp(['client', 'ls']))
  ok(await mcp(['config', 'read']))
  ok(await mcp(['tools', 'ls', '--help']))
  const unknown = await docker(['mcp', 'server', 'nope'])
  assert.equal(unknown.code, 1)
  assert.match(unknown.stderr, /unknown command "server nope" for "docker mcp"/)
  const badFlag = await docker(['mcp', 'version', '--no-such-flag'])
  assert.equal(badFlag.code, 125, badFlag.stderr)
  const complete = await mcp(['__complete', 'mcp', 'serv'])
  ok(complete)
  assert.match(complete.stdout, /^server\b/m)
})

test("help names the program 'docker mcp', as a docker plugin and run directly", async () => {
  for (const r of [
    await docker(['mcp', 'gateway', 'run', '--help']),
    await mcp(['gateway', 'run', '--help']),
  ]) {
    ok(r)
    assert.match(r.stdout, /\$ docker mcp gateway run/)
    assert.doesNotMatch(r.stdout, /docker-mcp gateway/)
  }
})

test('plugin install copies the executable into another DOCKER_CONFIG; plugin uninstall removes it', async () => {
  const other = path.join(sandbox.home, 'other-docker')
  const otherEnv = {...env, DOCKER_CONFIG: other}
  const installed = await run(plugin, ['plugin', 'install', '--json'], {env: otherEnv, cwd: sandbox.home})
  ok(installed)
  const copy = path.join(other, 'cli-plugins', path.basename(plugin))
  assert.deepEqual(JSON.parse(installed.stdout), {path: copy, kind: 'copy'})
  assert.ok(readFileSync(copy).equals(readFileSync(plugin)))
  const again = await run(copy, ['plugin', 'install', '--json'], {env: otherEnv, cwd: sandbox.home})
  ok(again)
  assert.equal((JSON.parse(again.stdout) as {kind: string}).kind, 'unchanged')
  const removed = await run(plugin, ['plugin', 'uninstall'], {env: otherEnv, cwd: sandbox.home})
  ok(removed)
  assert.deepEqual(readdirSync(path.join(other, 'cli-plugins')), [])
})

test('the extracted files are private to the user and per build', () => {
  const dir = path.join(sandbox.dockerConfig, 'mcp', 'cache', 'binary')
  const [build] = readdirSync(dir)
  assert.ok(build?.startsWith(`${pkg.version}-`), build)
  assert.equal(statSync(path.join(dir, build!)).mode & 0o777, 0o700)
})

describe('the OS keychain and a gateway tool call through docker mcp', {skip: keychainSkip()}, () => {
  test('secret set/ls reach the Secret Service; a tampered native module is replaced, not loaded', async () => {
    ok(await mcp(['secret', 'set', 'fixture.secret', '--store', 'keychain'], SECRET))
    const ls = await mcp(['secret', 'ls'])
    ok(ls)
    assert.match(ls.stdout, /fixture\.secret\s+keychain/)
    assert.doesNotMatch(ls.stdout + ls.stderr, new RegExp(SECRET))
    const dir = path.join(sandbox.dockerConfig, 'mcp', 'cache', 'binary')
    const native = path.join(dir, readdirSync(dir)[0]!, 'native', 'keyring.node')
    writeFileSync(native, 'not a shared object')
    const again = await mcp(['secret', 'ls'])
    ok(again)
    assert.match(again.stdout, /fixture\.secret\s+keychain/)
    assert.notEqual(readFileSync(native, 'utf8').slice(0, 19), 'not a shared object')
  })

  test('docker mcp gateway run serves a tool call with the keychain secret', async () => {
    const catalog = path.join(sandbox.home, 'binary.yaml')
    writeFileSync(
      catalog,
      `version: 2\nname: binary-test\ndisplayName: Binary test\nregistry:\n  fixture:\n    title: Fixture\n    description: test server\n    type: server\n    image: ${IMAGES.fixture}\n    env:\n      - name: FIXTURE_NAME\n        value: fixture\n    secrets:\n      - name: fixture.secret\n        env: FIXTURE_SECRET\n`,
    )
    const transport = new StdioClientTransport({
      command: 'docker',
      args: ['mcp', 'gateway', 'run', '--catalog', catalog, '--servers', 'fixture', '--no-cache'],
      env,
      cwd: sandbox.home,
      stderr: 'pipe',
    })
    let stderr = ''
    transport.stderr?.on('data', (d: Buffer) => (stderr += d.toString('utf8')))
    const client = new Client({name: 'single-binary-test', version: '1.0.0'})
    try {
      await client.connect(transport)
      const result = await client.callTool({name: 'env_hash', arguments: {name: 'FIXTURE_SECRET'}})
      assert.equal(textOf(result), createHash('sha256').update(SECRET).digest('hex'), stderr)
    } finally {
      await client.close().catch(() => {})
    }
  })
})

function keychainSkip(): string | false {
  if (!process.env.DOCKER_MCP_TEST_KEYRING)
    return 'DOCKER_MCP_TEST_KEYRING is not set: run through scripts/test.sh'
  if (process.platform !== 'linux') return 'keychain tests run on Linux only'
  return false
}

// Issue #17: code mode's QuickJS WebAssembly is an asset of the file (there is no node_modules to find it in).
test('code mode runs a script from the file alone', async () => {
  const catalog = path.join(sandbox.home, 'binary-dice.yaml')
  writeFileSync(
    catalog,
    `version: 2\nname: binary-dice\ndisplayName: Binary dice\nregistry:\n  dice:\n    title: Dice\n    description: dice\n    type: server\n    image: ${IMAGES.dice}\n    tools:\n      - name: roll_dice\n`,
  )
  // Enabled in a registry file of its own: --servers would turn the internal tools off.
  const registry = path.join(sandbox.home, 'binary-registry.yaml')
  writeFileSync(registry, 'registry:\n  dice:\n    ref: ""\n')
  const transport = new StdioClientTransport({
    command: 'docker',
    args: ['mcp', 'gateway', 'run', '--catalog', catalog, '--registry', registry, '--no-cache'],
    env,
    cwd: sandbox.home,
    stderr: 'pipe',
  })
  let stderr = ''
  transport.stderr?.on('data', (d: Buffer) => (stderr += d.toString('utf8')))
  const client = new Client({name: 'binary-code-mode', version: '1.0.0'})
  await client.connect(transport)
  try {
    const created = await client.callTool({name: 'code-mode', arguments: {servers: ['dice'], name: 'bin'}})
    assert.equal(created.isError ?? false, false, textOf(created))
    const r = await client.callTool({
      name: 'code-mode-bin',
      arguments: {
        script: 'const a = await dice.roll_dice({sides: 6}); return {total: a.total, plus: a.total + 100}',
      },
    })
    assert.equal(r.isError ?? false, false, `${textOf(r)}\n${stderr}`)
    const {result} = r.structuredContent as {result: {total: number; plus: number}}
    assert.equal(result.plus, result.total + 100)
    // ssh2's optional native add-ons (docker-modem) are left out of the file without node's warning about
    // require() in a single executable, which every gateway that reached the engine used to print.
    assert.doesNotMatch(stderr, /single-executable|only supports loading built-in modules/)
  } finally {
    await client.close()
  }
})
