import assert from 'node:assert/strict'
import http from 'node:http'
import type {AddressInfo} from 'node:net'
import {after, before, describe, test} from 'node:test'

import {internalReason} from '../../../src/gateway/remote-address.js'
import {guardedFetch, type RemotePolicy, type Resolver} from '../../../src/gateway/remote-fetch.js'

/**
 * The guarded fetch against real servers on loopback. 127.0.0.1 plays "a public server" (the policy is
 * told so); 127.0.0.2 is a private address like any other, with a server that counts every request: a
 * refusal is only real if nothing reached it.
 */
describe('guardedFetch: redirects and DNS rebinding, against real servers', () => {
  let publicServer: http.Server
  let privateServer: http.Server
  let rebindPublic: http.Server
  let otherPortServer: http.Server
  let otherPort = 0
  let otherPortHits = 0
  let port = 0
  let privatePort = 0
  let privateHits = 0
  const publicHits: string[] = []

  const listen = (server: http.Server, host: string, p = 0) =>
    new Promise<number>((resolve) =>
      server.listen(p, host, () => resolve((server.address() as AddressInfo).port)),
    )

  before(async () => {
    privateServer = http.createServer((req, res) => {
      privateHits++
      res.end('private data')
    })
    privatePort = await listen(privateServer, '127.0.0.2')
    publicServer = http.createServer((req, res) => {
      publicHits.push(`${req.method} ${req.url} ${req.headers['x-api-key'] ?? ''}`)
      const go = (location: string) => res.writeHead(302, {location}).end()
      if (req.url === '/to-private-ip') return go(`http://127.0.0.2:${privatePort}/`)
      if (req.url === '/to-private-name') return go(`http://internal.test:${privatePort}/`)
      if (req.url === '/to-mapped') return go(`http://[::ffff:127.0.0.2]:${privatePort}/`)
      if (req.url === '/to-same-origin') return go('/landing')
      if (req.url === '/to-other-origin') return go(`http://other.test:${port}/landing`)
      // Same host, another port: another service, and so another origin.
      if (req.url === '/to-other-port') return go(`http://public.test:${otherPort}/landing`)
      const hops = /^\/hop\/(\d+)$/.exec(req.url ?? '')
      if (hops && hops[1] !== '0') return go(`/hop/${Number(hops[1]) - 1}`)
      if (req.url === '/stream') {
        res.writeHead(200, {'content-type': 'text/event-stream'})
        res.write('data: one\n\n')
        setTimeout(() => res.end('data: two\n\n'), 50)
        return
      }
      let body = ''
      req.on('data', (d: Buffer) => (body += d.toString()))
      req.on('end', () => res.end(`public ${req.method} ${req.url} ${body}`))
    })
    port = await listen(publicServer, '127.0.0.1')
    otherPortServer = http.createServer((req, res) => {
      otherPortHits++
      res.end('another service')
    })
    otherPort = await listen(otherPortServer, '127.0.0.1')
    // The rebinding target: a server on the same port of 127.0.0.2.
    rebindPublic = http.createServer((req, res) => {
      privateHits++
      res.end('rebound to a private address')
    })
    await listen(rebindPublic, '127.0.0.2', port)
  })
  after(() => {
    for (const s of [publicServer, privateServer, rebindPublic, otherPortServer]) s.close()
  })

  const names: Record<string, string[]> = {
    'public.test': ['127.0.0.1'],
    'other.test': ['127.0.0.1'],
    'internal.test': ['127.0.0.2'],
  }
  const policy = (resolve: Resolver = async (n) => names[n] ?? []): RemotePolicy => ({
    allowHttp: true,
    allowPrivate: false,
    resolve,
    refuse: (address) => (address === '127.0.0.1' ? undefined : internalReason(address)),
  })

  test('a redirect whose Location is private (address, name or mapped form) is refused before connecting', async () => {
    const f = guardedFetch(policy())
    for (const path of ['/to-private-ip', '/to-private-name', '/to-mapped']) {
      await assert.rejects(f(`http://public.test:${port}${path}`), /private or local/, path)
    }
    assert.equal(privateHits, 0)
    assert.ok(publicHits.length >= 3)
  })

  test('a same-origin redirect is followed (checked again); another origin is refused', async () => {
    const f = guardedFetch(policy())
    const r = await f(`http://public.test:${port}/to-same-origin`, {headers: {'x-api-key': 'k'}})
    assert.equal(await r.text(), 'public GET /landing ')
    await assert.rejects(f(`http://public.test:${port}/to-other-origin`), /another origin/)
    await assert.rejects(f(`http://public.test:${port}/to-other-port`), /another origin/)
    assert.equal(otherPortHits, 0)
    // redirect: manual hands the 302 back (the SDK follows within the origin by calling fetch again).
    const manual = await f(`http://public.test:${port}/to-private-ip`, {redirect: 'manual'})
    assert.equal(manual.status, 302)
    assert.equal(privateHits, 0)
  })

  test('up to 5 redirects are followed, a 6th is refused', async () => {
    const f = guardedFetch(policy())
    assert.equal(await (await f(`http://public.test:${port}/hop/5`)).text(), 'public GET /hop/0 ')
    await assert.rejects(f(`http://public.test:${port}/hop/6`), /more than 5 redirects/)
  })

  test('DNS rebinding: the request goes to the address that was checked, not to a second answer', async () => {
    let asked = 0
    const rebinding: Resolver = async (n) => {
      if (n !== 'rebind.test') return []
      asked++
      return asked === 1 ? ['127.0.0.1'] : ['127.0.0.2']
    }
    const r = await guardedFetch(policy(rebinding))(`http://rebind.test:${port}/hello`, {
      method: 'POST',
      headers: {'content-type': 'text/plain', 'x-api-key': 'secret-key'},
      body: 'payload',
    })
    assert.equal(await r.text(), 'public POST /hello payload')
    assert.equal(asked, 1)
    assert.equal(privateHits, 0)
    assert.ok(publicHits.includes('POST /hello secret-key'))
  })

  test('streamed responses arrive as a stream (SSE)', async () => {
    const r = await guardedFetch(policy())(`http://public.test:${port}/stream`)
    assert.equal(r.headers.get('content-type'), 'text/event-stream')
    assert.equal(await r.text(), 'data: one\n\ndata: two\n\n')
  })
})
