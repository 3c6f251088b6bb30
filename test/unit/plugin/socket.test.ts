import assert from 'node:assert/strict'
import {spawn} from 'node:child_process'
import {randomBytes} from 'node:crypto'
import {test} from 'node:test'

import {watchPluginSocket} from '../../../src/plugin/socket.js'

/**
 * Docker (Go) binds its abstract socket with the exact name length. A Node listener would pad the name
 * and hide the interoperability problem, so the "docker side" here is a python3 listener that binds
 * exactly as Go does, accepts one connection and closes it when told to (a line on stdin).
 */
function goLikeListener(name: string) {
  const script = [
    'import socket, sys',
    's = socket.socket(socket.AF_UNIX)',
    `s.bind(b"\\0${name}")`,
    's.listen(1)',
    'print("listening", flush=True)',
    'c, _ = s.accept()',
    'print("accepted", flush=True)',
    'sys.stdin.readline()',
    'c.close()',
    's.close()',
  ].join('\n')
  const child = spawn('python3', ['-c', script], {stdio: ['pipe', 'pipe', 'inherit']})
  let out = ''
  child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d))
  const waitFor = async (word: string) => {
    for (let i = 0; i < 200 && !out.includes(word); i++) await new Promise((r) => setTimeout(r, 10))
    return out.includes(word)
  }
  return {child, waitFor, close: () => child.stdin.end('close\n')}
}

test('watchPluginSocket connects to a socket bound the way docker (Go) binds it, and reports its closing', async () => {
  const name = `docker_cli_test_${randomBytes(8).toString('hex')}`
  const docker = goLikeListener(name)
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
    docker.child.kill()
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
