import assert from 'node:assert/strict'
import {spawn} from 'node:child_process'
import path from 'node:path'
import {after, before, describe, test} from 'node:test'

import {rawRequest, startHttpGateway, type HttpGatewayProcess} from '../helpers/http-gateway.js'
import {makeSandbox, ROOT, type Sandbox} from '../helpers/sandbox.js'

/**
 * A wrong or missing static token must read as such in MCP clients. They answer a 401 by starting OAuth;
 * the gateway answered 401 on the OAuth discovery paths and /register too, so mcp-remote, Claude Code and
 * the Inspector reported "Dynamic Client Registration rejected (HTTP 401)" and users went looking for an
 * OAuth problem. Discovery paths now say there is no OAuth (404), the 401 says which header is expected,
 * and nothing else changes: every other path is still 401 without the token.
 */
const TOKEN = 'auth-test-token-0123456789'
const MCP_REMOTE = path.join(ROOT, '.tmp/third-party/node_modules/mcp-remote/dist/proxy.js')
let gateway: HttpGatewayProcess
let sandbox: Sandbox

before(async () => {
  sandbox = await makeSandbox()
  gateway = await startHttpGateway([], {env: {MCP_GATEWAY_AUTH_TOKEN: TOKEN}, sandbox})
})

after(async () => {
  await gateway.stop()
  await sandbox.cleanup()
})

const DISCOVERY = [
  '/.well-known/oauth-protected-resource',
  '/.well-known/oauth-protected-resource/mcp',
  '/.well-known/oauth-authorization-server',
  '/.well-known/oauth-authorization-server/mcp',
  '/.well-known/openid-configuration',
  '/mcp/.well-known/openid-configuration',
  '/register',
  '/authorize',
  '/token',
]

describe('static-token authentication and OAuth clients', () => {
  test('OAuth discovery paths answer 404 "no OAuth", the same with or without a token', async () => {
    for (const p of DISCOVERY) {
      for (const method of ['GET', 'POST']) {
        const without = await rawRequest(gateway.port, {method, path: p, headers: {host: 'localhost'}})
        const withToken = await rawRequest(gateway.port, {
          method,
          path: p,
          headers: {host: 'localhost', authorization: `Bearer ${TOKEN}`},
        })
        assert.equal(without.status, 404, `${method} ${p}`)
        assert.match(without.body, /does not use OAuth/)
        assert.match(without.body, /Authorization: Bearer <token>/)
        // Nothing in it depends on the caller: a stranger learns no more than the token holder.
        assert.equal(withToken.status, 404)
        assert.equal(withToken.body, without.body)
        assert.ok(!without.body.includes(TOKEN))
      }
    }
  })

  test('everything else is still 401 without the token, and the 401 names the expected header', async () => {
    for (const p of ['/mcp', '/sse', '/metrics', '/', '/no-such-path', '/.well-known/other', '/registered']) {
      const missing = await rawRequest(gateway.port, {method: 'GET', path: p, headers: {host: 'localhost'}})
      assert.equal(missing.status, 401, p)
      assert.match(missing.body, /missing bearer token/)
      assert.match(missing.body, /Authorization: Bearer <token>/)
      const wrong = await rawRequest(gateway.port, {
        method: 'GET',
        path: p,
        headers: {host: 'localhost', authorization: 'Bearer not-the-token'},
      })
      assert.equal(wrong.status, 401, p)
      assert.match(wrong.body, /invalid bearer token/)
      assert.ok(!wrong.body.includes(TOKEN))
    }
  })

  for (const [label, header] of [
    ['a wrong token', ['--header', 'Authorization:Bearer not-the-token']],
    ['no token', []],
  ] as const) {
    test(`mcp-remote with ${label} reports the token problem, not a rejected OAuth registration`, async () => {
      const stderr = await runMcpRemote([...header])
      assert.match(stderr, /does not use OAuth/, stderr)
      assert.match(stderr, /Authorization: Bearer <token>/, stderr)
      // What it printed before: the gateway refusing the registration as if OAuth were expected.
      assert.doesNotMatch(stderr, /HTTP 401/, stderr)
    })
  }
})

/** Run mcp-remote against the gateway, send initialize, and return what it printed once it gave up. */
async function runMcpRemote(args: string[]): Promise<string> {
  const env: Record<string, string> = {}
  for (const [k, v] of Object.entries(sandbox.env)) if (v !== undefined) env[k] = v
  const child = spawn(
    process.execPath,
    [MCP_REMOTE, `${gateway.base}/mcp`, ...args, '--allow-http', '--transport', 'http-only'],
    {env, stdio: ['pipe', 'ignore', 'pipe']},
  )
  let stderr = ''
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d))
  let gone = false
  const exited = new Promise((r) => child.once('exit', r)).then(() => (gone = true))
  child.stdin.write(
    JSON.stringify({
      jsonrpc: '2.0',
      id: 1,
      method: 'initialize',
      params: {
        protocolVersion: '2025-06-18',
        capabilities: {},
        clientInfo: {name: 'auth-test', version: '1'},
      },
    }) + '\n',
  )
  // It gives up on its own (a fatal error); the timer only bounds a hang, the assertions say what went wrong.
  const timer = setTimeout(() => child.kill('SIGKILL'), 30_000)
  await waitFor(() => gone || /Fatal error|Connection error/.test(stderr))
  clearTimeout(timer)
  child.kill('SIGKILL')
  await exited
  return stderr
}

async function waitFor(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((r) => setTimeout(r, 100))
}
