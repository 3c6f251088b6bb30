import assert from 'node:assert/strict'
import {test} from 'node:test'

import {PendingCalls} from '../../../src/gateway/pending-calls.js'

test('take returns a call once and empties its box; takeAll returns the rest in order', () => {
  const calls = new PendingCalls<string, {name: string}>()
  const a = {name: 'a'}
  calls.set('a', a)
  calls.set('b', {name: 'b'})
  calls.set('c', {name: 'c'})
  // What a stale reference to the table would still see: the box of 'a'.
  const box = (calls as unknown as {entries: Map<string, {value: unknown}>}).entries.get('a')!
  assert.equal(calls.size, 3)
  assert.equal(calls.get('a'), a)
  assert.equal(calls.take('a'), a)
  assert.equal(box.value, undefined, 'the box still holds the call')
  assert.equal(calls.take('a'), undefined)
  assert.equal(calls.get('a'), undefined)
  assert.deepEqual(
    calls.takeAll().map((c) => c.name),
    ['b', 'c'],
  )
  assert.equal(calls.size, 0)
})
