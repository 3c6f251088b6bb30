import assert from 'node:assert/strict'
import {test} from 'node:test'

import {Gateway} from '../../../src/gateway/gateway.js'
import type {Logger} from '../../../src/gateway/logger.js'
import type {Upstream} from '../../../src/gateway/upstream.js'
import {fakeUpstream} from '../../helpers/fake-upstream.js'

/**
 * The false warning `Can't start dice: the gateway is shutting down` (2 runs in 3 with the Inspector, the
 * SDK and a Python client): the gateway offers a server's cached or declared tools at once and lists it
 * live in the background; a short session ends before that listing's container is up, the gateway stops,
 * and the pool refuses the container it just started. Nothing failed: the listing was abandoned. A real
 * failure must still be reported, even when it happens while the gateway stops.
 */
function gatewayWith(startUpstream: (server: string) => Promise<Upstream>) {
  const warnings: string[] = []
  const logger: Logger = {info() {}, debug() {}, warn: (m) => void warnings.push(m)}
  const gateway = new Gateway({
    servers: [
      {
        name: 'dice',
        longLived: false,
        cacheKey: 'k',
        catalogTools: [{name: 'roll_dice', inputSchema: {type: 'object'}}],
      },
    ],
    toolFilter: () => true,
    prefixAll: false,
    version: '0.0.0',
    callTimeoutMs: 10_000,
    maxPerServer: 4,
    idleMs: 0,
    logCalls: false,
    startUpstream,
    logger,
  })
  return {gateway, warnings}
}

test('a background listing abandoned because the gateway stops is not reported as a failure', async () => {
  let release!: (u: Upstream) => void
  const {gateway, warnings} = gatewayWith(() => new Promise((r) => (release = r)))
  gateway.start()
  await gateway.ready
  while (!release) await new Promise((r) => setImmediate(r))
  // The session ends and the gateway stops while dice's listing container is still starting.
  const stopping = gateway.shutdown()
  release(fakeUpstream('dice'))
  await stopping
  await gateway.refreshed
  assert.deepEqual(warnings, [])
})

test('a server that really fails to start is still reported, also while the gateway stops', async () => {
  let fail!: (err: Error) => void
  const {gateway, warnings} = gatewayWith(() => new Promise((_, reject) => (fail = reject)))
  gateway.start()
  await gateway.ready
  while (!fail) await new Promise((r) => setImmediate(r))
  const stopping = gateway.shutdown()
  fail(new Error('image docker-mcp-does-not-exist:never is not available'))
  await stopping
  await gateway.refreshed
  assert.equal(warnings.length, 1, warnings.join('\n'))
  assert.match(warnings[0]!, /Can't start dice: image docker-mcp-does-not-exist:never is not available/)
})

test('a server that fails before any shutdown is reported as before', async () => {
  const {gateway, warnings} = gatewayWith(async () => {
    throw new Error('no answer to the MCP handshake within 1s')
  })
  gateway.start()
  await gateway.refreshed
  assert.equal(warnings.length, 1)
  assert.match(warnings[0]!, /Can't start dice: no answer to the MCP handshake/)
  assert.equal(gateway.failedServers.get('dice'), 'no answer to the MCP handshake within 1s')
  await gateway.shutdown()
})
