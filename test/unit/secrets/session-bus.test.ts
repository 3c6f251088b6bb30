import assert from 'node:assert/strict'
import {execFile} from 'node:child_process'
import {mkdtemp, rm, writeFile} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import path from 'node:path'
import {after, before, test} from 'node:test'
import {promisify} from 'node:util'

import {missingSessionBus} from '../../../src/secrets/keychain-store.js'

let runtime: string
before(async () => {
  runtime = await mkdtemp(path.join(tmpdir(), 'docker-mcp-bus-'))
})
after(async () => {
  await rm(runtime, {recursive: true, force: true})
})

test('no session bus: the reason names the socket the library would try; a socket there, or an address, lets it try', async () => {
  const env = {XDG_RUNTIME_DIR: runtime}
  assert.equal(
    missingSessionBus(env, 'linux'),
    `no D-Bus session bus: DBUS_SESSION_BUS_ADDRESS is not set and ${path.join(runtime, 'bus')} does not exist`,
  )
  // Whatever the address says, the library decides (it may be abstract, or TCP).
  assert.equal(
    missingSessionBus({...env, DBUS_SESSION_BUS_ADDRESS: 'unix:path=/nowhere'}, 'linux'),
    undefined,
  )
  // macOS and Windows keychains need no bus.
  assert.equal(missingSessionBus(env, 'darwin'), undefined)
  assert.equal(missingSessionBus(env, 'win32'), undefined)
  await writeFile(path.join(runtime, 'bus'), '')
  try {
    assert.equal(missingSessionBus(env, 'linux'), undefined)
  } finally {
    await rm(path.join(runtime, 'bus'))
  }
})

test('with no session bus the keychain probe fails with that reason, and the native module is never loaded', async () => {
  // A child process with no bus: its memory maps show whether the keyring's .node library was loaded.
  const script = `
    import {readFileSync} from 'node:fs'
    import {KeychainSecretStore} from ${JSON.stringify(path.resolve('src/secrets/keychain-store.ts'))}
    const store = new KeychainSecretStore({paths: {mcpDir: ${JSON.stringify(runtime)}}})
    const reason = await store.probe()
    console.log(JSON.stringify({reason, loaded: readFileSync('/proc/self/maps', 'utf8').includes('keyring')}))
  `
  const env: NodeJS.ProcessEnv = {...process.env, XDG_RUNTIME_DIR: runtime}
  delete env.DBUS_SESSION_BUS_ADDRESS
  const {stdout} = await promisify(execFile)(
    process.execPath,
    ['--import', 'tsx', '--input-type=module', '-e', script],
    {env},
  )
  const {reason, loaded} = JSON.parse(stdout) as {reason: string; loaded: boolean}
  assert.match(reason, /^no D-Bus session bus: DBUS_SESSION_BUS_ADDRESS is not set/)
  assert.equal(loaded, false, 'the keyring library was loaded')
})
