import assert from 'node:assert/strict'
import {describe, test} from 'node:test'

import {checkHost, checkOrigin, parseHostHeader} from '../../../src/gateway/http/guards.js'
import {SessionTable} from '../../../src/gateway/http/sessions.js'

describe('Host header', () => {
  test('malformed values are 400, whatever the bind address', () => {
    for (const host of [
      undefined,
      '',
      'localhost@evil',
      'localhost:8811@evil',
      'a b',
      'localhost:',
      'localhost:99999',
      'localhost:-1',
      '[::1',
      '::1',
      'http://localhost',
      'a/b',
      'localhost\t',
    ]) {
      for (const loopback of [true, false]) {
        const v = checkHost(host, loopback)
        assert.equal(v.ok ? 200 : v.status, 400, `${host} (loopback ${loopback})`)
      }
    }
  })
  test('on a loopback gateway only local names pass; elsewhere any well-formed host', () => {
    for (const host of [
      'localhost',
      'localhost:8811',
      '127.0.0.1:1',
      '127.9.9.9',
      '[::1]',
      '[::1]:8811',
      '[::ffff:127.0.0.1]',
      '[0:0:0:0:0:0:0:1]',
    ])
      assert.equal(checkHost(host, true).ok, true, host)
    for (const host of [
      'evil.example',
      'localhost.evil.example',
      '127.0.0.1.evil.example',
      '10.0.0.1',
      '[::2]',
    ]) {
      const v = checkHost(host, true)
      assert.equal(v.ok ? 200 : v.status, 403, host)
      assert.equal(checkHost(host, false).ok, true, host)
    }
    assert.deepEqual(parseHostHeader('LocalHost:80'), {hostname: 'localhost', port: 80})
  })
})

describe('Origin header', () => {
  test('absent, or a local http(s) origin, passes', () => {
    for (const o of [
      undefined,
      'http://localhost',
      'http://localhost:8811',
      'https://127.0.0.1:3000',
      'http://[::1]:8811',
    ])
      assert.equal(checkOrigin(o).ok, true, o)
  })
  test('origins that only start like a local one, and odd ones, are refused', () => {
    for (const o of [
      'http://localhost.evil.example',
      'http://127.0.0.1.evil.example',
      'http://localhost:8811@evil.example',
      'http://localhost:8811.evil.example',
      'http://127.0.0.1:80@evil.example',
      // Userinfo is never part of a real origin: a user name or a password alone is as odd as both.
      'http://evil@localhost',
      'http://:secret@localhost',
      'http://evil:secret@localhost',
      'https://evil.example',
      'null',
      'file://',
      'chrome-extension://localhost',
      'localhost',
      '',
    ]) {
      const v = checkOrigin(o)
      assert.equal(v.ok ? 200 : v.status, 403, o)
    }
  })
})

describe('SessionTable', () => {
  const make = (limits = {maxSessions: 3, maxPerOwner: 2, idleMs: 1000}) => {
    let now = 0
    const closed: string[] = []
    const table = new SessionTable(limits, () => now)
    const add = (id: string, owner: string) => table.add(id, owner, async () => void closed.push(id))
    return {table, add, closed, tick: (ms: number) => (now += ms)}
  }

  test('per-owner cap (429) before the global cap (503); both name their flag', () => {
    const {table, add} = make()
    add('a', 'x')
    add('b', 'x')
    assert.equal(table.refusal('x')?.status, 429)
    assert.match(table.refusal('x')!.message, /--max-sessions-per-token/)
    assert.equal(table.refusal('y'), undefined)
    add('c', 'y')
    assert.equal(table.refusal('z')?.status, 503)
    assert.match(table.refusal('z')!.message, /--max-sessions\b/)
    table.remove('a')
    assert.equal(table.refusal('x'), undefined)
    table.remove('a')
    assert.equal(table.size, 2)
  })

  test('idle sessions expire; active ones (a request or a stream open) do not', async () => {
    const {table, add, closed, tick} = make()
    add('idle', 'x')
    add('busy', 'x')
    add('recent', 'y')
    const end = table.begin('busy')
    tick(900)
    table.begin('recent')()
    tick(200)
    assert.deepEqual(await table.sweep(), ['idle'])
    assert.deepEqual(closed, ['idle'])
    assert.equal(table.has('idle'), false)
    tick(5000)
    assert.deepEqual(await table.sweep(), ['recent'])
    end()
    end()
    tick(999)
    assert.deepEqual(await table.sweep(), [])
    tick(1)
    assert.deepEqual(await table.sweep(), ['busy'])
    assert.equal(table.size, 0)
  })

  test('idleMs 0 never expires', async () => {
    const {table, add, tick} = make({maxSessions: 9, maxPerOwner: 9, idleMs: 0})
    add('a', 'x')
    tick(1e9)
    assert.deepEqual(await table.sweep(), [])
  })
})
