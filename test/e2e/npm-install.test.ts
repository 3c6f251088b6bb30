import assert from 'node:assert/strict'
import {existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync} from 'node:fs'
import path from 'node:path'
import {after, before, test} from 'node:test'

import {makeSandbox, ROOT, run, type RunResult, type Sandbox} from '../helpers/sandbox.js'

// Issue #15: installable from the npm package. `npm pack` → `npm i -g` into a temp prefix → `docker-mcp
// plugin install` puts a launcher into $DOCKER_CONFIG/cli-plugins, docker runs it as `docker mcp`, and
// `plugin uninstall` removes it, but never a plugin that is not ours (Docker Desktop's).
const pkg = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as {version: string}
let sandbox: Sandbox
let bin: string
/** What `npm pack` put into the package. */
let packed: string[]

const ok = (r: RunResult) =>
  assert.equal(r.code, 0, `exit ${r.code}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`)
const plugin = () => path.join(sandbox.dockerConfig, 'cli-plugins', 'docker-mcp')

before(async () => {
  // Wide enough that oclif does not wrap error messages.
  sandbox = await makeSandbox({OCLIF_COLUMNS: '1000'})
  const packDir = path.join(sandbox.home, 'pack')
  mkdirSync(packDir)
  const pack = await run('npm', ['pack', '--json', '--pack-destination', packDir], {timeoutMs: 300_000})
  ok(pack)
  packed = (JSON.parse(pack.stdout) as Array<{files: Array<{path: string}>}>)[0]!.files.map((f) => f.path)
  const [tarball] = readdirSync(packDir)
  const prefix = path.join(sandbox.home, 'prefix')
  const installed = await run(
    'npm',
    [
      'install',
      '-g',
      '--prefix',
      prefix,
      '--no-audit',
      '--no-fund',
      '--prefer-offline',
      path.join(packDir, tarball!),
    ],
    {timeoutMs: 600_000, cwd: sandbox.home},
  )
  ok(installed)
  bin = path.join(prefix, 'bin', 'docker-mcp')
})
after(async () => sandbox?.cleanup())

test('the npm package leaves the single executable and its build files out', async () => {
  assert.ok(packed.includes('bin/run.js'))
  assert.ok(
    !packed.some((f) => f === 'dist/docker-mcp' || f.startsWith('dist/single-file/')),
    packed.join('\n'),
  )
})

test('plugin install makes `docker mcp` run the npm install; plugin uninstall removes it', async () => {
  ok(await run(bin, ['plugin', 'install'], {env: sandbox.env}))
  assert.match(readFileSync(plugin(), 'utf8'), /written by `docker-mcp plugin install`/)
  const version = await run('docker', ['mcp', 'version'], {env: sandbox.env})
  ok(version)
  assert.equal(version.stdout.trim(), pkg.version)
  const help = await run('docker', ['mcp', 'server', 'ls', '--help'], {env: sandbox.env})
  ok(help)
  assert.match(help.stdout, /\$ docker mcp server ls/)
  const direct = await run(bin, ['server', 'ls', '--help'], {env: sandbox.env})
  assert.match(direct.stdout, /\$ docker mcp server ls/)
  ok(await run(bin, ['plugin', 'install'], {env: sandbox.env}))
  const removed = await run(bin, ['plugin', 'uninstall'], {env: sandbox.env})
  ok(removed)
  assert.equal(existsSync(plugin()), false)
})

test("plugin uninstall and install leave another vendor's docker-mcp in place", async () => {
  const other =
    '{"SchemaVersion":"0.1.0","Vendor":"Docker Inc.","Version":"v0.13.0","ShortDescription":"Docker MCP Plugin"}'
  writeFileSync(plugin(), `#!/bin/sh\nprintf '%s\\n' '${other}'\n`, {mode: 0o755})
  const removed = await run(bin, ['plugin', 'uninstall'], {env: sandbox.env})
  assert.equal(removed.code, 1)
  assert.match(removed.stderr, /not docker-mcp's/)
  const installed = await run(bin, ['plugin', 'install'], {env: sandbox.env})
  assert.equal(installed.code, 1)
  assert.match(installed.stderr, /--force/)
  assert.match(readFileSync(plugin(), 'utf8'), /Docker Inc\./)
  ok(await run(bin, ['plugin', 'install', '--force'], {env: sandbox.env}))
  assert.match(readFileSync(plugin(), 'utf8'), /written by `docker-mcp plugin install`/)
})
