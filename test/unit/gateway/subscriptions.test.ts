/**
 * Resource subscriptions through the gateway (src/gateway/subscriptions.ts), against a real SDK server
 * over an in-memory pair: the owning server is subscribed once per URI however many subscribers share its
 * connection, `notifications/resources/updated` reaches only the subscribers of that URI, and the upstream
 * subscription ends with the last subscriber (unsubscribe, or its session ending). The e2e side is
 * test/e2e/transparency.test.ts (subscribe, update, unsubscribe in every mode).
 */
import assert from 'node:assert/strict'
import {test} from 'node:test'

import {InMemoryTransport, McpServer} from '@modelcontextprotocol/server'

import {silentLogger} from '../../../src/gateway/logger.js'
import {ResourceSubscriptions} from '../../../src/gateway/subscriptions.js'
import {connectUpstream, type Upstream} from '../../../src/gateway/upstream.js'

/** A server with two subscribable resources that counts subscribe/unsubscribe requests. */
async function upstreamServer() {
  const server = new McpServer(
    {name: 'sub', version: '1.0.0'},
    {capabilities: {resources: {subscribe: true}}},
  )
  for (const name of ['a', 'b'])
    server.registerResource(name, `test://${name}`, {}, async (uri) => ({
      contents: [{uri: uri.href, text: name}],
    }))
  const subscribed = new Map<string, number>()
  const log: string[] = []
  server.server.setRequestHandler('resources/subscribe', async (request) => {
    log.push(`subscribe ${request.params.uri}`)
    subscribed.set(request.params.uri, (subscribed.get(request.params.uri) ?? 0) + 1)
    return {}
  })
  server.server.setRequestHandler('resources/unsubscribe', async (request) => {
    log.push(`unsubscribe ${request.params.uri}`)
    subscribed.delete(request.params.uri)
    return {}
  })
  const [clientSide, serverSide] = InMemoryTransport.createLinkedPair()
  await server.connect(serverSide)
  const upstream = await connectUpstream({
    server: 'sub',
    transport: clientSide,
    version: '0',
    onListChanged: () => {},
    startTimeoutMs: 5000,
    negotiation: 'legacy',
  })
  return {server, upstream, log, update: (uri: string) => server.server.sendResourceUpdated({uri})}
}

async function setup() {
  const fixture = await upstreamServer()
  const holds: string[] = []
  let released = 0
  const subscriptions = new ResourceSubscriptions({
    hold: async (server, session) => {
      holds.push(`${server}/${session}`)
      return {upstream: fixture.upstream as Upstream, release: () => void released++}
    },
    closeWhenUnused: () => false,
    route: async (uri) => (uri.startsWith('test://') ? 'sub' : undefined),
    offers: () => true,
    logger: silentLogger,
  })
  return {...fixture, subscriptions, holds, released: () => released}
}

const settle = () => new Promise((r) => setTimeout(r, 20))

test('two subscribers of one connection: one upstream subscription, both told, unsubscribed after the last', async () => {
  const {subscriptions, log, update, holds, released} = await setup()
  const first: string[] = []
  const second: string[] = []
  await subscriptions.subscribe('one', 'shared', (p) => first.push(p.uri), 'sub', 'test://a')
  await subscriptions.subscribe('two', 'shared', (p) => second.push(p.uri), 'sub', 'test://a')
  assert.deepEqual(log, ['subscribe test://a'], 'the server is subscribed once per URI')
  assert.deepEqual(holds, ['sub/shared'], 'one connection holds both')

  await update('test://a')
  await settle()
  assert.deepEqual([first, second], [['test://a'], ['test://a']])

  await subscriptions.unsubscribe('one', 'sub', 'test://a')
  assert.deepEqual(log, ['subscribe test://a'], 'another subscriber remains: still subscribed upstream')
  await update('test://a')
  await settle()
  assert.deepEqual(
    [first, second],
    [['test://a'], ['test://a', 'test://a']],
    'only the remaining one is told',
  )

  await subscriptions.unsubscribe('two', 'sub', 'test://a')
  assert.deepEqual(log, ['subscribe test://a', 'unsubscribe test://a'])
  assert.equal(released(), 1, 'the connection is let go with the last subscription')
  assert.equal(subscriptions.size, 0)
})

test('an update reaches the subscribers of its URI only', async () => {
  const {subscriptions, update} = await setup()
  const ofA: string[] = []
  const ofB: string[] = []
  await subscriptions.subscribe('s1', 's1', (p) => ofA.push(p.uri), 'sub', 'test://a')
  await subscriptions.subscribe('s2', 's1', (p) => ofB.push(p.uri), 'sub', 'test://b')
  await update('test://b')
  await settle()
  assert.deepEqual([ofA, ofB], [[], ['test://b']])
})

test('a session that ends takes its subscriptions with it (upstream too)', async () => {
  const {subscriptions, log, update} = await setup()
  const told: string[] = []
  await subscriptions.subscribe('s1', 's1', (p) => told.push(p.uri), 'sub', 'test://a')
  await subscriptions.subscribe('s1', 's1', (p) => told.push(p.uri), 'sub', 'test://b')
  await subscriptions.drop('s1')
  assert.deepEqual(log.sort(), [
    'subscribe test://a',
    'subscribe test://b',
    'unsubscribe test://a',
    'unsubscribe test://b',
  ])
  await update('test://a')
  await settle()
  assert.deepEqual(told, [])
  assert.equal(subscriptions.size, 0)
})

test('2026-07-28 listen streams sharing one sink are told once per update (the SDK fans out by filter)', async () => {
  const {subscriptions, update, log} = await setup()
  const told: string[] = []
  const sink = (p: {uri: string}) => told.push(p.uri)
  const end1 = subscriptions.listen('listen-1', 'stateless', ['test://a'], sink)
  const end2 = subscriptions.listen('listen-2', 'stateless', ['test://a', 'other://nowhere'], sink)
  await settle()
  assert.deepEqual(log, ['subscribe test://a'])
  await update('test://a')
  await settle()
  assert.deepEqual(told, ['test://a'])
  end1()
  end2()
  await settle()
  assert.deepEqual(log, ['subscribe test://a', 'unsubscribe test://a'])
})
