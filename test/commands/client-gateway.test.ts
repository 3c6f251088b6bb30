/**
 * The entry `client connect` writes, started for real: the docker CLI, with this plugin installed in the
 * sandbox's DOCKER_CONFIG, runs `docker mcp gateway run`, and `--verify` / `client doctor` speak MCP to
 * it. Guards against an entry that looks right but does not start (wrong args, an env the locked-down
 * Claude Desktop launch lacks). Skipped where the docker CLI is not installed.
 */
import assert from 'node:assert/strict'
import {spawnSync} from 'node:child_process'
import {after, before, test} from 'node:test'

import {installPlugin, makeSandbox, runCli, type Sandbox} from '../helpers/sandbox.js'

const hasDocker = spawnSync('docker', ['--version']).status === 0
let sandbox: Sandbox

before(async () => {
  sandbox = await makeSandbox()
  if (hasDocker) await installPlugin(sandbox)
})
after(() => sandbox.cleanup())

test(
  'connect --verify and doctor start docker mcp gateway run',
  {skip: !hasDocker && 'no docker CLI'},
  async () => {
    const cli = (args: string[]) => runCli(sandbox, args, {cwd: sandbox.home})
    // Claude Desktop launches with a minimal environment (HOME, PATH, ...): the gateway must start anyway.
    const connect = await cli(['client', 'connect', 'claude-desktop', '--global', '--verify', '--json'])
    assert.equal(connect.code, 0, connect.stdout + connect.stderr)
    const result = JSON.parse(connect.stdout)
    assert.deepEqual([result.verify.command, ...result.verify.args], ['docker', 'mcp', 'gateway', 'run'])
    assert.equal(result.verify.ok, true, JSON.stringify(result.verify))
    assert.equal(result.verify.server.name, 'Docker MCP Gateway')

    assert.equal((await cli(['client', 'connect', 'codex', '--global', '--quiet'])).code, 0)
    const doctor = await cli(['client', 'doctor', '--global'])
    assert.equal(doctor.code, 0, doctor.stdout + doctor.stderr)
    assert.match(
      doctor.stdout,
      /^✓ claude-desktop \(user\) .*: Docker MCP Gateway \S+ answered with \d+ tool\(s\)/m,
    )
    assert.match(doctor.stdout, /^✓ codex \(user\) ~\/\.codex\/config\.toml: Docker MCP Gateway/m)
  },
)
