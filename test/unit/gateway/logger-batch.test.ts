import assert from 'node:assert/strict'
import {spawnSync} from 'node:child_process'
import path from 'node:path'
import {Writable} from 'node:stream'
import {test} from 'node:test'
import {fileURLToPath} from 'node:url'

import {createLogger, LOG_HOLD_MS} from '../../../src/gateway/logger.js'

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..')

/** A stream that records each write it is given. */
function recorder(): {stream: Writable; writes: string[]} {
  const writes: string[] = []
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      writes.push(chunk.toString())
      done()
    },
  })
  return {stream, writes}
}

const held = () => new Promise((resolve) => setTimeout(resolve, LOG_HOLD_MS + 20))

// Issue #21: every call's "Calling tool … took" line was a write of its own (stderr on a pipe or a file is
// written synchronously): a quarter of the gateway's CPU per call with 32 calls in flight.
test('lines logged together leave in one write, after LOG_HOLD_MS', async () => {
  const {stream, writes} = recorder()
  const logger = createLogger({verbose: true, stream})
  logger.info('  > Calling tool a took: 1ms')
  logger.warn('  - something')
  logger.debug('  > Calling tool b took: 2ms')
  await new Promise((resolve) => setImmediate(resolve))
  assert.deepEqual(writes, [], 'nothing is written at once')
  await held()
  assert.deepEqual(writes, ['  > Calling tool a took: 1ms\n  - something\n  > Calling tool b took: 2ms\n'])
  logger.info('later')
  await held()
  assert.deepEqual(writes.slice(1), ['later\n'])
})

test('flush writes the held lines at once, and a later turn has nothing left to write', async () => {
  const {stream, writes} = recorder()
  const tee: string[] = []
  const logger = createLogger({verbose: false, stream, tee: {write: (t) => tee.push(t)}})
  logger.info('one')
  logger.info('two')
  logger.flush?.()
  assert.deepEqual(writes, ['one\ntwo\n'])
  assert.deepEqual(tee, ['one\ntwo\n'], 'the --log file gets the same joined text')
  await held()
  assert.equal(writes.length, 1)
})

test('a line logged just before process.exit is still written', () => {
  // The gateway ends with process.exit, which runs no further turn of the event loop.
  const program = [
    `import {createLogger} from ${JSON.stringify(path.join(ROOT, 'src/gateway/logger.ts'))}`,
    'const logger = createLogger({verbose: false})',
    "logger.info('> Stopped')",
    'process.exit(3)',
  ].join('\n')
  const result = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', program], {
    cwd: ROOT,
    encoding: 'utf8',
  })
  assert.equal(result.status, 3, result.stderr)
  assert.equal(result.stderr, '> Stopped\n')
})
