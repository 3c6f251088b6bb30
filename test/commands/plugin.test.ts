import assert from 'node:assert/strict'
import {readFileSync} from 'node:fs'
import path from 'node:path'
import {after, before, test} from 'node:test'

import {makeSandbox, ROOT, runCli, type Sandbox} from '../helpers/sandbox.js'

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
