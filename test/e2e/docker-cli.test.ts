import assert from 'node:assert/strict'
import {readFileSync} from 'node:fs'
import path from 'node:path'
import {after, before, test} from 'node:test'

import {installPlugin, makeSandbox, ROOT, run, type Sandbox} from '../helpers/sandbox.js'

// Through the real docker CLI: docker discovers the plugin in $DOCKER_CONFIG/cli-plugins, runs the
// metadata handshake, then execs it with its own argv.
const pkg = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as {version: string}
let sandbox: Sandbox
before(async () => {
  sandbox = await makeSandbox()
  await installPlugin(sandbox)
})
after(async () => sandbox.cleanup())

const docker = (args: string[]) => run('docker', args, {env: sandbox.env})

test('docker mcp version runs the plugin', async () => {
  const r = await docker(['mcp', 'version'])
  assert.equal(r.code, 0, r.stderr)
  assert.equal(r.stdout.trim(), pkg.version)
})

test('docker --help lists the plugin with its short description', async () => {
  const r = await docker(['--help'])
  assert.equal(r.code, 0, r.stderr)
  assert.match(r.stdout, /mcp\*?\s+Docker MCP Plugin/)
})

test('docker mcp --help and docker help mcp both show our topics', async () => {
  const a = await docker(['mcp', '--help'])
  assert.equal(a.code, 0, a.stderr)
  assert.match(a.stdout, /version/)
  const b = await docker(['help', 'mcp'])
  assert.equal(b.code, 0, b.stderr)
  assert.match(b.stdout, /version/)
})

test("the plugin's exit codes pass through docker: 1 for an unknown command, 125 for a bad flag", async () => {
  const a = await docker(['mcp', 'no-such-command'])
  assert.equal(a.code, 1, a.stderr)
  const b = await docker(['mcp', 'version', '--no-such-flag'])
  assert.equal(b.code, 125, b.stderr)
})

test('docker global flags before mcp reach the plugin without breaking it', async () => {
  const r = await docker(['-D', '--log-level', 'error', 'mcp', 'version'])
  assert.equal(r.code, 0, r.stderr)
  assert.equal(r.stdout.trim(), pkg.version)
})
