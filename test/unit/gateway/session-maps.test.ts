import assert from 'node:assert/strict'
import http from 'node:http'
import {test} from 'node:test'

import {Gateway} from '../../../src/gateway/gateway.js'
import {serveHttp} from '../../../src/gateway/http.js'
import type {Logger} from '../../../src/gateway/logger.js'
import {fakeUpstream} from '../../helpers/fake-upstream.js'

/**
 * A gateway holds 1,000s of idle 2025-era HTTP sessions (#21, bench-scale.mjs), so what a session leaves
 * behind when it ends is memory that never comes back. The client capabilities each session declared at
 * initialize stayed in the gateway's capability scopes after its HTTP session ended (only
 * `Gateway.closeSession` forgot them): 200 sessions opened and closed left 200 entries.
 */
const logger: Logger = {info() {}, debug() {}, warn() {}}
const agent = new http.Agent({keepAlive: true, maxSockets: 8})

function post(port: number, body: unknown, headers: Record<string, string> = {}, method = 'POST') {
  return new Promise<{status: number; sid?: string; body: string}>((resolve, reject) => {
    const req = http.request(
      {
        host: '127.0.0.1',
        port,
        path: '/mcp',
        method,
        agent,
        headers: {
          accept: 'application/json, text/event-stream',
          'content-type': 'application/json',
          ...headers,
        },
      },
      (res) => {
        let text = ''
        res.on('data', (d: Buffer) => (text += d.toString()))
        res.on('end', () =>
          resolve({status: res.statusCode!, sid: res.headers['mcp-session-id'] as string, body: text}),
        )
      },
    )
    req.on('error', reject)
    req.end(body === undefined ? undefined : JSON.stringify(body))
  })
}

test('200 HTTP sessions opened, used and closed leave no entry in the gateway maps', async () => {
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
    startUpstream: async (server) => fakeUpstream(server),
    logger,
  })
  gateway.start()
  await gateway.ready
  // At most 50 sessions at once: opening 200 in rounds of 50 only works if closed ones free their place.
  const front = await serveHttp(gateway, {
    transport: 'streaming',
    port: 0,
    host: '127.0.0.1',
    allowUnauthenticated: true,
    maxBodyBytes: 1 << 20,
    metrics: false,
    logger,
    maxConnections: 64,
    maxSessions: 50,
    maxSessionsPerToken: 50,
    sessionIdleMs: 0,
  })
  const internals = gateway as unknown as {
    sessions: Map<string, unknown>
    scopes: {scopes: Map<string, unknown>}
    subscriptions: {sinks: Map<string, unknown>}
  }
  try {
    for (let round = 0; round < 4; round++) {
      const sids = await Promise.all(
        Array.from({length: 50}, async () => {
          const init = await post(front.port, {
            jsonrpc: '2.0',
            id: 1,
            method: 'initialize',
            params: {
              protocolVersion: '2025-06-18',
              capabilities: {elicitation: {}},
              clientInfo: {name: 'maps', version: '1'},
            },
          })
          assert.equal(init.status, 200, init.body)
          const headers = {'mcp-session-id': init.sid!, 'mcp-protocol-version': '2025-06-18'}
          const done = await post(front.port, {jsonrpc: '2.0', method: 'notifications/initialized'}, headers)
          assert.equal(done.status, 202, done.body)
          const list = await post(front.port, {jsonrpc: '2.0', id: 2, method: 'tools/list'}, headers)
          assert.match(list.body, /"tools"/)
          return init.sid!
        }),
      )
      assert.equal(internals.sessions.size, 50)
      for (const sid of sids) {
        const end = await post(front.port, undefined, {'mcp-session-id': sid}, 'DELETE')
        assert.equal(end.status, 200, end.body)
      }
      assert.equal(internals.sessions.size, 0, 'sessions')
      assert.equal(internals.scopes.scopes.size, 0, 'capability scopes')
      assert.equal(internals.subscriptions.sinks.size, 0, 'resource update sinks')
    }
  } finally {
    agent.destroy()
    await front.close()
    await gateway.shutdown()
  }
})
