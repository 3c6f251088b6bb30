import assert from 'node:assert/strict'
import {PassThrough} from 'node:stream'
import {test} from 'node:test'

import {StreamTransport} from '../../../src/gateway/stdio-transport.js'

test('a container whose removal fails when its output ends (engine gone) is reported, never an unhandled rejection (issue #14)', async () => {
  const unhandled: unknown[] = []
  const onUnhandled = (reason: unknown) => unhandled.push(reason)
  process.on('unhandledRejection', onUnhandled)
  try {
    const input = new PassThrough()
    const transport = new StreamTransport(input, new PassThrough(), {
      // What the container removal did when dockerd had stopped.
      close: () => Promise.reject(new Error('connect ENOENT /var/run/docker.sock')),
    })
    const errors: string[] = []
    transport.onerror = (err) => errors.push(err.message)
    await transport.start()
    input.end()
    await new Promise((r) => setTimeout(r, 50))
    assert.deepEqual(unhandled, [])
    assert.deepEqual(errors, ['connect ENOENT /var/run/docker.sock'])
  } finally {
    process.off('unhandledRejection', onUnhandled)
  }
})
