/**
 * When the pool ends containers, checked while the gateway (the pool) is still running: a per-call
 * container is closed once its call is answered, not at shutdown (where label cleanup would hide the
 * leak), and a session that ends closes its own long-lived container and no other session's.
 */
import assert from 'node:assert/strict'
import {test} from 'node:test'

import {UpstreamPool} from '../../../src/gateway/pool.js'
import type {Upstream} from '../../../src/gateway/upstream.js'
import {fakeUpstream} from '../../helpers/fake-upstream.js'

function pool() {
  const started: Array<Upstream & {session: string}> = []
  const p = new UpstreamPool(
    async (server, session) => {
      const u = fakeUpstream(server, session)
      started.push(u)
      return u
    },
    {maxPerServer: 4, maxContainers: 16, idleMs: 0},
  )
  return {pool: p, started}
}

const settled = async (check: () => boolean) => {
  // The removal runs in the background after the answer: a few turns of the event loop, bounded.
  for (let i = 0; i < 100 && !check(); i++) await new Promise((r) => setImmediate(r))
  return check()
}

test('a per-call container is closed after its call, while the pool keeps running', async () => {
  const {pool: p, started} = pool()
  assert.equal(await p.use('fx', 's1', 'per-call', undefined, async () => 'answer'), 'answer')
  assert.equal(started.length, 1)
  assert.ok(await settled(() => !started[0]!.isOpen), 'the per-call container is still running')
  assert.ok(await settled(() => p.containersHeld === 0), 'its place under the caps is still taken')
  await p.closeAll()
})

test('closing a session ends its long-lived containers only', async () => {
  const {pool: p, started} = pool()
  await p.use('fx', 's1', 'long-lived', undefined, async () => {})
  await p.use('fx', 's2', 'long-lived', undefined, async () => {})
  await p.closeSession('s1')
  const open = started.filter((u) => u.isOpen).map((u) => u.session)
  assert.deepEqual(open, ['s2'])
  await p.closeAll()
  assert.deepEqual(
    started.filter((u) => u.isOpen),
    [],
  )
})

test('closing a server (removed or changed by a reload) ends all its containers, in every session, and no other', async () => {
  const {pool: p, started} = pool()
  await p.use('fx', 's1', 'long-lived', undefined, async () => {})
  await p.use('fx', 's2', 'exclusive', undefined, async () => {})
  await p.use('other', 's1', 'long-lived', undefined, async () => {})
  // A per-call container whose call is in flight when the server goes.
  let inCall!: () => void
  const calling = new Promise<void>((r) => (inCall = r))
  const perCall = p.use('fx', 's3', 'per-call', undefined, async () => {
    inCall()
    await new Promise((r) => setTimeout(r, 50))
  })
  await calling
  await p.closeServer('fx')
  assert.deepEqual(
    started.filter((u) => u.isOpen).map((u) => u.server),
    ['other'],
  )
  await perCall.catch(() => {})
  assert.ok(await settled(() => p.containersHeld === 1), `places still taken: ${p.containersHeld}`)
  await p.closeAll()
})
