/**
 * Profiles served for real: `client connect cursor --profile a` writes the entry, `client doctor` starts it
 * through the docker CLI (plugin installed in the sandbox) and the gateway answers with the profile's
 * tools; two gateways serving two profiles at once (stdio) each see only their own servers and answer
 * calls without interfering. Local test images only (dice, fixture).
 */
import assert from 'node:assert/strict'
import {spawnSync} from 'node:child_process'
import {after, before, test} from 'node:test'

import {connectGateway, writeTestCatalog} from '../helpers/gateway.js'
import {installPlugin, makeSandbox, runCli, type Sandbox} from '../helpers/sandbox.js'

const hasDocker = spawnSync('docker', ['--version']).status === 0
let sandbox: Sandbox
// Generous: doctor starts each gateway (and its container) in turn, on a machine shared by many tests.
const cli = (args: string[]) =>
  runCli(sandbox, args, {env: {OCLIF_COLUMNS: '1000'}, cwd: sandbox.home, timeoutMs: 480_000})
const ok = async (args: string[]) => {
  const r = await cli(args)
  assert.equal(r.code, 0, `${args.join(' ')}: ${r.stdout}${r.stderr}`)
  return r
}

before(async () => {
  sandbox = await makeSandbox()
  if (!hasDocker) return
  await installPlugin(sandbox)
  await ok(['catalog', 'import', await writeTestCatalog(sandbox)])
  await ok(['profile', 'create', '--name', 'a', '--server', 'catalog://gateway-test/dice'])
  await ok(['profile', 'tools', 'a', '--disable', 'dice.flip_coin'])
  await ok(['profile', 'create', '--name', 'b', '--server', 'catalog://gateway-test/fixture'])
})
after(() => sandbox.cleanup())

test(
  'client connect cursor --profile a: client doctor starts it and the gateway serves the profile',
  {skip: !hasDocker && 'no docker CLI'},
  async () => {
    await ok(['client', 'connect', 'cursor', '--global', '--profile', 'a'])
    await ok(['client', 'connect', 'claude-code', '--global', '--profile', 'b'])
    const doctor = await cli(['client', 'doctor', '--global', '--json', '--timeout', '200'])
    assert.equal(doctor.code, 0, doctor.stdout + doctor.stderr)
    const checks = JSON.parse(doctor.stdout).checks as Array<{
      id: string
      status: string
      verify?: {args: string[]; tools?: number}
    }>
    const cursor = checks.find((c) => c.id === 'cursor')!
    assert.equal(cursor.status, 'ok', JSON.stringify(cursor))
    assert.deepEqual(cursor.verify!.args, ['mcp', 'gateway', 'run', '--profile', 'a'])
    // dice has roll_dice and flip_coin; profile a allows roll_dice only. The client's gateway also offers
    // the six internal tools (mcp-find, mcp-add, mcp-remove, mcp-config-set, mcp-exec, code-mode).
    assert.equal(cursor.verify!.tools, 1 + 6)
    const claude = checks.find((c) => c.id === 'claude-code')!
    assert.equal(claude.status, 'ok', JSON.stringify(claude))
    assert.ok(claude.verify!.tools! > 3, JSON.stringify(claude))
    // The same command line, listing the names: exactly the profile's tools.
    const tools = await ok(['tools', 'ls', '--gateway-arg=--profile=a', '--json'])
    assert.deepEqual(
      JSON.parse(tools.stdout).map((t: {name: string}) => t.name),
      ['roll_dice'],
    )
  },
)

test(
  'two profiles served at once by two stdio gateways do not interfere',
  {skip: !hasDocker && 'no docker CLI'},
  async () => {
    const a = await connectGateway(sandbox, ['--profile', 'a', '--dynamic-tools=false'], {name: 'profile-a'})
    const b = await connectGateway(sandbox, ['--profile', 'b', '--dynamic-tools=false'], {name: 'profile-b'})
    try {
      const [ta, tb] = await Promise.all([a.client.listTools(), b.client.listTools()])
      const names = (t: typeof ta) => t.tools.map((x) => x.name)
      assert.deepEqual(names(ta), ['roll_dice'])
      assert.ok(names(tb).includes('echo'), names(tb).join(','))
      assert.ok(!names(tb).includes('roll_dice'))
      const [roll, echo] = await Promise.all([
        a.client.callTool({name: 'roll_dice', arguments: {sides: 6}}),
        b.client.callTool({name: 'echo', arguments: {text: 'from b'}}),
      ])
      assert.notEqual(roll.isError, true, JSON.stringify(roll))
      assert.deepEqual(echo.content, [{type: 'text', text: 'from b'}])
      // A tool of the other profile is unknown here.
      const cross = await a.client.callTool({name: 'echo', arguments: {text: 'x'}}).catch((e: Error) => e)
      assert.ok(cross instanceof Error || cross.isError === true, JSON.stringify(cross))
    } finally {
      await Promise.all([a.close(), b.close()])
    }
  },
)
