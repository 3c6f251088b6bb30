/**
 * Replicas without sticky sessions (src/gateway/http/cluster/): the session id scheme, the peer set, and the
 * relay, against real HTTP servers on loopback. The security property: the address a request is relayed to
 * comes from the resolved peer set only, so a forged session id gets a 404 and no connection anywhere.
 */
import assert from 'node:assert/strict'
import http from 'node:http'
import net from 'node:net'
import {after, before, describe, test} from 'node:test'

import {SSEServerTransport} from '@modelcontextprotocol/server-legacy/sse'

import {Cluster, HOP_HEADER, replicaOptions} from '../../../src/gateway/http/cluster/index.js'
import {advertisedAddress, parsePeerSpec, PeerSet} from '../../../src/gateway/http/cluster/peers.js'
import {ownedSessionId, ownerTag, replicaTag} from '../../../src/gateway/http/cluster/session-id.js'
import type {Logger} from '../../../src/gateway/logger.js'

const quiet = {info() {}, warn() {}, debug() {}, error() {}} as unknown as Logger

describe('session ids', () => {
  test('an id carries its owner tag; other shapes have none', () => {
    const tag = replicaTag('10.0.0.5:8811')
    assert.match(tag, /^[0-9a-f]{12}$/)
    const id = ownedSessionId(tag)
    assert.equal(ownerTag(id), tag)
    assert.equal(ownerTag(crypto.randomUUID()), undefined)
    assert.equal(ownerTag(`${tag}.not-a-uuid`), undefined)
    assert.equal(ownerTag(`127.0.0.1:1.${crypto.randomUUID()}`), undefined)
    assert.equal(ownerTag(`${tag}.${crypto.randomUUID()}\n`), undefined)
  })

  test('tags are a digest of the address: stable, distinct, and no address in the id', () => {
    assert.equal(replicaTag('10.0.0.5:8811'), replicaTag('10.0.0.5:8811'))
    assert.notEqual(replicaTag('10.0.0.5:8811'), replicaTag('10.0.0.6:8811'))
    assert.notEqual(replicaTag('10.0.0.5:8811'), replicaTag('10.0.0.5:8812'))
    assert.ok(!ownedSessionId(replicaTag('10.0.0.5:8811')).includes('10.0.0.5'))
  })
})

describe('--peers and --advertise', () => {
  test('items: names, IPv4, IPv6 in brackets, default port', () => {
    assert.deepEqual(parsePeerSpec('tasks.gateway, 10.0.0.5:9000,[fd00::1]:8000,::1', 8811), [
      {host: 'tasks.gateway', port: 8811, name: true},
      {host: '10.0.0.5', port: 9000, name: false},
      {host: 'fd00::1', port: 8000, name: false},
      {host: '::1', port: 8811, name: false},
    ])
  })

  test('bad items are named in the error', () => {
    assert.throws(() => parsePeerSpec(' , ', 8811), /names no replica/)
    assert.throws(() => parsePeerSpec('a:b:c', 8811), /"a:b:c" is not host:port/)
    assert.throws(() => parsePeerSpec('10.0.0.1:70000', 8811), /"10.0.0.1:70000" has no valid port/)
    assert.throws(() => parsePeerSpec('http://x/', 8811), /--peers/)
    assert.throws(() => parsePeerSpec('evil host', 8811), /neither an IP address nor a DNS name/)
  })

  test('advertise: given, the specific listen address, else the first non-loopback IPv4', () => {
    assert.deepEqual(advertisedAddress('10.1.2.3:9', {host: '0.0.0.0', port: 8811}), {
      host: '10.1.2.3',
      port: 9,
    })
    assert.deepEqual(advertisedAddress(undefined, {host: '127.0.0.1', port: 8811}), {
      host: '127.0.0.1',
      port: 8811,
    })
    const interfaces = () => ({
      lo: [{address: '127.0.0.1', family: 'IPv4', internal: true}],
      eth0: [
        {address: 'fe80::1', family: 'IPv6', internal: false},
        {address: '10.0.1.7', family: 'IPv4', internal: false},
      ],
    })
    assert.deepEqual(advertisedAddress(undefined, {host: '0.0.0.0', port: 8811}, interfaces as never), {
      host: '10.0.1.7',
      port: 8811,
    })
    assert.throws(
      () => advertisedAddress('gw.example:1', {host: '0.0.0.0', port: 1}),
      /must be an IP address/,
    )
    assert.throws(() => advertisedAddress(undefined, {host: '', port: 0}), /fixed --port/)
  })

  test('the environment stands in for the flags', () => {
    assert.equal(replicaOptions({}, {}), undefined)
    assert.deepEqual(replicaOptions({}, {MCP_GATEWAY_PEERS: 'tasks.gw:8811'}), {
      peers: 'tasks.gw:8811',
      advertise: undefined,
    })
    assert.deepEqual(replicaOptions({peers: 'a:1'}, {MCP_GATEWAY_PEERS: 'b:2'}), {
      peers: 'a:1',
      advertise: undefined,
    })
  })
})

describe('peer set', () => {
  test('a name resolves to all its addresses; an unknown tag resolves again (rate-limited); a DNS hiccup keeps the set', async () => {
    let answers: string[] | Error = ['10.0.0.1', '10.0.0.2']
    let lookups = 0
    let now = 0
    const set = new PeerSet(parsePeerSpec('tasks.gw:8811', 8811), {
      lookup: async () => {
        lookups++
        if (answers instanceof Error) throw answers
        return answers
      },
      now: () => now,
    })
    await set.refresh()
    assert.deepEqual(
      set
        .list()
        .map((p) => p.address)
        .sort(),
      ['10.0.0.1:8811', '10.0.0.2:8811'],
    )
    // A replica that just started: its first session reaches another before the periodic refresh.
    answers = ['10.0.0.1', '10.0.0.2', '10.0.0.3']
    now = 5000
    assert.equal((await set.find(replicaTag('10.0.0.3:8811')))?.address, '10.0.0.3:8811')
    // Forged tags: at most one lookup per second.
    const before = lookups
    now = 5100
    assert.equal(await set.find('0123456789ab'), undefined)
    assert.equal(await set.find('0123456789ac'), undefined)
    assert.equal(lookups, before)
    answers = Object.assign(new Error('timeout'), {code: 'ETIMEOUT'})
    now = 9000
    await set.refresh()
    assert.equal(set.list().length, 3)
    answers = Object.assign(new Error('gone'), {code: 'ENOTFOUND'})
    await set.refresh()
    assert.equal(set.list().length, 0)
  })
})

/** A server on loopback that records every connection and answers with what it got. */
async function recorder(): Promise<{
  server: http.Server
  port: number
  connections: number
  seen: http.IncomingHttpHeaders[]
}> {
  const state = {
    server: undefined as unknown as http.Server,
    port: 0,
    connections: 0,
    seen: [] as http.IncomingHttpHeaders[],
  }
  state.server = http.createServer((req, res) => {
    state.seen.push(req.headers)
    let body = ''
    req.setEncoding('utf8').on('data', (d: string) => (body += d))
    req.on('end', () => {
      res.writeHead(200, {
        'content-type': 'text/event-stream',
        'mcp-session-id': String(req.headers['mcp-session-id']),
      })
      res.write(`data: ${JSON.stringify({method: req.method, url: req.url, body})}\n\n`)
      setTimeout(() => res.end('data: end\n\n'), 20)
    })
  })
  state.server.on('connection', () => state.connections++)
  await new Promise<void>((r) => state.server.listen(0, '127.0.0.1', r))
  state.port = (state.server.address() as net.AddressInfo).port
  return state
}

async function freePort(): Promise<number> {
  const s = net.createServer()
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r))
  const p = (s.address() as net.AddressInfo).port
  await new Promise((r) => s.close(r))
  return p
}

describe('relay', () => {
  let owner: Awaited<ReturnType<typeof recorder>>
  let trap: Awaited<ReturnType<typeof recorder>>
  let front: http.Server
  let frontPort = 0
  let gonePort = 0
  let cluster: Cluster
  const outcomes: string[] = []

  before(async () => {
    owner = await recorder()
    trap = await recorder()
    gonePort = await freePort()
    const ownPort = await freePort()
    // The peer set: this replica, the owner, and a replica that is gone. The trap is in no peer's address.
    cluster = new Cluster({
      peers: `127.0.0.1:${ownPort},127.0.0.1:${owner.port},127.0.0.1:${gonePort}`,
      host: '127.0.0.1',
      port: ownPort,
      maxBodyBytes: 1 << 20,
      logger: quiet,
    })
    await cluster.start()
    front = http.createServer((req, res) => {
      const sid = String(req.headers['mcp-session-id'] ?? '')
      void cluster
        .route(req, res, sid, () => {
          outcomes.push('unknown')
          res.writeHead(404).end(`unknown session ${sid}: start a new one with initialize`)
        })
        .then((handled) => {
          if (!handled) {
            outcomes.push('local')
            res.writeHead(200).end('served here')
          }
        })
    })
    await new Promise<void>((r) => front.listen(0, '127.0.0.1', r))
    frontPort = (front.address() as net.AddressInfo).port
  })

  after(async () => {
    cluster.close()
    for (const s of [front, owner.server, trap.server]) {
      s.closeAllConnections()
      await new Promise((r) => s.close(r))
    }
  })

  const send = (sid: string, headers: Record<string, string> = {}) =>
    fetch(`http://127.0.0.1:${frontPort}/mcp`, {
      method: 'POST',
      headers: {
        'mcp-session-id': sid,
        authorization: 'Bearer client-token',
        'content-type': 'application/json',
        ...headers,
      },
      body: '{"jsonrpc":"2.0","id":1,"method":"tools/list"}',
    })

  test("a session of another replica is relayed to it, the client's credentials and body intact, the answer streamed", async () => {
    const sid = ownedSessionId(replicaTag(`127.0.0.1:${owner.port}`))
    const res = await send(sid)
    assert.equal(res.status, 200)
    assert.equal(res.headers.get('mcp-session-id'), sid)
    const text = await res.text()
    assert.match(text, /"body":"\{\\"jsonrpc\\":\\"2.0\\",\\"id\\":1,\\"method\\":\\"tools\/list\\"\}"/)
    assert.match(text, /data: end/)
    const seen = owner.seen.at(-1)!
    assert.equal(seen.authorization, 'Bearer client-token')
    assert.equal(seen[HOP_HEADER], cluster.tag)
  })

  test('a forged id (a tag in no peer address) gets 404 and no connection is attempted anywhere', async () => {
    const before = {trap: trap.connections, owner: owner.connections}
    for (const sid of [
      ownedSessionId(replicaTag(`127.0.0.1:${trap.port}`)),
      ownedSessionId('0123456789ab'),
      `127.0.0.1:${trap.port}`,
    ]) {
      outcomes.length = 0
      const res = await send(sid)
      // A tag of no peer: unknown here. Any other shape: not a cluster id, served (and refused) locally.
      assert.equal(res.status, ownerTag(sid) ? 404 : 200, sid)
      assert.deepEqual(outcomes, [ownerTag(sid) ? 'unknown' : 'local'])
      await res.text()
    }
    assert.equal(trap.connections, before.trap)
    assert.equal(owner.connections, before.owner)
  })

  test('a gone owner: 404, so the client starts a new session', async () => {
    outcomes.length = 0
    const res = await send(ownedSessionId(replicaTag(`127.0.0.1:${gonePort}`)))
    assert.equal(res.status, 404)
    assert.deepEqual(outcomes, ['unknown'])
  })

  test('a relayed request is never relayed again; our own sessions are served here', async () => {
    outcomes.length = 0
    const before = owner.connections + owner.seen.length
    await (await send(ownedSessionId(replicaTag(`127.0.0.1:${owner.port}`)), {[HOP_HEADER]: 'abc'})).text()
    await (await send(cluster.newSessionId())).text()
    assert.deepEqual(outcomes, ['local', 'local'])
    assert.equal(owner.connections + owner.seen.length, before)
    assert.match(cluster.metricsText(), /outcome="answered"} 1\n/)
    assert.match(cluster.metricsText(), /outcome="owner_gone"} 1\n/)
    assert.match(cluster.metricsText(), /outcome="unknown_owner"} 2\n/)
  })

  test("an SSE session's endpoint event carries the replica's id (the SDK's UUID is replaced before the stream starts)", async () => {
    const server = http.createServer((req, res) => {
      const transport = new SSEServerTransport('/sse', res)
      const id = cluster.nameSseSession(transport)
      assert.equal(transport.sessionId, id)
      void transport.start()
    })
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
    const port = (server.address() as net.AddressInfo).port
    const res = await fetch(`http://127.0.0.1:${port}/sse`)
    const reader = res.body!.getReader()
    const first = new TextDecoder().decode((await reader.read()).value)
    await reader.cancel()
    server.closeAllConnections()
    await new Promise((r) => server.close(r))
    const sid = /sessionId=([^\s&]+)/.exec(first)?.[1]
    assert.ok(sid, first)
    assert.equal(ownerTag(sid), cluster.tag)
  })
})

describe('a stopping replica', () => {
  test('serves requests on sessions (its own, even relayed), hands stateless POSTs to a peer, refuses the rest', async () => {
    const peer = await recorder()
    const ownPort = await freePort()
    const cluster = new Cluster({
      peers: `127.0.0.1:${ownPort},127.0.0.1:${peer.port}`,
      host: '127.0.0.1',
      port: ownPort,
      maxBodyBytes: 1 << 20,
      logger: quiet,
    })
    await cluster.start()
    const front = http.createServer((req, res) => {
      const decision = cluster.whileStopping(req, res, new URL(req.url!, 'http://x'))
      if (decision === 'local') res.writeHead(200).end('served here')
      else if (decision === 'refuse') res.writeHead(503).end('shutting down')
    })
    await new Promise<void>((r) => front.listen(0, '127.0.0.1', r))
    const port = (front.address() as net.AddressInfo).port
    const send = async (method: string, headers: Record<string, string> = {}, path = '/mcp') => {
      const r = await fetch(`http://127.0.0.1:${port}${path}`, {
        method,
        headers,
        ...(method === 'POST' ? {body: '{"jsonrpc":"2.0","id":1,"method":"tools/call"}'} : {}),
      })
      return {status: r.status, connection: r.headers.get('connection'), text: await r.text()}
    }
    try {
      const own = cluster.newSessionId()
      const relayed = await send('POST', {'mcp-session-id': own, [HOP_HEADER]: 'peer'})
      assert.deepEqual([relayed.status, relayed.text], [200, 'served here'])
      assert.equal(relayed.connection, 'close')
      assert.equal((await send('POST', {}, `/sse?sessionId=${own}`)).text, 'served here')
      const handed = await send('POST')
      assert.equal(handed.status, 200)
      assert.match(handed.text, /tools\/call/)
      assert.equal(peer.seen.at(-1)![HOP_HEADER], cluster.tag)
      assert.equal((await send('POST', {[HOP_HEADER]: 'other'})).status, 503)
      assert.equal((await send('GET')).status, 503)
      assert.match(cluster.metricsText(), /handed_off_requests_total 1\n/)
    } finally {
      cluster.close()
      for (const s of [front, peer.server]) {
        s.closeAllConnections()
        await new Promise((r) => s.close(r))
      }
    }
  })
})
