/**
 * Issue #15: a server whose catalog entry declares nothing about its network gets one (the original's
 * default: Docker's `fetch` declares nothing and needs the internet); `--network-default none` or the
 * `strict-network` feature in config.json gives it none; the flag wins over the file. Seen on the real
 * container the gateway starts (`docker inspect`), through the whole chain: flags, config.json, spec.
 */
import assert from 'node:assert/strict'
import {randomBytes} from 'node:crypto'
import {writeFile} from 'node:fs/promises'
import path from 'node:path'
import {after, before, test} from 'node:test'

import {connectGateway, eventually, IMAGES, managedContainers} from '../helpers/gateway.js'
import {makeSandbox, run, type Sandbox} from '../helpers/sandbox.js'

const SERVER = `netdef-${randomBytes(4).toString('hex')}`
let sandbox: Sandbox
let catalog: string

before(async () => {
  sandbox = await makeSandbox({DOCKER_MCP_SECRET_STORE: 'file'})
  catalog = path.join(sandbox.home, 'netdef.yaml')
  // Long-lived: its container is there to inspect after the call.
  await writeFile(
    catalog,
    `version: 2\nname: netdef\nregistry:\n  ${SERVER}:\n    image: ${IMAGES.fixture}\n    longLived: true\n`,
  )
})
after(async () => {
  const left = await managedContainers(SERVER)
  if (left.length) await run('docker', ['rm', '-f', ...left])
  await sandbox.cleanup()
})

async function networkModeWith(args: string[], features?: Record<string, string>): Promise<string> {
  await writeFile(path.join(sandbox.dockerConfig, 'config.json'), JSON.stringify(features ? {features} : {}))
  const gateway = await connectGateway(sandbox, ['--catalog', catalog, '--servers', SERVER, ...args], {
    viaDocker: false,
  })
  try {
    const who = await gateway.client.callTool({name: 'whoami', arguments: {}})
    assert.equal(who.isError, undefined, gateway.stderr())
    // The running container of this gateway (one of an earlier case may still be going away).
    const mode = await eventually(
      async () => {
        const ids = (await run('docker', ['ps', '-q', '--filter', `label=docker-mcp-name=${SERVER}`])).stdout
          .split('\n')
          .filter(Boolean)
        if (ids.length !== 1) return ''
        return (
          await run('docker', ['inspect', '--format', '{{.HostConfig.NetworkMode}}', ids[0]!])
        ).stdout.trim()
      },
      (m) => m !== '',
      20_000,
    )
    assert.notEqual(mode, '', gateway.stderr())
    return mode
  } finally {
    await gateway.close()
    // The next case must not find this one's container.
    assert.deepEqual(
      await eventually(
        () => managedContainers(SERVER),
        (c) => c.length === 0,
        20_000,
      ),
      [],
    )
  }
}

test('nothing declared: a network by default, none when strict (flag or config), the flag wins', async () => {
  assert.equal(await networkModeWith([]), 'bridge')
  assert.equal(await networkModeWith(['--network-default', 'none']), 'none')
  assert.equal(await networkModeWith([], {'strict-network': 'enabled'}), 'none')
  assert.equal(
    await networkModeWith(['--network-default', 'bridge'], {'strict-network': 'enabled'}),
    'bridge',
  )
})
