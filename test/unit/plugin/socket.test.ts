import assert from 'node:assert/strict'
import {randomBytes} from 'node:crypto'
import {test} from 'node:test'

import {watchPluginSocket} from '../../../src/plugin/socket.js'
import {dockerPluginSocket} from '../../helpers/docker-socket.js'

test('watchPluginSocket connects to a socket bound the way docker (Go) binds it, and reports its closing', async () => {
  const name = `docker_cli_test_${randomBytes(8).toString('hex')}`
  const docker = dockerPluginSocket(name)
  try {
    assert.ok(await docker.waitFor('listening'))
    let closed = false
    const closedPromise = new Promise<void>((resolve) => {
      watchPluginSocket({DOCKER_CLI_PLUGIN_SOCKET: `@${name}`}, () => {
        closed = true
        resolve()
      })
    })
    assert.ok(await docker.waitFor('accepted'), 'the watcher never connected')
    await new Promise((r) => setTimeout(r, 100))
    assert.equal(closed, false)
    docker.close()
    // The watcher is unref'd (it must never keep a gateway alive): hold the loop open while we wait.
    const guard = setTimeout(() => {}, 10_000)
    await closedPromise
    clearTimeout(guard)
    assert.equal(closed, true)
  } finally {
    docker.kill()
  }
})

test('watchPluginSocket does nothing without DOCKER_CLI_PLUGIN_SOCKET or on Windows', () => {
  assert.equal(
    watchPluginSocket({}, () => {}),
    undefined,
  )
  assert.equal(
    watchPluginSocket({DOCKER_CLI_PLUGIN_SOCKET: '@x'}, () => {}, 'win32'),
    undefined,
  )
})

test('an unreachable socket is not mistaken for a stop request', async () => {
  let fired = false
  watchPluginSocket(
    {DOCKER_CLI_PLUGIN_SOCKET: `@nobody_listens_${randomBytes(6).toString('hex')}`},
    () => (fired = true),
  )
  await new Promise((r) => setTimeout(r, 500))
  assert.equal(fired, false)
})
