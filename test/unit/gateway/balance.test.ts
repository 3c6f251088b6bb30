/**
 * Servers scaled and balanced (#20), the pure parts and the pool's bookkeeping with stand-in upstreams:
 * least-outstanding selection (ties round-robin), the circuit breaker's state machine, how call endings are
 * classified, the flags and catalog fields, and replica sets inside the pool (both call paths pick a
 * replica, the caps hold, a lost replica is replaced, a request refused before it left is retried
 * elsewhere). The e2e test (test/e2e/replicas.test.ts) runs real containers and real remote servers.
 */
import assert from 'node:assert/strict'
import {test} from 'node:test'

import {CircuitBreaker, CircuitOpenError} from '../../../src/gateway/balance/breaker.js'
import {parseCooldown, parseServerReplicas} from '../../../src/gateway/balance/options.js'
import {classify} from '../../../src/gateway/balance/outcome.js'
import {leastOutstanding} from '../../../src/gateway/balance/select.js'
import {parseCatalogText} from '../../../src/catalog/validate.js'
import {UpstreamPool} from '../../../src/gateway/pool.js'
import type {Upstream} from '../../../src/gateway/upstream.js'
import {fakeUpstream} from '../../helpers/fake-upstream.js'

test('least-outstanding: the fewest calls in flight wins; ties go round-robin from the cursor', () => {
  const r = (index: number, outstanding: number) => ({index, outstanding})
  assert.equal(leastOutstanding([r(0, 2), r(1, 0), r(2, 1)], 0, 3)?.index, 1)
  // All idle: the cursor decides, and wraps around.
  assert.equal(leastOutstanding([r(0, 0), r(1, 0), r(2, 0)], 0, 3)?.index, 0)
  assert.equal(leastOutstanding([r(0, 0), r(1, 0), r(2, 0)], 2, 3)?.index, 2)
  assert.equal(leastOutstanding([r(0, 0), r(1, 0), r(2, 0)], 3, 3)?.index, 0)
  // Ties among some: the first of them at or after the cursor.
  assert.equal(leastOutstanding([r(0, 1), r(1, 1), r(2, 3)], 2, 3)?.index, 0)
  // A missing replica (taken out) is simply not a candidate.
  assert.equal(leastOutstanding([r(0, 0), r(2, 0)], 1, 3)?.index, 2)
  assert.equal(leastOutstanding([], 0, 3), undefined)
})

test('least-outstanding with a moving cursor spreads idle calls evenly', () => {
  const replicas = [0, 1, 2].map((index) => ({index, outstanding: 0}))
  let cursor = 0
  const counts = [0, 0, 0]
  for (let i = 0; i < 30; i++) {
    const chosen = leastOutstanding(replicas, cursor, 3)!
    counts[chosen.index]!++
    cursor = chosen.index + 1
  }
  assert.deepEqual(counts, [10, 10, 10])
})

function clock() {
  let now = 1_000_000
  return {now: () => now, advance: (ms: number) => (now += ms)}
}

test('breaker: closed until N failures in a row; a success in between resets the count', () => {
  const t = clock()
  const b = new CircuitBreaker('fx', {failures: 3, cooldownMs: 10_000, now: t.now})
  b.admit().done('failure', 'boom 1')
  b.admit().done('failure', 'boom 2')
  b.admit().done('success')
  assert.equal(b.failuresInRow, 0)
  b.admit().done('failure', 'boom 3')
  b.admit().done('failure', 'boom 4')
  assert.equal(b.state, 'closed')
  // Neutral endings (cancelled, refused by a guard) neither count nor reset.
  b.admit().done('neutral')
  assert.equal(b.failuresInRow, 2)
  b.admit().done('failure', 'boom 5')
  assert.equal(b.state, 'open')
  assert.equal(b.calls, 7)
  assert.equal(b.errors, 5)
})

test('breaker: open fails fast with a clear message, half-open lets exactly one probe through', () => {
  const t = clock()
  const b = new CircuitBreaker('fx', {failures: 2, cooldownMs: 10_000, now: t.now})
  b.admit().done('failure', 'connect ECONNREFUSED')
  b.admit().done('failure', 'connect ECONNREFUSED')
  assert.equal(b.state, 'open')
  assert.throws(
    () => b.admit(),
    (err: Error) =>
      err instanceof CircuitOpenError &&
      err.message ===
        'server "fx" is failing: 2 call(s) failed in a row, last error: connect ECONNREFUSED; retrying in 10s',
  )
  t.advance(4000)
  assert.throws(() => b.admit(), /retrying in 6s/)
  t.advance(6000)
  assert.equal(b.state, 'half-open')
  const probe = b.admit()
  // While the probe runs, every other call still fails fast.
  assert.throws(() => b.admit(), /a probe call is deciding now/)
  probe.done('failure', 'still down')
  assert.equal(b.state, 'open', 'a failed probe opens the circuit for another cool-down')
  assert.throws(() => b.admit(), /last error: still down; retrying in 10s/)
  t.advance(10_000)
  b.admit().done('success')
  assert.equal(b.state, 'closed', 'a successful probe closes it')
  assert.equal(b.failuresInRow, 0)
  b.admit().done('success')
})

test('breaker: a neutral probe lets the next call probe; late endings of older calls decide nothing', () => {
  const t = clock()
  const b = new CircuitBreaker('fx', {failures: 1, cooldownMs: 1000, now: t.now})
  const early = b.admit()
  b.admit().done('failure', 'x')
  assert.equal(b.state, 'open')
  early.done('success')
  assert.equal(b.state, 'open', 'a call admitted before the circuit opened does not close it')
  t.advance(1000)
  b.admit().done('neutral')
  assert.equal(b.state, 'half-open')
  b.admit().done('success')
  assert.equal(b.state, 'closed')
})

test('breaker: 0 failures = off (never opens, still counts)', () => {
  const b = new CircuitBreaker('fx', {failures: 0, cooldownMs: 1000})
  for (let i = 0; i < 20; i++) b.admit().done('failure', 'x')
  assert.equal(b.state, 'closed')
  assert.equal(b.errors, 20)
})

test('classify: transport failures count, answers and refusals do not; refused connections were never sent', () => {
  assert.equal(classify(undefined).outcome, 'success')
  // A JSON-RPC error the server answered: the server works.
  assert.equal(classify(Object.assign(new Error('Invalid params'), {code: -32602})).outcome, 'success')
  assert.equal(
    classify(Object.assign(new Error('Request timed out'), {code: 'REQUEST_TIMEOUT'})).outcome,
    'failure',
  )
  assert.equal(classify(Object.assign(new Error('closed'), {code: 'CONNECTION_CLOSED'})).outcome, 'failure')
  assert.equal(classify(new Error('anything'), false).outcome, 'failure', 'the connection is gone')
  const refused = new TypeError('fetch failed', {
    cause: Object.assign(new Error('connect'), {code: 'ECONNREFUSED'}),
  })
  assert.deepEqual(
    [classify(refused).outcome, classify(refused).notSent, classify(refused).broken],
    ['failure', true, true],
  )
  for (const name of ['CallRefusedError', 'ClientCancelledError', 'CapacityError', 'CircuitOpenError']) {
    const err = new Error('x')
    err.name = name
    assert.equal(classify(err).outcome, 'neutral', name)
  }
  // On the raw path an unknown error may be a guard's: neutral unless it says the server failed.
  assert.equal(classify(new Error('an interceptor broke'), true, 'neutral').outcome, 'neutral')
  assert.equal(
    classify(new Error('server "x" did not answer tools/call within 5s'), true, 'neutral').outcome,
    'failure',
  )
})

test('--server-replicas and --circuit-cooldown parse, and say what is wrong', () => {
  assert.deepEqual(
    [...parseServerReplicas(['a=3', 'b=1,c=2'])],
    [
      ['a', 3],
      ['b', 1],
      ['c', 2],
    ],
  )
  assert.throws(
    () => parseServerReplicas(['a=0']),
    /--server-replicas "a=0": expected <server>=<n> with n from 1 to 64/,
  )
  assert.throws(() => parseServerReplicas(['a']), /--server-replicas "a"/)
  assert.throws(() => parseServerReplicas(['a=two']), /--server-replicas "a=two"/)
  assert.equal(parseCooldown('30s'), 30_000)
  assert.equal(parseCooldown('2m'), 120_000)
  assert.equal(parseCooldown('500ms'), 500)
  assert.equal(parseCooldown('7'), 7000)
  assert.throws(() => parseCooldown('soon'), /--circuit-cooldown "soon"/)
})

test('catalog: replicas and remote.urls are validated with file:line:column and field', () => {
  const failure = (text: string) => {
    try {
      parseCatalogText('team.yaml', text)
    } catch (err) {
      return (err as Error).message
    }
    return 'no error'
  }
  assert.match(
    failure('registry:\n  s:\n    image: i\n    replicas: 0\n'),
    /^team\.yaml:4:5: registry\.s\.replicas: expected 1 or more replicas/,
  )
  assert.match(
    failure('registry:\n  s:\n    image: i\n    replicas: 1.5\n'),
    /^team\.yaml:4:5: registry\.s\.replicas: expected (a whole number of replicas|an integer|a number)/,
  )
  assert.match(
    failure('registry:\n  s:\n    image: i\n    replicas: "3"\n'),
    /^team\.yaml:4:5: registry\.s\.replicas: expected (a whole number of replicas|an integer|a number)/,
  )
  assert.match(
    failure(
      'registry:\n  r:\n    remote:\n      url: https://a.example/mcp\n      urls: [https://b.example/mcp, ftp://c]\n',
    ),
    /^team\.yaml:5:\d+: registry\.r\.remote\.urls\[1\]: expected an http:\/\/ or https:\/\/ URL/,
  )
  const ok = parseCatalogText(
    'team.yaml',
    'registry:\n  s:\n    image: i\n    replicas: 3\n  r:\n    remote:\n      url: https://a.example/mcp\n      urls: [https://b.example/mcp]\n',
  )
  assert.equal(ok.registry.s!.replicas, 3)
  assert.deepEqual(ok.registry.r!.remote!.urls, ['https://b.example/mcp'])
})

function replicatedPool(
  options: {replicas?: number; maxPerServer?: number; maxContainers?: number; failStarts?: number} = {},
) {
  const started: Array<Upstream & {session: string; replica?: number}> = []
  let failStarts = options.failStarts ?? 0
  const p = new UpstreamPool(
    async (server, session, replica) => {
      if (failStarts > 0) {
        failStarts--
        throw new Error('image not found')
      }
      const u = Object.assign(fakeUpstream(server, session), {replica})
      started.push(u)
      return u
    },
    {
      maxPerServer: options.maxPerServer ?? 8,
      maxContainers: options.maxContainers ?? 16,
      idleMs: 0,
      replicas: (server) => (server === 'fx' ? (options.replicas ?? 3) : 1),
      replicaPingMs: 0,
      circuitFailures: 2,
      circuitCooldownMs: 60_000,
    },
  )
  return {pool: p, started}
}

const settled = async (check: () => boolean) => {
  for (let i = 0; i < 500 && !check(); i++) await new Promise((r) => setTimeout(r, 1))
  return check()
}

test('pool: a server with replicas starts N containers; concurrent calls go least-outstanding-first', async () => {
  const {pool: p, started} = replicatedPool()
  await p.use('fx', 's1', 'long-lived', undefined, async () => {})
  assert.ok(await settled(() => started.length === 3), 'three replicas started')
  assert.deepEqual(started.map((u) => u.replica).sort(), [0, 1, 2], 'each with its own replica index')
  assert.ok(await settled(() => p.serverStatus()[0]!.replicas.every((r) => r.state === 'ready')))
  // 3 calls held open: one on each replica.
  const gates: Array<() => void> = []
  const seen: Upstream[] = []
  const held = [0, 1, 2].map(() =>
    p.use('fx', 's1', 'long-lived', undefined, (u) => {
      seen.push(u)
      return new Promise<void>((r) => gates.push(r))
    }),
  )
  assert.ok(await settled(() => seen.length === 3))
  assert.equal(new Set(seen).size, 3, 'three calls in flight, one per replica')
  // The raw path sees the same counts: with one replica freed, it takes that one.
  gates.shift()!()
  await held[0]
  const raw = p.holdReady('fx', 's1')!
  assert.equal(raw.upstream, seen[0], 'the raw path picked the replica with no call in flight')
  const status = p.serverStatus()[0]!
  assert.deepEqual(
    status.replicas.map((r) => r.outstanding),
    [1, 1, 1],
    JSON.stringify(status),
  )
  raw.release()
  for (const g of gates) g()
  await Promise.all(held)
  await p.closeAll()
  assert.ok(
    started.every((u) => !u.isOpen),
    'every replica closed',
  )
})

test('pool: replicas stay within --max-containers-per-server; a lost replica is replaced', async () => {
  const {pool: p, started} = replicatedPool({replicas: 3, maxPerServer: 2})
  const lines: string[] = []
  await p.use('fx', 's1', 'long-lived', undefined, async () => {})
  assert.ok(await settled(() => started.length === 2))
  await new Promise((r) => setTimeout(r, 20))
  assert.equal(started.length, 2, 'never above the cap')
  assert.equal(p.containersHeld, 2)
  void lines
  // One replica dies (its container was killed): it is replaced, the cap still holds.
  await started[0]!.close()
  assert.ok(await settled(() => started.length === 3), 'a replacement started')
  assert.equal(p.containersHeld, 2)
  assert.ok(
    await settled(() => p.serverStatus()[0]!.replicas.filter((r) => r.state === 'ready').length === 2),
    JSON.stringify(p.serverStatus()),
  )
  await p.closeAll()
})

test('pool: a request refused before it left is retried on another replica; other failures are not', async () => {
  const {pool: p, started} = replicatedPool({replicas: 2})
  await p.use('fx', 's1', 'long-lived', undefined, async () => {})
  assert.ok(
    await settled(() => p.serverStatus()[0]!.replicas.filter((r) => r.state === 'ready').length === 2),
  )
  const refused = () =>
    new TypeError('fetch failed', {cause: Object.assign(new Error('connect'), {code: 'ECONNREFUSED'})})
  const tried: Upstream[] = []
  const result = await p.use('fx', 's1', 'long-lived', undefined, async (u) => {
    tried.push(u)
    if (tried.length === 1) throw refused()
    return 'answered'
  })
  assert.equal(result, 'answered')
  assert.equal(tried.length, 2)
  assert.notEqual(tried[0], tried[1], 'retried on the other replica')
  assert.ok(await settled(() => !tried[0]!.isOpen), 'the refusing replica was taken out')
  // A call that may have reached its server (timed out) is not sent again.
  const attempts: Upstream[] = []
  await assert.rejects(
    p.use('fx', 's1', 'long-lived', undefined, async (u) => {
      attempts.push(u)
      throw Object.assign(new Error('Request timed out'), {code: 'REQUEST_TIMEOUT'})
    }),
    /timed out/,
  )
  assert.equal(attempts.length, 1)
  void started
  await p.closeAll()
})

test('pool: the breaker opens after repeated start failures, fails fast, and the raw path stays off', async () => {
  const {pool: p} = replicatedPool({failStarts: 100})
  await assert.rejects(
    p.use('one', 's1', 'long-lived', undefined, async () => {}),
    /image not found/,
  )
  await assert.rejects(
    p.use('one', 's1', 'long-lived', undefined, async () => {}),
    /image not found/,
  )
  await assert.rejects(
    p.use('one', 's1', 'long-lived', undefined, async () => {}),
    /server "one" is failing: 2 call\(s\) failed in a row, last error: image not found; retrying in 60s/,
  )
  const status = p.serverStatus().find((s) => s.server === 'one')!
  assert.equal(status.circuit, 'open')
  assert.equal(status.errors, 2)
  assert.equal(p.holdReady('one', 's1'), undefined)
  await p.closeAll()
})

test('pool: raw-path holds report to the breaker only when they carry an outcome (a hold that ends says nothing)', async () => {
  const {pool: p} = replicatedPool()
  await p.use('one', 's1', 'long-lived', undefined, async () => {})
  const timeout = Object.assign(new Error('server "one" did not answer tools/call within 5s'), {})
  // One failure on the regular path, then a hold released without outcome (the raw path declined the call,
  // or a subscription ended): it must not reset the count, as it did when every release was a success.
  await assert.rejects(
    p.use('one', 's1', 'long-lived', undefined, async () => {
      throw Object.assign(new Error('Request timed out'), {code: 'REQUEST_TIMEOUT'})
    }),
  )
  p.holdReady('one', 's1')!.release()
  p.holdReady('one', 's1')!.release({error: timeout})
  assert.equal(p.serverStatus().find((s) => s.server === 'one')!.circuit, 'open', 'two failures in a row')
  assert.equal(p.holdReady('one', 's1'), undefined, 'an open circuit: no raw path')
  await p.closeAll()
  const {pool: q} = replicatedPool()
  await q.use('one', 's1', 'long-lived', undefined, async () => {})
  q.holdReady('one', 's1')!.release({error: timeout})
  q.holdReady('one', 's1')!.release({})
  q.holdReady('one', 's1')!.release({error: timeout})
  assert.equal(
    q.serverStatus().find((s) => s.server === 'one')!.circuit,
    'closed',
    'an answer in between resets',
  )
  await q.closeAll()
})
