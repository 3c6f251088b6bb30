import assert from 'node:assert/strict'
import {test} from 'node:test'

import {Client} from '@modelcontextprotocol/client'
import {InMemoryTransport} from '@modelcontextprotocol/server'

import {CallRouter} from '../../../src/gateway/call-routing.js'
import {rateLimitedLog} from '../../../src/gateway/log-limit.js'
import {CapacityError, UpstreamPool} from '../../../src/gateway/pool.js'
import {Relister} from '../../../src/gateway/relist.js'
import type {Upstream, UpstreamBinding} from '../../../src/gateway/upstream.js'
import {fakeUpstream} from '../../helpers/fake-upstream.js'

const binding = (name: string): UpstreamBinding & {name: string} => ({
  name,
  elicit: async () => ({name}),
  sample: async () => ({name}),
  log: () => {},
})
const tick = () => new Promise((r) => setImmediate(r))

test('CallRouter: a server request goes to the owner of the call in flight, never to the last caller', async () => {
  const router = new CallRouter('fx')
  const a = binding('a')
  const b = binding('b')
  const endA = router.begin(a)
  assert.equal(router.route('elicitation/create'), a)
  // A second call of the same owner (a 2025 session) keeps it attributable.
  const endA2 = router.begin(a)
  assert.equal(router.route('elicitation/create'), a)
  // Another client's call on the same connection: ambiguous, refused (the old code picked the last caller).
  const endB = router.begin(b)
  const refused = router.route('elicitation/create')
  assert.ok(refused instanceof Error)
  assert.match(
    refused.message,
    /server "fx" sent elicitation\/create while calls of 2 clients were in flight/,
  )
  endA()
  endA2()
  await tick()
  assert.equal(router.route('sampling/createMessage'), b)
  endB()
  await tick()
  const none = router.route('sampling/createMessage')
  assert.ok(none instanceof Error)
  assert.match(none.message, /while none of its calls was in flight/)
})

test('Relister: a flood of list_changed gives one re-list in flight plus one pending', async () => {
  let runs = 0
  let finish: (() => void) | undefined
  const sleeps: number[] = []
  const relister = new Relister<string>(
    () => {
      runs++
      return new Promise<void>((r) => (finish = r))
    },
    {minIntervalMs: 1000, sleep: async (ms) => void sleeps.push(ms)},
  )
  for (let i = 0; i < 10_000; i++) relister.request('fx')
  assert.equal(runs, 1)
  finish!()
  await tick()
  assert.equal(runs, 2, 'the notifications that came during the first re-list fold into one more')
  assert.deepEqual(sleeps, [1000], 'a noisy server waits between re-lists')
  finish!()
  await tick()
  assert.equal(runs, 2)
  assert.equal(relister.busy('fx'), false)
  relister.request('fx')
  assert.equal(runs, 3, 'a later notification re-lists again')
  finish!()
})

test('rateLimitedLog: a burst per window, then a count of what was not shown', () => {
  let now = 0
  const lines: string[] = []
  const log = rateLimitedLog((l) => lines.push(l), {burst: 3, windowMs: 1000, now: () => now})
  for (let i = 0; i < 1000; i++) log(`noise ${i}`)
  assert.deepEqual(lines, ['noise 0', 'noise 1', 'noise 2'])
  now = 1000
  log('later')
  assert.deepEqual(lines.slice(3), ['(997 more such line(s) not shown)', 'later'])
})

function countingPool(options: {maxPerServer: number; maxContainers: number; idleMs?: number}) {
  const started: Upstream[] = []
  const pool = new UpstreamPool(
    async (server) => {
      const u = fakeUpstream(server)
      started.push(u)
      return u
    },
    {idleMs: 0, ...options},
  )
  return {pool, started, running: () => started.filter((u) => u.isOpen).length}
}

test('UpstreamPool: long-lived containers count against --max-containers-per-server and are refused beyond it', async () => {
  const {pool, running} = countingPool({maxPerServer: 2, maxContainers: 64})
  await pool.use('fx', 's1', 'long-lived', undefined, async () => {})
  await pool.use('fx', 's2', 'long-lived', undefined, async () => {})
  await assert.rejects(
    pool.use('fx', 's3', 'long-lived', undefined, async () => {}),
    (err: Error) =>
      err instanceof CapacityError &&
      /server "fx" already runs 2 containers \(--max-containers-per-server 2\): close idle sessions or raise the cap/.test(
        err.message,
      ),
  )
  assert.equal(running(), 2)
  // A session that ends gives its place back.
  await pool.closeSession('s1')
  await tick()
  await pool.use('fx', 's3', 'long-lived', undefined, async () => {})
  assert.equal(running(), 2)
  await pool.closeAll()
})

test('UpstreamPool: --max-containers caps all servers together', async () => {
  const {pool, running} = countingPool({maxPerServer: 10, maxContainers: 3})
  for (const [server, session] of [
    ['a', 's1'],
    ['b', 's1'],
    ['c', 's1'],
  ] as const)
    await pool.use(server, session, 'long-lived', undefined, async () => {})
  await assert.rejects(
    pool.use('d', 's1', 'long-lived', undefined, async () => {}),
    /the gateway already runs 3 containers \(--max-containers 3\)/,
  )
  await assert.rejects(
    pool.use('d', 's1', 'per-call', undefined, async () => {}),
    /--max-containers 3/,
  )
  assert.equal(running(), 3)
  await pool.closeAll()
})

test('UpstreamPool: an exclusive container serves one call at a time and is reused once idle', async () => {
  const {pool, started} = countingPool({maxPerServer: 4, maxContainers: 64})
  let release!: () => void
  const first = pool.use('fx', 'stateless', 'exclusive', undefined, (u) => {
    return new Promise<Upstream>((r) => (release = () => r(u)))
  })
  await tick()
  const second = await pool.use('fx', 'stateless', 'exclusive', undefined, async (u) => u)
  release()
  const firstUpstream = await first
  assert.notEqual(firstUpstream, second, 'two calls at once never share a connection')
  const third = await pool.use('fx', 'stateless', 'exclusive', undefined, async (u) => u)
  assert.ok(third === firstUpstream || third === second, 'an idle one is reused')
  assert.equal(started.length, 2)
  await pool.closeAll()
})

test('UpstreamPool.holdIdle: the raw path holds an idle exclusive container for one call, never a busy one', async () => {
  const {pool, started} = countingPool({maxPerServer: 4, maxContainers: 64})
  assert.equal(pool.holdIdle('fx', 'stateless'), undefined, 'none started yet: the regular path starts one')
  const upstream = await pool.use('fx', 'stateless', 'exclusive', undefined, async (u) => u)
  const held = pool.holdIdle('fx', 'stateless')
  assert.equal(held?.upstream, upstream, 'the idle one')
  assert.equal(pool.holdIdle('fx', 'stateless'), undefined, "a held container is nobody else's")
  const other = await pool.use('fx', 'stateless', 'exclusive', undefined, async (u) => u)
  assert.notEqual(other, upstream, 'the regular path starts another rather than share it')
  held!.release({})
  held!.release({})
  const a = pool.holdIdle('fx', 'stateless')
  const b = pool.holdIdle('fx', 'stateless')
  assert.deepEqual(
    new Set([a?.upstream, b?.upstream]),
    new Set([upstream, other]),
    'both idle again, once each',
  )
  assert.equal(pool.holdIdle('fx', 'stateless'), undefined)
  a!.release()
  b!.release()
  assert.equal(
    pool.holdIdle('fx', 'stateless+abc'),
    undefined,
    'another client kind has containers of its own',
  )
  assert.equal(started.length, 2)
  await pool.closeAll()
})

test('UpstreamPool: a parked call gives its running place up, within a bound of parked places', async () => {
  const {pool} = countingPool({maxPerServer: 1, maxContainers: 64})
  const parkedResults: boolean[] = []
  let endFirst!: () => void
  const first = pool.use('fx', 'x', 'per-call', undefined, (_u, slot) => {
    parkedResults.push(slot.park())
    return new Promise<void>((r) => (endFirst = r))
  })
  await tick()
  // With the cap at 1, this call would wait for the first one's place if it were not parked.
  let endSecond!: () => void
  const second = pool.use('fx', 'x', 'per-call', undefined, (_u, slot) => {
    parkedResults.push(slot.park())
    return new Promise<void>((r) => (endSecond = r))
  })
  await tick()
  assert.ok(endSecond, 'the second call got a container while the first one is parked')
  assert.deepEqual(parkedResults, [true, false], 'parked places are bounded (as many as running ones)')
  endFirst()
  endSecond()
  await Promise.all([first, second])
  await pool.closeAll()
})

test('Gateway: a session can be closed, with its containers', async () => {
  const closedSessions: string[] = []
  const forgotten: string[] = []
  const gateway = await bareGateway(forgotten)
  const pool = gateway.pool as unknown as {closeSession: (id: string) => Promise<void>}
  const closeSession = pool.closeSession.bind(pool)
  pool.closeSession = async (id) => {
    closedSessions.push(id)
    await closeSession(id)
  }
  gateway.start()
  const sessions = (gateway as unknown as {sessions: Map<string, unknown>}).sessions
  gateway.createSession('s1')
  assert.ok(sessions.has('s1'))
  await gateway.closeSession('s1')
  assert.equal(sessions.has('s1'), false, 'the session state is released')
  assert.deepEqual(
    forgotten,
    ['s1'],
    'the tool view layers forget it (dynamic tools kept a scope per session)',
  )
  assert.ok(closedSessions.includes('s1'), 'its containers are closed')
  await gateway.shutdown()
})

test('Gateway: a session its client closes leaves nothing behind (capability scope, tool view state)', async () => {
  const forgotten: string[] = []
  const gateway = await bareGateway(forgotten)
  gateway.start()
  const scopes = (gateway as unknown as {scopes: {scopes: Map<string, unknown>}}).scopes.scopes
  for (const id of ['c1', 'c2']) {
    const [clientSide, serverSide] = InMemoryTransport.createLinkedPair()
    await gateway.createSession(id).connect(serverSide)
    const client = new Client({name: 'c', version: '1'})
    await client.connect(clientSide)
    assert.ok(scopes.has(id), 'initialize records the client capabilities')
    await client.close()
  }
  await new Promise((resolve) => setImmediate(resolve))
  assert.deepEqual([...scopes.keys()], [], 'no capability scope is kept for ended sessions')
  assert.deepEqual(forgotten, ['c1', 'c2'])
  await gateway.shutdown()
})

/** A gateway with no servers, whose one tool view layer records the sessions it is told to forget. */
async function bareGateway(forgotten: string[]) {
  const {Gateway} = await import('../../../src/gateway/gateway.js')
  return new Gateway({
    toolViews: [{name: 'recorder', forget: (id) => void forgotten.push(id)}],
    servers: [],
    toolFilter: () => true,
    prefixAll: false,
    version: '0.0.0',
    callTimeoutMs: 1000,
    maxPerServer: 1,
    idleMs: 0,
    logCalls: false,
    startUpstream: async () => {
      throw new Error('no servers here')
    },
    logger: {debug: () => {}, info: () => {}, warn: () => {}} as never,
  })
}
