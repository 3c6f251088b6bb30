import assert from 'node:assert/strict'
import {readFileSync, writeFileSync} from 'node:fs'
import path from 'node:path'
import {after, before, test} from 'node:test'

import {installPlugin, makeSandbox, ROOT, run, runCli, type Sandbox} from '../helpers/sandbox.js'

const pkg = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as {version: string}
let sandbox: Sandbox
before(async () => {
  sandbox = await makeSandbox()
})
after(async () => sandbox.cleanup())

test('docker-cli-plugin-metadata prints the handshake docker expects and exits 0', async () => {
  const r = await runCli(sandbox, ['docker-cli-plugin-metadata'])
  assert.equal(r.code, 0, r.stderr)
  const meta = JSON.parse(r.stdout) as Record<string, unknown>
  assert.equal(meta.SchemaVersion, '0.1.0')
  assert.ok(typeof meta.Vendor === 'string' && meta.Vendor.length > 0)
  assert.equal(meta.Version, pkg.version)
  assert.equal(meta.ShortDescription, 'Docker MCP Plugin')
  assert.equal(r.stderr, '')
})

test('the installed launcher answers the metadata probe itself, the same answer, without starting node', async () => {
  await installPlugin(sandbox)
  const launcher = path.join(sandbox.env.DOCKER_CONFIG!, 'cli-plugins', 'docker-mcp')
  const fromNode = await runCli(sandbox, ['docker-cli-plugin-metadata'])
  // A copy whose node path leads nowhere: only the shell's own answer can succeed.
  const noNode = path.join(sandbox.home, 'docker-mcp-no-node')
  writeFileSync(noNode, readFileSync(launcher, 'utf8').replaceAll(process.execPath, '/nonexistent/node'), {
    mode: 0o755,
  })
  for (const bin of [launcher, noNode]) {
    const r = await run(bin, ['docker-cli-plugin-metadata'], {env: sandbox.env})
    assert.equal(r.code, 0, r.stderr)
    assert.equal(r.stdout, fromNode.stdout)
  }
  // Anything else goes to node: the copy without node fails, the real launcher runs the command.
  assert.notEqual((await run(noNode, ['version'], {env: sandbox.env})).code, 0)
  const version = await run(launcher, ['version'], {env: sandbox.env})
  assert.equal(version.stdout.trim(), pkg.version)
})

test('version, with and without the leading mcp, and --json', async () => {
  for (const args of [['version'], ['mcp', 'version']]) {
    const r = await runCli(sandbox, args)
    assert.equal(r.code, 0, r.stderr)
    assert.equal(r.stdout.trim(), pkg.version)
  }
  const j = await runCli(sandbox, ['version', '--json'])
  const info = JSON.parse(j.stdout) as {version: string; node: string}
  assert.equal(info.version, pkg.version)
  assert.equal(info.node, process.version)
})

test('an unknown command exits 1 with a suggestion and no stack trace', async () => {
  const r = await runCli(sandbox, ['mcp', 'versoin'])
  assert.equal(r.code, 1)
  assert.match(r.stderr, /unknown command "versoin"/)
  assert.match(r.stderr, /docker mcp version/)
  assert.doesNotMatch(r.stderr, /\bat .*\.js:\d+/)
})

test('a bad flag exits 125 like docker', async () => {
  const r = await runCli(sandbox, ['version', '--no-such-flag'])
  assert.equal(r.code, 125, r.stderr)
  assert.match(r.stderr, /no-such-flag/)
  assert.doesNotMatch(r.stderr, /\bat .*\.js:\d+/)
})

test('docker global flags before mcp are consumed and honoured', async () => {
  const r = await runCli(sandbox, ['--context', 'mcp', '-D', 'mcp', 'version'])
  assert.equal(r.code, 0, r.stderr)
  assert.equal(r.stdout.trim(), pkg.version)
})

test('help routes: --help and `help mcp`', async () => {
  const a = await runCli(sandbox, ['mcp', '--help'])
  assert.equal(a.code, 0, a.stderr)
  assert.match(a.stdout, /version/)
  const b = await runCli(sandbox, ['help', 'mcp', 'version'])
  assert.equal(b.code, 0, b.stderr)
  assert.match(b.stdout, /show the version/)
})
