/**
 * `docker mcp tools ls -q`: the real CLI starts a real gateway, which starts the dice server in a container
 * (dice-mcp-server:latest, built by scripts/build-images.mjs). Skipped where that image is not at hand.
 */
import assert from 'node:assert/strict'
import {spawnSync} from 'node:child_process'
import {mkdir, writeFile} from 'node:fs/promises'
import path from 'node:path'
import {after, before, describe, test} from 'node:test'

import {makeSandbox, runCli, type Sandbox} from '../helpers/sandbox.js'

const hasDice = spawnSync('docker', ['image', 'inspect', 'dice-mcp-server:latest']).status === 0
let sandbox: Sandbox
const cli = (args: string[]) =>
  runCli(sandbox, args, {env: {OCLIF_COLUMNS: '1000'}, cwd: sandbox.home, timeoutMs: 120_000})

before(async () => {
  sandbox = await makeSandbox()
})
after(() => sandbox.cleanup())

describe('tools ls -q / --quiet: the exposed tool names alone', () => {
  test('no server enabled: no output at all (not "0 tools:"), no progress line, exit 0', async () => {
    for (const flag of ['-q', '--quiet']) {
      const r = await cli(['tools', 'ls', flag, '--gateway-arg=--dynamic-tools=false'])
      assert.equal(r.code, 0, r.stderr)
      assert.equal(r.stdout, '', flag)
      assert.doesNotMatch(r.stderr, /Starting the gateway/, flag)
    }
  })

  test(
    'one tool name per line, nothing else',
    {skip: !hasDice && 'no dice-mcp-server:latest image'},
    async () => {
      assert.equal((await cli(['server', 'add', 'dice'])).code, 0)
      for (const flag of ['-q', '--quiet']) {
        const r = await cli(['tools', 'ls', flag, '--gateway-arg=--dynamic-tools=false'])
        assert.equal(r.code, 0, r.stderr)
        // In the order the server lists them, as a direct connection would.
        assert.equal(r.stdout, 'roll_dice\nflip_coin\n', flag)
      }
    },
  )

  test(
    'only the tools the gateway exposes: a tools.yaml allowlist applies',
    {skip: !hasDice && 'no dice-mcp-server:latest image'},
    async () => {
      const mcp = path.join(sandbox.dockerConfig, 'mcp')
      await mkdir(mcp, {recursive: true})
      await writeFile(path.join(mcp, 'tools.yaml'), 'dice: [roll_dice]\n')
      const r = await cli(['tools', 'ls', '-q', '--gateway-arg=--dynamic-tools=false'])
      assert.equal(r.code, 0, r.stderr)
      assert.equal(r.stdout, 'roll_dice\n')
    },
  )

  test('--quiet with --json is a usage error (exit 125) before any gateway starts', async () => {
    for (const args of [
      ['tools', 'ls', '-q', '--json'],
      ['tools', 'list', '--json', '--quiet'],
    ]) {
      const r = await cli(args)
      assert.equal(r.code, 125, args.join(' '))
      assert.equal(r.stdout, '', args.join(' '))
      assert.match(r.stderr, /--json=true cannot also be provided when using --quiet/)
      assert.doesNotMatch(r.stderr, /Starting the gateway/)
    }
  })
})
