/**
 * Client quirks (issue #13), for real: the plugin is installed in a DOCKER_CONFIG that is not ~/.docker, as
 * for a user who set DOCKER_CONFIG in their shell. Codex starts servers with its allowlist only, so an entry
 * without `env_vars` runs `docker mcp gateway run` without DOCKER_CONFIG and docker does not find the
 * plugin; `client doctor` and `--verify` launch the entry as Codex does and must say so, and `client connect
 * codex` must write what fixes it. Skipped where the docker CLI is not installed.
 */
import assert from 'node:assert/strict'
import {spawnSync} from 'node:child_process'
import {mkdir, readFile, writeFile} from 'node:fs/promises'
import path from 'node:path'
import {after, before, test} from 'node:test'

import {installPlugin, makeSandbox, runCli, type Sandbox} from '../helpers/sandbox.js'

const hasDocker = spawnSync('docker', ['--version']).status === 0
let sandbox: Sandbox
let codexFile: string

before(async () => {
  sandbox = await makeSandbox()
  // A non-default DOCKER_CONFIG: docker finds the plugin only when the variable reaches it.
  const dockerConfig = path.join(sandbox.home, 'custom-docker-config')
  await mkdir(dockerConfig, {recursive: true})
  sandbox.env.DOCKER_CONFIG = dockerConfig
  if (hasDocker) await installPlugin(sandbox)
  codexFile = path.join(sandbox.home, '.codex/config.toml')
})
after(() => sandbox.cleanup())

const cli = (args: string[]) => runCli(sandbox, args, {cwd: sandbox.home})

test(
  'an old Codex entry without env_vars: doctor launches it as Codex does and reports the dropped DOCKER_CONFIG',
  {skip: !hasDocker && 'no docker CLI'},
  async () => {
    await mkdir(path.dirname(codexFile), {recursive: true})
    await writeFile(
      codexFile,
      '[mcp_servers.MCP_DOCKER]\ncommand = "docker"\nargs = ["mcp", "gateway", "run"]\n',
    )
    const r = await cli(['client', 'doctor', 'codex', '--global', '--json'])
    assert.equal(r.code, 1, r.stdout + r.stderr)
    const check = JSON.parse(r.stdout).checks[0]
    assert.equal(check.status, 'failed')
    assert.deepEqual(check.verify.droppedEnv, ['DOCKER_CONFIG'])
    assert.equal(check.verify.server, undefined, 'the gateway must not start without its plugin')
    assert.match(check.verify.stderr, /unknown command|not a docker command/)
    assert.match(
      check.message,
      /Codex does not pass DOCKER_CONFIG .*docker mcp client connect codex --global/,
    )
  },
)

test(
  'connect codex writes env_vars = ["DOCKER_CONFIG"], and --verify then starts the gateway as Codex would',
  {skip: !hasDocker && 'no docker CLI'},
  async () => {
    const r = await cli(['client', 'connect', 'codex', '--global', '--verify', '--json'])
    assert.equal(r.code, 0, r.stdout + r.stderr)
    const result = JSON.parse(r.stdout)
    assert.equal(result.verify.ok, true, JSON.stringify(result.verify))
    assert.equal(result.verify.server.name, 'Docker MCP Gateway')
    assert.equal(
      await readFile(codexFile, 'utf8'),
      '[mcp_servers.MCP_DOCKER]\ncommand = "docker"\nargs = ["mcp", "gateway", "run"]\nenv_vars = ["DOCKER_CONFIG"]\n',
    )
    const doctor = await cli(['client', 'doctor', 'codex', '--global'])
    assert.equal(doctor.code, 0, doctor.stdout + doctor.stderr)
    assert.match(doctor.stdout, /^✓ codex \(user\) .*: Docker MCP Gateway \S+ answered/m)
  },
)
