import assert from 'node:assert/strict'
import {test} from 'node:test'

import {Client} from '@modelcontextprotocol/client'
import {InMemoryTransport, Server} from '@modelcontextprotocol/server'

import {
  CONSTRUCTED_CAPABILITIES,
  describeOnHandshake,
  handshakeCapabilities,
  handshakeInstructions,
  type HandshakeServer,
} from '../../../src/gateway/handshake.js'
import type {ServerListing} from '../../../src/gateway/listing.js'

const listing = (extra: Partial<ServerListing> = {}): ServerListing => ({
  tools: [],
  prompts: [],
  resources: [],
  resourceTemplates: [],
  described: true,
  ...extra,
})

const BASE = {tools: {listChanged: true}, prompts: {listChanged: true}, logging: {}}

// The bug: the gateway advertised `completions` whatever its servers offered, `resources.subscribe` only
// after the handshake, and never its servers' instructions.
test('capabilities follow what the servers said about themselves', () => {
  const one = (l: ServerListing | undefined, failed = false): HandshakeServer[] => [
    {name: 'a', listing: l, failed},
  ]
  assert.deepEqual(handshakeCapabilities(one(listing())), {...BASE, resources: {listChanged: true}})
  assert.deepEqual(handshakeCapabilities(one(listing({subscribe: true, completions: true}))), {
    ...BASE,
    resources: {listChanged: true, subscribe: true},
    completions: {},
  })
  // Not heard from yet (no listing, or one made from the catalog): subscriptions assumed, completions not.
  assert.deepEqual(handshakeCapabilities(one(undefined)), {
    ...BASE,
    resources: {listChanged: true, subscribe: true},
  })
  assert.deepEqual(handshakeCapabilities(one({...listing(), described: undefined})).resources, {
    listChanged: true,
    subscribe: true,
  })
  // A failed server offers nothing.
  assert.deepEqual(handshakeCapabilities(one(undefined, true)).resources, {listChanged: true})
})

test("one server's instructions pass as they are; several are each introduced by their server", () => {
  assert.equal(
    handshakeInstructions([{name: 'a', listing: listing({instructions: 'Use A.'}), failed: false}]),
    'Use A.',
  )
  assert.equal(handshakeInstructions([{name: 'a', listing: listing(), failed: false}]), undefined)
  assert.equal(
    handshakeInstructions([
      {name: 'a', listing: listing({instructions: 'Use A.'}), failed: false},
      {name: 'b', listing: listing(), failed: false},
      {name: 'c', listing: listing({instructions: 'Use C.'}), failed: false},
    ]),
    '## a\n\nUse A.\n\n## c\n\nUse C.',
  )
})

// Guards the SDK internals describeOnHandshake relies on: a client initializing after the servers were
// listed learns what they said, though the session's server was made before.
test('the handshake answers with what is known when the client initializes', async () => {
  const listings = new Map<string, ServerListing>()
  const server = new Server({name: 'gw', version: '1'}, {capabilities: CONSTRUCTED_CAPABILITIES})
  describeOnHandshake(server, {servers: [{name: 'a'}], listings, failures: new Map()})
  listings.set('a', listing({instructions: 'Use A.', completions: true}))
  const [clientSide, serverSide] = InMemoryTransport.createLinkedPair()
  await server.connect(serverSide)
  const client = new Client({name: 'c', version: '1'})
  await client.connect(clientSide)
  assert.deepEqual(client.getServerCapabilities(), {
    ...BASE,
    resources: {listChanged: true},
    completions: {},
  })
  assert.equal(client.getInstructions(), 'Use A.')
  await client.close()
  await server.close()
})
