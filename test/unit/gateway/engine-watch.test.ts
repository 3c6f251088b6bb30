import assert from 'node:assert/strict'
import {test} from 'node:test'

import {EngineWatch, isEngineUnreachable} from '../../../src/gateway/engine-watch.js'

/** A ping that fails with a socket error while `down` says so; counts its calls. */
function fakeEngine() {
  const engine = {down: true, pings: 0}
  const ping = async () => {
    engine.pings++
    if (engine.down) throw Object.assign(new Error('connect ENOENT /var/run/docker.sock'), {code: 'ENOENT'})
  }
  return {engine, ping}
}

const quiet = {info() {}, warn() {}, debug() {}}

test('an unreachable engine is retried until it answers; listeners hear it go and come back once each', async () => {
  const {engine, ping} = fakeEngine()
  const log: string[] = []
  const watch = new EngineWatch({
    host: 'unix:///var/run/docker.sock',
    ping,
    logger: {...quiet, warn: (m) => log.push(m), info: (m) => log.push(m)},
    minDelayMs: 5,
    maxDelayMs: 20,
  })
  let ups = 0
  let downs = 0
  watch.onUp(() => ups++)
  watch.onDown(() => downs++)
  assert.equal(await watch.settled(), 'down')
  assert.match(
    watch.problem!,
    /Docker engine at unix:\/\/\/var\/run\/docker.sock is unreachable \(connect ENOENT/,
  )
  assert.match(watch.problem!, /Start it/)
  // More failures while down: still one "down", retries go on.
  watch.reportDown(new Error('connect ECONNREFUSED'))
  const retriedBefore = engine.pings
  await new Promise((r) => setTimeout(r, 60))
  assert.ok(engine.pings > retriedBefore, 'no retry while the engine is down')
  engine.down = false
  while (watch.state !== 'up') await new Promise((r) => setTimeout(r, 5))
  assert.equal(watch.problem, undefined)
  assert.deepEqual([downs, ups], [1, 1])
  assert.equal(log.filter((m) => /unreachable/.test(m)).length, 1, log.join('\n'))
  assert.ok(log.some((m) => /is back/.test(m)))
  watch.close()
})

test('check() pings now: an engine back before the next retry is seen at once', async () => {
  const {engine, ping} = fakeEngine()
  const watch = new EngineWatch({host: 'h', ping, logger: quiet, minDelayMs: 60_000})
  assert.equal(await watch.check(), 'down')
  engine.down = false
  assert.equal(await watch.check(), 'up')
  watch.close()
})

test('isEngineUnreachable: socket errors (also as a cause) yes, an engine refusing a request no', () => {
  assert.equal(isEngineUnreachable(Object.assign(new Error('x'), {code: 'ECONNREFUSED'})), true)
  assert.equal(isEngineUnreachable(new Error('connect ENOENT /var/run/docker.sock')), true)
  assert.equal(
    isEngineUnreachable(new Error('wrapped', {cause: Object.assign(new Error('y'), {code: 'EPIPE'})})),
    true,
  )
  assert.equal(isEngineUnreachable(Object.assign(new Error('No such image: x'), {statusCode: 404})), false)
})
