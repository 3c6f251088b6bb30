import assert from 'node:assert/strict'
import http from 'node:http'
import net from 'node:net'
import {test} from 'node:test'

import {limitConnections} from '../../src/gateway/http/connections.js'

/** A server capped at 3 connections that trusts requests carrying `x-ok` (stands for a valid token). */
async function cappedServer() {
  const holds: Array<() => void> = []
  const server = http.createServer((req, res) => {
    if (req.headers['x-ok'] !== '1') return void res.writeHead(401, {connection: 'close'}).end()
    limiter.admitted(req, res)
    // `x-hold` keeps the request in flight until released.
    if (req.headers['x-hold']) return void holds.push(() => res.end('held'))
    res.end('ok')
  })
  const limiter = limitConnections(server, 3)
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  return {server, limiter, holds, port: (server.address() as net.AddressInfo).port}
}

const closed = (s: net.Socket) => new Promise<void>((r) => (s.destroyed ? r() : s.once('close', () => r())))

function idleSocket(port: number): Promise<net.Socket> {
  return new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1', () => resolve(s))
    s.on('error', () => {})
    s.resume()
  })
}

function get(port: number, headers: Record<string, string>): Promise<string> {
  return new Promise((resolve, reject) => {
    http
      .get({host: '127.0.0.1', port, headers, agent: false}, (res) => {
        let body = ''
        res.on('data', (d: Buffer) => (body += d.toString()))
        res.on('end', () => resolve(`${res.statusCode} ${body}`))
      })
      .on('error', reject)
  })
}

test('at the cap, the oldest unauthenticated connection makes room for a new one', async () => {
  const {server, limiter, port} = await cappedServer()
  try {
    const idle = [await idleSocket(port), await idleSocket(port), await idleSocket(port)]
    assert.equal(await get(port, {'x-ok': '1'}), '200 ok')
    await closed(idle[0]!)
    assert.equal(idle[1]!.destroyed || idle[2]!.destroyed, false)
    assert.ok(limiter.shed >= 1)
  } finally {
    server.closeAllConnections()
    server.close()
  }
})

test('authenticated connections with a request in flight are never shed: the newcomer is refused', async () => {
  const {server, limiter, holds, port} = await cappedServer()
  try {
    const busy = [1, 2, 3].map(() => get(port, {'x-ok': '1', 'x-hold': '1'}))
    while (holds.length < 3) await new Promise((r) => setTimeout(r, 20))
    await assert.rejects(get(port, {'x-ok': '1'}), /socket hang up|ECONNRESET/)
    assert.equal(limiter.size, 3)
    for (const release of holds) release()
    assert.deepEqual(await Promise.all(busy), ['200 held', '200 held', '200 held'])
  } finally {
    server.closeAllConnections()
    server.close()
  }
})
