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
const callEnd = {event: 'call.end'}

// Issue #21: every call's "Calling tool … took" line was a write of its own (stderr on a pipe or a file is
// written synchronously): a quarter of the gateway's CPU per call with 32 calls in flight.
test('per-call lines logged together leave in one write, after LOG_HOLD_MS', async () => {
  const {stream, writes} = recorder()
  const logger = createLogger({verbose: true, stream})
  logger.info('  - Calling tool a with arguments: {}', {event: 'call.start'})
  logger.info('  > Calling tool a took: 1ms', callEnd)
  logger.warn('  > Calling tool b failed after 2ms: no', callEnd)
  await new Promise((resolve) => setImmediate(resolve))
  assert.deepEqual(writes, [], 'nothing is written at once')
  await held()
  assert.deepEqual(writes, [
    '  - Calling tool a with arguments: {}\n  > Calling tool a took: 1ms\n  > Calling tool b failed after 2ms: no\n',
  ])
  logger.info('  > Calling tool c took: 3ms', callEnd)
  await held()
  assert.deepEqual(writes.slice(1), ['  > Calling tool c took: 3ms\n'])
})

test('any other line leaves at once, after the per-call lines held before it', () => {
  const {stream, writes} = recorder()
  const logger = createLogger({verbose: true, stream, format: 'json'})
  logger.info('  > Calling tool a took: 1ms', callEnd)
  logger.warn('  - sticky: container ended: out of memory')
  assert.equal(writes.length, 1)
  assert.deepEqual(
    writes[0]!
      .trim()
      .split('\n')
      .map((l) => (JSON.parse(l) as {msg: string}).msg),
    ['Calling tool a took: 1ms', 'sticky: container ended: out of memory'],
  )
  logger.debug('verbose line')
  assert.equal(writes.length, 2)
})

test('flush writes the held lines at once, and a later turn has nothing left to write', async () => {
  const {stream, writes} = recorder()
  const tee: string[] = []
  const logger = createLogger({verbose: false, stream, tee: {write: (t) => tee.push(t)}})
  logger.info('one', callEnd)
  logger.info('two', callEnd)
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
    "logger.info('  > Calling tool a took: 1ms', {event: 'call.end'})",
    'process.exit(3)',
  ].join('\n')
  const result = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', program], {
    cwd: ROOT,
    encoding: 'utf8',
  })
  assert.equal(result.status, 3, result.stderr)
  assert.equal(result.stderr, '  > Calling tool a took: 1ms\n')
})
