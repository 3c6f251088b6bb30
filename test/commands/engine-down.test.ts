/**
 * Issue #14, "the wrong message": with the Docker engine unreachable, `tools call` said `no tool
 * "roll_dice"`, `tools ls`/`count` printed the cached or declared tools with exit 0, and `client connect
 * --verify` / `client doctor` reported ✓. Each must say the engine is unreachable (which one, how to start
 * it) and exit non-zero. The engine here is a docker context whose socket does not exist: read from disk,
 * so it holds for the gateway a client launches with a minimal environment too.
 */
import assert from 'node:assert/strict'
import {createHash} from 'node:crypto'
import {spawnSync} from 'node:child_process'
import {mkdir, writeFile} from 'node:fs/promises'
import path from 'node:path'
import {after, before, test} from 'node:test'

import {installPlugin, makeSandbox, runCli, type Sandbox} from '../helpers/sandbox.js'

const hasDocker = spawnSync('docker', ['--version']).status === 0
const DEAD = 'unix:///nonexistent-docker-mcp-test/docker.sock'
let sandbox: Sandbox

before(async () => {
  sandbox = await makeSandbox()
  // A docker context "dead" as `docker context create` writes it, made current in config.json.
  const id = createHash('sha256').update('dead').digest('hex')
  const meta = path.join(sandbox.dockerConfig, 'contexts', 'meta', id)
  await mkdir(meta, {recursive: true})
  await writeFile(
    path.join(meta, 'meta.json'),
    JSON.stringify({Name: 'dead', Metadata: {}, Endpoints: {docker: {Host: DEAD, SkipTLSVerify: false}}}),
  )
  await writeFile(path.join(sandbox.dockerConfig, 'config.json'), JSON.stringify({currentContext: 'dead'}))
  if (hasDocker) await installPlugin(sandbox)
  const enabled = await runCli(sandbox, ['server', 'enable', 'dice'])
  assert.equal(enabled.code, 0, enabled.stderr)
})
after(() => sandbox.cleanup())

const engineDown = new RegExp(
  `Docker engine at ${DEAD.replace(/[/.]/g, '\\$&')} is unreachable[\\s\\S]*Start it`,
)

for (const args of [
  ['tools', 'ls'],
  ['tools', 'count'],
  ['tools', 'call', 'roll_dice', 'sides=6'],
]) {
  test(`${args.slice(0, 2).join(' ')} with the engine unreachable: says so, exit 1`, async () => {
    const r = await runCli(sandbox, args, {timeoutMs: 60_000})
    const said = (r.stdout + r.stderr).replace(/\s*›\s*/g, ' ')
    assert.equal(r.code, 1, said)
    assert.match(said, engineDown)
    assert.doesNotMatch(said, /no tool|unknown tool|not found/)
  })
}

test(
  'client connect --verify and client doctor with the engine unreachable: not ✓',
  {skip: !hasDocker && 'no docker CLI'},
  async () => {
    const cli = (args: string[]) => runCli(sandbox, args, {cwd: sandbox.home, timeoutMs: 60_000})
    const connect = await cli(['client', 'connect', 'codex', '--global', '--verify', '--json'])
    const result = JSON.parse(connect.stdout) as {verify: {ok: boolean; error?: string}}
    assert.equal(result.verify.ok, false, connect.stdout)
    assert.match(result.verify.error ?? '', engineDown)
    const doctor = await cli(['client', 'doctor', '--global'])
    assert.notEqual(doctor.code, 0, doctor.stdout + doctor.stderr)
    assert.doesNotMatch(doctor.stdout, /^✓ codex/m)
    assert.match(doctor.stdout.replace(/\s+/g, ' '), /Docker engine at .* is unreachable/)
  },
)
