/**
 * Spare containers for per-call servers (#21), the pool's bookkeeping: a call takes a ready spare (started
 * before it, with the scope of its kind of client), never one another call used; spares stay inside the
 * caps and give their places up to calls that need them; listings start none; everything is closed at
 * shutdown, spares still starting included. The e2e test (test/e2e/spares.test.ts) runs real containers.
 */
import assert from 'node:assert/strict'
import {test} from 'node:test'

import {UpstreamPool} from '../../../src/gateway/pool.js'
import {SpareContainers} from '../../../src/gateway/spares.js'
import type {Upstream} from '../../../src/gateway/upstream.js'
import {fakeUpstream} from '../../helpers/fake-upstream.js'

type Fake = Upstream & {session: string}

function pool(
  options: {maxPerServer?: number; maxContainers?: number; maxSpares?: number; startMs?: number} = {},
) {
  const started: Array<Upstream & {session: string}> = []
  const p = new UpstreamPool(
    async (server, session) => {
      if (options.startMs) await new Promise((r) => setTimeout(r, options.startMs))
      const u = fakeUpstream(server, session)
      started.push(u)
      return u
    },
    {
      maxPerServer: options.maxPerServer ?? 4,
      maxContainers: options.maxContainers ?? 16,
      idleMs: 0,
      maxSpares: options.maxSpares ?? 2,
      spareScope: (scope) => `\u0000spare:${scope.startsWith('modern') ? 'modern' : 'legacy'}`,
    },
  )
  return {pool: p, started}
}

const settled = async (check: () => boolean) => {
  for (let i = 0; i < 200 && !check(); i++) await new Promise((r) => setTimeout(r, 1))
  return check()
}

test('the first call starts its own container and a spare; the next call takes the spare, fresh', async () => {
  const {pool: p, started} = pool()
  const first = await p.use('fx', 's1', 'per-call', undefined, async (u) => u as Fake)
  assert.equal(first.session, 's1', 'no spare before the first call: it starts its own')
  assert.ok(await settled(() => p.spares.readyCount === 1), 'a spare is started after the first call')
  const spare = started.find((u) => u.session.startsWith('\u0000spare'))!
  const second = await p.use('fx', 's2', 'per-call', undefined, async (u) => u as Fake)
  assert.equal(second, spare, 'the second call ran on the spare')
  assert.notEqual(second, first)
  assert.ok(
    await settled(() => !second.isOpen),
    'a spare is removed after its one call, like any per-call container',
  )
  // Replaced: by one or two (two calls came within one start time, see the sizing test below).
  assert.ok(await settled(() => p.spares.readyCount >= 1), 'and replaced')
  // No container ever serves two calls.
  const seen = new Set<Upstream>()
  for (let i = 0; i < 10; i++) {
    const u = await p.use('fx', `s${i}`, 'per-call', undefined, async (x) => x)
    assert.ok(!seen.has(u), 'a container served a second call')
    seen.add(u)
  }
  await p.closeAll()
  assert.deepEqual(
    started.filter((u) => u.isOpen),
    [],
  )
})

test('a spare only serves the kind of client it was started for', async () => {
  const {pool: p, started} = pool()
  await p.use('fx', 'legacy-a', 'per-call', undefined, async () => {})
  assert.ok(await settled(() => p.spares.readyCount === 1))
  const modern = await p.use('fx', 'modern-b', 'per-call', undefined, async (u) => u as Fake)
  assert.equal(modern.session, 'modern-b', 'a 2026 call did not take the 2025 spare')
  const legacy = await p.use('fx', 'legacy-c', 'per-call', undefined, async (u) => u as Fake)
  assert.equal(legacy.session, '\u0000spare:legacy')
  await p.closeAll()
  assert.deepEqual(
    started.filter((u) => u.isOpen),
    [],
  )
})

test('listings start no spare', async () => {
  const {pool: p, started} = pool()
  await p.use('fx', '\u0000listing', 'per-call', undefined, async () => {})
  await new Promise((r) => setTimeout(r, 20))
  assert.equal(p.spares.readyCount, 0)
  assert.equal(started.length, 1)
  await p.closeAll()
})

test('spares stay inside the caps, and give their place to a call that needs it', async () => {
  const {pool: p, started} = pool({maxPerServer: 2, maxSpares: 2})
  await p.use('fx', 'legacy-a', 'per-call', undefined, async () => {})
  assert.ok(await settled(() => p.spares.readyCount >= 1))
  await new Promise((r) => setTimeout(r, 20))
  assert.ok(p.containersHeld <= 2, `held ${p.containersHeld} with a cap of 2`)
  // Two calls of another kind at once: both get places (spares of the other kind give theirs up).
  const both = await Promise.all([
    p.use('fx', 'modern-b', 'per-call', undefined, async (u) => {
      assert.ok(p.containersHeld <= 2, `held ${p.containersHeld} with a cap of 2`)
      await new Promise((r) => setTimeout(r, 10))
      return u as Fake
    }),
    p.use('fx', 'modern-c', 'per-call', undefined, async (u) => {
      await new Promise((r) => setTimeout(r, 10))
      return u as Fake
    }),
  ])
  assert.deepEqual(
    both.map((u) => u.session),
    ['modern-b', 'modern-c'],
  )
  await p.closeAll()
  assert.deepEqual(
    started.filter((u) => u.isOpen),
    [],
  )
  assert.equal(p.containersHeld, 0)
})

test('the global cap holds too: a spare never takes the last place another server needs', async () => {
  const {pool: p} = pool({maxPerServer: 4, maxContainers: 2, maxSpares: 2})
  await p.use('a', 'legacy-a', 'per-call', undefined, async () => {})
  assert.ok(await settled(() => p.spares.readyCount >= 1))
  await new Promise((r) => setTimeout(r, 20))
  assert.ok(p.containersHeld <= 2)
  // A long-lived container of another server needs a global place now: a spare gives its place up.
  await p.use('b', 's', 'long-lived', undefined, async () => {})
  await p.closeAll()
})

test('shutdown closes ready spares and those still starting', async () => {
  const {pool: p, started} = pool({startMs: 30})
  await p.use('fx', 'legacy-a', 'per-call', undefined, async () => {})
  // A spare is starting now (30 ms): shut down before it is up.
  await p.closeAll()
  await new Promise((r) => setTimeout(r, 50))
  assert.deepEqual(
    started.filter((u) => u.isOpen),
    [],
  )
  assert.equal(p.containersHeld, 0)
})

test('no spares when turned off', async () => {
  const {pool: p, started} = pool({maxSpares: 0})
  for (let i = 0; i < 3; i++) await p.use('fx', `legacy-${i}`, 'per-call', undefined, async () => {})
  await new Promise((r) => setTimeout(r, 20))
  assert.equal(started.length, 3)
  assert.equal(p.spares.readyCount, 0)
  await p.closeAll()
})

test('with a cap of 1, a spare still starting gives its place to a call of another kind that waits for it', async () => {
  const {pool: p, started} = pool({maxPerServer: 1, startMs: 30})
  await p.use('fx', 'legacy-a', 'per-call', undefined, async () => {})
  // The spare (for 2025 clients) is starting and holds the only place; a 2026 call comes meanwhile.
  const modern = await Promise.race([
    p.use('fx', 'modern-b', 'per-call', undefined, async (u) => u as Fake),
    new Promise<undefined>((r) => setTimeout(() => r(undefined), 2000).unref()),
  ])
  assert.ok(modern, 'the call waited for a place a spare kept')
  assert.equal(modern.session, 'modern-b')
  // And a 2026 call never takes the place its own spare is starting in (the spare is started after it).
  const again = await Promise.race([
    p.use('fx', 'modern-c', 'per-call', undefined, async (u) => u as Fake),
    new Promise<undefined>((r) => setTimeout(() => r(undefined), 2000).unref()),
  ])
  assert.ok(again, 'the second call waited for a place its own spare kept')
  await p.closeAll()
  assert.deepEqual(
    started.filter((u) => u.isOpen),
    [],
  )
})

test('sizing: calls further apart than a start keep one spare; a burst keeps as many, for a minute', async () => {
  let clock = 0
  const spares = new SpareContainers({
    max: 3,
    idleMs: 600_000,
    now: () => clock,
    start: (server, key) => ({place: {release() {}}, upstream: Promise.resolve(fakeUpstream(server, key))}),
  })
  // What the pool does for each call: take a ready spare (if any), then tell the demand.
  const call = () => {
    const spare = spares.take('fx', 'k')
    spares.demand('fx', 'k')
    return spare
  }
  for (let i = 0; i < 4; i++) {
    call()
    assert.ok(await settled(() => spares.readyCount === 1))
    clock += 5_000
  }
  await new Promise((r) => setTimeout(r, 10))
  assert.equal(spares.readyCount, 1, 'one call every 5 s: one spare')
  // A burst of three (parallel tool calls): the first takes the spare, the others start their own.
  for (let i = 0; i < 3; i++) call()
  assert.ok(await settled(() => spares.readyCount === 3), 'three kept ready for the next burst')
  clock += 10_000
  const burst = [call(), call(), call()]
  assert.ok(
    burst.every((s) => s !== undefined),
    'the next burst finds a spare for each of its calls',
  )
  assert.ok(await settled(() => spares.readyCount === 3))
  // A minute without a burst: single calls take spares and refill only one.
  clock += 61_000
  call()
  clock += 5_000
  call()
  clock += 5_000
  call()
  await new Promise((r) => setTimeout(r, 10))
  assert.equal(spares.readyCount, 1, 'back to one spare, by calls taking the others')
  await spares.closeAll()
})

test('a spare held for a raw-path call that never reached it goes back, still fresh; one used is removed', async () => {
  const {pool: p} = pool({maxSpares: 1})
  await p.use('fx', 'legacy-a', 'per-call', undefined, async () => {})
  assert.ok(await settled(() => p.spares.readyCount === 1))
  const refused = p.holdRaw('fx', 'legacy-b', 'per-call', false)!
  assert.equal(p.spares.readyCount, 0, 'the call holds the spare')
  refused.release({error: new Error('refused by a guard'), unused: true})
  assert.equal(p.spares.readyCount, 1, 'given back')
  assert.ok(refused.upstream.isOpen)
  const used = p.holdRaw('fx', 'legacy-c', 'per-call', false)!
  assert.equal(used.upstream, refused.upstream, 'the next call takes it')
  used.release({})
  assert.ok(await settled(() => !used.upstream.isOpen), 'used once, removed')
  await p.closeAll()
})

test('while a call starts a container of its own, the spares wait until it is up, then start', async () => {
  const invoked: string[] = []
  let startedBeside: string[] | undefined
  const p = new UpstreamPool(
    async (server, session) => {
      invoked.push(session)
      await new Promise((r) => setTimeout(r, 30))
      // What else began starting while the call's own container did.
      if (session === 'legacy-a') startedBeside = invoked.filter((s) => s !== session)
      return fakeUpstream(server, session)
    },
    {maxPerServer: 4, maxContainers: 16, idleMs: 0, maxSpares: 2, spareScope: () => '\u0000spare:legacy'},
  )
  await p.use('fx', 'legacy-a', 'per-call', undefined, async () => {})
  assert.deepEqual(startedBeside, [], 'a spare started beside the call that waited for its own container')
  assert.ok(await settled(() => p.spares.readyCount >= 1), 'and it starts once the call has its container')
  await p.closeAll()
})
