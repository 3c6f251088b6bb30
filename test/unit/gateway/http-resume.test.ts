import assert from 'node:assert/strict'
import {describe, test} from 'node:test'

import type {JSONRPCMessage} from '@modelcontextprotocol/server'

import {SessionEventStore} from '../../../src/gateway/http/event-store.js'
import {SessionTable} from '../../../src/gateway/http/sessions.js'
import {ListingRetry} from '../../../src/gateway/relist.js'

const note = (n: number): JSONRPCMessage =>
  ({
    jsonrpc: '2.0',
    method: 'notifications/message',
    params: {level: 'info', data: `m${n}`},
  }) as JSONRPCMessage

async function replay(store: SessionEventStore, after: string) {
  const sent: Array<[string, JSONRPCMessage]> = []
  const stream = await store.replayEventsAfter(after, {send: async (id, m) => void sent.push([id, m])})
  return {stream, sent}
}

describe('SessionEventStore (resumable streams)', () => {
  test('replays the events of the same stream after the last one seen, in order, without priming events', async () => {
    const store = new SessionEventStore()
    const priming = await store.storeEvent('post-1', {} as JSONRPCMessage)
    const a = await store.storeEvent('post-1', note(1))
    await store.storeEvent('_GET_stream', note(99))
    const b = await store.storeEvent('post-1', note(2))
    const c = await store.storeEvent('post-1', note(3))
    assert.equal(await store.getStreamIdForEventId(priming), 'post-1')
    const {stream, sent} = await replay(store, priming)
    assert.equal(stream, 'post-1')
    assert.deepEqual(sent, [
      [a, note(1)],
      [b, note(2)],
      [c, note(3)],
    ])
    assert.deepEqual((await replay(store, b)).sent, [[c, note(3)]])
  })

  test("one store per session: another session's event ids are unknown, and ids never collide", async () => {
    const mine = new SessionEventStore()
    const theirs = new SessionEventStore()
    const theirId = await theirs.storeEvent('_GET_stream', note(1))
    const myId = await mine.storeEvent('_GET_stream', note(2))
    assert.notEqual(theirId, myId)
    assert.equal(await mine.getStreamIdForEventId(theirId), undefined)
    await assert.rejects(replay(mine, theirId))
  })

  test('bounded by events and bytes per session, oldest first; clear drops everything', async () => {
    const byCount = new SessionEventStore({maxEvents: 3, maxBytes: 1e6})
    const ids = []
    for (let i = 0; i < 10; i++) ids.push(await byCount.storeEvent('s', note(i)))
    assert.equal(byCount.size, 3)
    assert.equal(await byCount.getStreamIdForEventId(ids[6]!), undefined, 'dropped: cannot resume from it')
    assert.deepEqual(
      (await replay(byCount, ids[7]!)).sent.map(([id]) => id),
      [ids[8], ids[9]],
    )
    const size = JSON.stringify(note(1)).length
    const byBytes = new SessionEventStore({maxEvents: 1000, maxBytes: size * 4})
    for (let i = 0; i < 100; i++) await byBytes.storeEvent('s', note(i % 10))
    assert.ok(byBytes.heldBytes <= size * 4, `${byBytes.heldBytes}`)
    assert.equal(byBytes.size, 4)
    byBytes.clear()
    assert.equal(byBytes.size, 0)
    assert.equal(byBytes.heldBytes, 0)
  })

  test('a message too large to keep makes its stream unresumable, never replayed with a hole', async () => {
    const store = new SessionEventStore({maxEvents: 100, maxBytes: 200})
    const before = await store.storeEvent('s', note(1))
    await store.storeEvent('s', {jsonrpc: '2.0', id: 1, result: {text: 'x'.repeat(500)}} as JSONRPCMessage)
    const other = await store.storeEvent('t', note(2))
    assert.equal(await store.getStreamIdForEventId(before), undefined)
    await assert.rejects(replay(store, before))
    // Other streams are unaffected.
    assert.equal(await store.getStreamIdForEventId(other), 't')
  })
})

describe('SessionTable: sessions abandoned without DELETE', () => {
  const make = () => {
    let now = 0
    const closed: string[] = []
    const table = new SessionTable(
      {maxSessions: 9, maxPerOwner: 9, idleMs: 1_800_000, ttlMs: 60_000},
      () => now,
    )
    const add = (id: string) => table.add(id, 'x', async () => void closed.push(id))
    return {table, add, closed, tick: (ms: number) => (now += ms)}
  }

  test('a session whose client dropped its event stream and sent nothing for the TTL is closed', async () => {
    const {table, add, closed, tick} = make()
    add('gone')
    add('streaming')
    add('no-stream')
    table.begin('gone', {stream: true})()
    table.begin('streaming', {stream: true})
    table.begin('no-stream')()
    tick(59_999)
    assert.deepEqual(await table.sweep(), [])
    tick(1)
    // The stream-holding client is still there; a client that never held a stream keeps the long timeout.
    assert.deepEqual(await table.sweep(), ['gone'])
    assert.deepEqual(closed, ['gone'])
    tick(1_800_000)
    assert.deepEqual(await table.sweep(), ['no-stream'])
  })

  test('a request after the stream closed keeps the session for another TTL', async () => {
    const {table, add, tick} = make()
    add('s')
    table.begin('s', {stream: true})()
    tick(50_000)
    table.begin('s')()
    tick(50_000)
    assert.deepEqual(await table.sweep(), [])
    tick(10_000)
    assert.deepEqual(await table.sweep(), ['s'])
  })
})

describe('ListingRetry (a server down at start)', () => {
  test('tries again with doubling delays up to the cap, stops on success', async () => {
    const delays: number[] = []
    let attempts = 0
    const failures: string[] = []
    await new Promise<void>((resolve) => {
      const retry = new ListingRetry<string>({
        firstMs: 1000,
        maxMs: 5000,
        onFailure: (key, err) => failures.push(`${key}: ${err.message}`),
        // Record the delays and run at once: no test waits for real backoff.
        schedule: (fn, ms) => {
          delays.push(ms)
          setImmediate(fn)
          return () => {}
        },
      })
      retry.start('remote', async () => {
        if (++attempts < 6) throw new Error('connection refused')
        resolve()
      })
      // Started twice: one retry loop per key.
      retry.start('remote', async () => assert.fail('a second loop for the same key'))
    })
    assert.equal(attempts, 6)
    assert.deepEqual(delays, [1000, 2000, 4000, 5000, 5000, 5000])
    assert.equal(failures.length, 5)
    assert.equal(failures[0], 'remote: connection refused')
  })

  test('stop cancels what is pending', async () => {
    const retry = new ListingRetry<string>({firstMs: 10, maxMs: 10})
    let attempts = 0
    retry.start('remote', async () => void attempts++)
    assert.equal(retry.pending('remote'), true)
    retry.stop()
    await new Promise((r) => setTimeout(r, 30))
    assert.equal(attempts, 0)
    retry.start('remote', async () => void attempts++)
    assert.equal(retry.pending('remote'), false)
  })
})
