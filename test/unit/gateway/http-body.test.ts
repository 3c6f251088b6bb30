/**
 * The request-body cap, against a real HTTP server on loopback and real requests: a Content-Length over
 * the cap is refused before reading, and a chunked body (no Content-Length, so nothing to check up front)
 * is refused as it crosses the cap. Exactly the cap is accepted in both forms.
 */
import assert from 'node:assert/strict'
import http from 'node:http'
import type {AddressInfo} from 'node:net'
import {after, before, test} from 'node:test'

import {BodyTooLarge, readBody} from '../../../src/gateway/http/body.js'

const MAX = 1000
let server: http.Server
let port = 0
/** What the server made of each request: the length it read, or "too large". */
const seen: string[] = []

before(async () => {
  server = http.createServer((req, res) => {
    readBody(req, MAX).then(
      (body) => {
        seen.push(`read ${body.length}`)
        res.end('ok')
      },
      (err: unknown) => {
        seen.push(err instanceof BodyTooLarge ? 'too large' : `error ${String(err)}`)
        res.writeHead(413, {connection: 'close'}).end('too large')
      },
    )
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  port = (server.address() as AddressInfo).port
})
after(() => new Promise<void>((resolve) => server.close(() => resolve())))

/** POST `chunks`, chunked unless `length` is given; resolves with the status (or "reset"). */
function post(chunks: Buffer[], length?: number): Promise<number | 'reset'> {
  return new Promise((resolve) => {
    const req = http.request({
      host: '127.0.0.1',
      port,
      method: 'POST',
      path: '/',
      headers: length === undefined ? {'transfer-encoding': 'chunked'} : {'content-length': String(length)},
    })
    req.on('response', (res) => {
      res.resume()
      res.on('end', () => resolve(res.statusCode ?? 0))
    })
    req.on('error', () => resolve('reset'))
    for (const c of chunks) req.write(c)
    req.end()
  })
}

const bytes = (n: number) => Buffer.alloc(n, 'x')

test('a chunked body over the cap is refused, however it is split', async () => {
  seen.length = 0
  const status = await post([bytes(600), bytes(600)])
  assert.equal(status, 413)
  assert.deepEqual(seen, ['too large'])
  seen.length = 0
  assert.equal(await post(Array.from({length: 11}, () => bytes(100))), 413)
  assert.deepEqual(seen, ['too large'])
})

test('a declared Content-Length over the cap is refused; exactly the cap passes, chunked or not', async () => {
  seen.length = 0
  assert.equal(await post([bytes(MAX + 1)], MAX + 1), 413)
  assert.deepEqual(seen, ['too large'])
  seen.length = 0
  assert.equal(await post([bytes(MAX)], MAX), 200)
  assert.equal(await post([bytes(500), bytes(500)]), 200)
  assert.deepEqual(seen, [`read ${MAX}`, `read ${MAX}`])
})
