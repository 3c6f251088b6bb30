import assert from 'node:assert/strict'
import {randomBytes} from 'node:crypto'
import net from 'node:net'
import {test} from 'node:test'

import {watchPluginSocket} from '../../../src/plugin/socket.js'

// Docker on Linux listens on an abstract socket "@docker_cli_<hex>" and closes it to ask the plugin to stop.
test('watchPluginSocket reports when docker closes the abstract socket', async () => {
  const name = `docker_cli_test_${randomBytes(8).toString('hex')}`
  const accepted: net.Socket[] = []
  const server = net.createServer((s) => accepted.push(s))
  await new Promise<void>((resolve) => server.listen({path: `\0${name}`}, resolve))
  try {
    let closed = false
    const closedPromise = new Promise<void>((resolve) => {
      watchPluginSocket({DOCKER_CLI_PLUGIN_SOCKET: `@${name}`}, () => {
        closed = true
        resolve()
      })
    })
    // Wait for the connection, check nothing fired yet, then close it as docker does.
    for (let i = 0; i < 100 && accepted.length === 0; i++) await new Promise((r) => setTimeout(r, 10))
    assert.equal(accepted.length, 1)
    assert.equal(closed, false)
    accepted[0]!.end()
    await closedPromise
    assert.equal(closed, true)
  } finally {
    server.close()
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
  await new Promise((r) => setTimeout(r, 100))
  assert.equal(fired, false)
})
