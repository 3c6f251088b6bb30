import assert from 'node:assert/strict'
import {randomUUID} from 'node:crypto'
import {existsSync} from 'node:fs'
import {chmod, mkdir, writeFile} from 'node:fs/promises'
import type http from 'node:http'
import path from 'node:path'
import {after, before, describe, test} from 'node:test'

import {
  Client,
  SSEClientTransport,
  StreamableHTTPClientTransport,
  UnauthorizedError,
  type OAuthClientProvider,
} from '@modelcontextprotocol/client'
import {generateKeyPair, SignJWT, type JWTPayload} from 'jose'

import {oauthAuthenticator} from '../../src/gateway/http/oauth/authenticator.js'
import {eventually, textOf} from '../helpers/gateway.js'
import {freePort, rawRequest, startHttpGateway, type HttpGatewayProcess} from '../helpers/http-gateway.js'
import {startInboundIdp, type Browser, type InboundIdp} from '../helpers/oidc-provider-inbound.js'
import {remoteEntry, startRemoteServer, type RemoteServer} from '../helpers/remote-server.js'
import {makeSandbox, ROOT, type Sandbox} from '../helpers/sandbox.js'
import {StdioClientTransport} from '@modelcontextprotocol/client/stdio'

const MCP_REMOTE = path.join(ROOT, '.tmp/third-party/node_modules/mcp-remote/dist/proxy.js')

/**
 * Inbound OAuth (issue #18): `gateway run --auth oauth` makes the gateway an OAuth protected resource. A
 * real OpenID Connect provider (oidc-provider, in this process) issues JWT access tokens for the gateway's
 * resource URL; a real gateway process validates them. The SDK client, given an OAuthClientProvider, finds
 * the provider from the gateway's 401 and metadata, registers, logs in through the provider's forms (the
 * test's browser), and calls a tool: no token copied by hand. Before this, `--auth` did not exist and the
 * gateway took only its static token (the discovery paths answered "no OAuth here").
 */
let sandbox: Sandbox
let idp: InboundIdp
let alpha: RemoteServer
let gateway: HttpGatewayProcess
let port = 0
let resource = ''

before(async () => {
  sandbox = await makeSandbox()
  idp = await startInboundIdp({
    scopes: ['mcp:tools', 'mcp:admin'],
    accounts: {
      alice: {password: 'alice-pass', claims: {groups: ['dev']}},
      bob: {password: 'bob-pass'},
    },
  })
  alpha = await startRemoteServer(0, 'alpha')
  const catalog = path.join(sandbox.home, 'remotes.yaml')
  await writeFile(
    catalog,
    'version: 2\nname: remotes\ndisplayName: Remotes\nregistry:\n' + remoteEntry('alpha', alpha.url),
  )
  port = await freePort()
  // RFC 8707: the gateway's URL is its resource identifier, and the audience of the tokens issued for it.
  resource = `http://127.0.0.1:${port}`
  gateway = await startHttpGateway(
    [
      '--auth',
      'oauth',
      '--issuer',
      idp.issuer,
      '--audience',
      resource,
      '--required-scopes',
      'mcp:tools',
      '--catalog',
      catalog,
      '--servers',
      'alpha',
      '--no-cache',
    ],
    // Listing the remote server on a loaded machine can take a while before /health says ready.
    {port, sandbox, env: {DOCKER_MCP_ALLOW_INSECURE_REMOTE_URLS: '1'}, readyMs: 120_000},
  )
})

after(async () => {
  await gateway?.stop()
  await alpha?.close()
  await idp?.close()
  await sandbox?.cleanup()
})

/** An MCP client's OAuth state, in memory; the browser goes through the provider's pages when asked to. */
class TestOAuthClient implements OAuthClientProvider {
  readonly redirectUrl = 'http://127.0.0.1:1/callback'
  callback: URL | undefined
  private info: unknown
  private saved: unknown
  private verifier = ''
  private discovery: unknown
  private expectedState = ''

  constructor(private readonly browser: Browser) {}

  get clientMetadata() {
    return {
      client_name: 'gateway-oauth-test',
      redirect_uris: [this.redirectUrl],
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      token_endpoint_auth_method: 'none',
    }
  }
  state() {
    this.expectedState = randomUUID()
    return this.expectedState
  }
  clientInformation() {
    return this.info as never
  }
  saveClientInformation(info: unknown) {
    this.info = info
  }
  tokens() {
    return this.saved as never
  }
  saveTokens(tokens: unknown) {
    this.saved = tokens
  }
  get accessToken(): string | undefined {
    return (this.saved as {access_token?: string} | undefined)?.access_token
  }
  async redirectToAuthorization(url: URL) {
    this.callback = await this.browser.authorize(url)
    assert.equal(this.callback.searchParams.get('state'), this.expectedState)
  }
  saveCodeVerifier(v: string) {
    this.verifier = v
  }
  codeVerifier() {
    return this.verifier
  }
  saveDiscoveryState(state: unknown) {
    this.discovery = state
  }
  discoveryState() {
    return this.discovery as never
  }
}

type Era = '2025' | '2026' | 'sse'

function transportFor(era: Era, auth: TestOAuthClient) {
  return era === 'sse'
    ? new SSEClientTransport(new URL(`${resource}/sse`), {authProvider: auth})
    : new StreamableHTTPClientTransport(new URL(`${resource}/mcp`), {authProvider: auth})
}

function clientFor(era: Era) {
  return new Client(
    {name: `oauth-${era}`, version: '1.0.0'},
    era === '2026' ? {versionNegotiation: {mode: {pin: '2026-07-28'}}} : {},
  )
}

/** Connect as an MCP client that speaks MCP authorization: 401, discovery, registration, login, token. */
async function login(era: Era, user = 'alice') {
  const auth = new TestOAuthClient(idp.browser(user))
  const first = clientFor(era)
  await assert.rejects(first.connect(transportFor(era, auth)), (err) => err instanceof UnauthorizedError)
  assert.ok(auth.callback, 'the client was sent to the identity provider')
  const finishing = transportFor(era, auth)
  await finishing.finishAuth(auth.callback.searchParams)
  const client = clientFor(era)
  await client.connect(transportFor(era, auth))
  return {client, auth}
}

/** A POST to /mcp (an initialize, or a 2026-07-28 request) with this Authorization header. */
function post(authorization: string | undefined, endpoint = '/mcp', modern = false) {
  const body = modern
    ? {
        jsonrpc: '2.0',
        id: 1,
        method: 'tools/list',
        params: {_meta: {'io.modelcontextprotocol/protocolVersion': '2026-07-28'}},
      }
    : {
        jsonrpc: '2.0',
        id: 1,
        method: 'initialize',
        params: {protocolVersion: '2025-06-18', capabilities: {}, clientInfo: {name: 'raw', version: '1'}},
      }
  return rawRequest(port, {
    method: endpoint === '/sse' ? 'GET' : 'POST',
    path: endpoint,
    headers: {
      host: `127.0.0.1:${port}`,
      accept: 'application/json, text/event-stream',
      'content-type': 'application/json',
      ...(modern ? {'mcp-protocol-version': '2026-07-28'} : {}),
      ...(authorization ? {authorization} : {}),
    },
    ...(endpoint === '/sse' ? {} : {body: JSON.stringify(body)}),
  })
}

/** RFC 6750 auth-params of a `WWW-Authenticate: Bearer …` header. */
function challenge(headers: http.IncomingHttpHeaders): Record<string, string> {
  const value = headers['www-authenticate']
  assert.ok(typeof value === 'string' && /^Bearer /.test(value), `WWW-Authenticate: ${String(value)}`)
  return Object.fromEntries([...value.matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1]!, m[2]!]))
}

const now = () => Math.floor(Date.now() / 1000)

/** Claims of a token the gateway accepts; each bad-token case changes one thing. */
function goodClaims(overrides: JWTPayload = {}): JWTPayload {
  return {
    iss: idp.issuer,
    aud: resource,
    sub: 'mallory',
    client_id: 'hand-made',
    scope: 'mcp:tools',
    iat: now(),
    exp: now() + 300,
    ...overrides,
  }
}

describe('the gateway as an OAuth protected resource', () => {
  test('serves its protected-resource metadata (RFC 9728) at the root and per endpoint', async () => {
    for (const p of ['', '/mcp', '/sse']) {
      const r = await fetch(`${resource}/.well-known/oauth-protected-resource${p}`)
      assert.equal(r.status, 200, p)
      assert.deepEqual(await r.json(), {
        resource,
        authorization_servers: [idp.issuer],
        scopes_supported: ['mcp:tools'],
        bearer_methods_supported: ['header'],
        resource_name: 'Docker MCP Gateway',
      })
    }
    // Not an authorization server: the old discovery paths name the real one instead of "no OAuth here".
    const as = await fetch(`${resource}/.well-known/oauth-authorization-server`)
    assert.equal(as.status, 404)
    const body = (await as.json()) as {error_description: string}
    assert.match(body.error_description, /protected resource/)
    assert.ok(body.error_description.includes(idp.issuer))
    assert.equal((await fetch(`${resource}/.well-known/oauth-protected-resource/other`)).status, 404)
  })

  test('no token: 401 with WWW-Authenticate naming the metadata and the scope, on /mcp, /sse and 2026-07-28', async () => {
    for (const [endpoint, modern] of [
      ['/mcp', false],
      ['/mcp', true],
      ['/sse', false],
    ] as const) {
      const r = await post(undefined, endpoint, modern)
      assert.equal(r.status, 401, `${endpoint} ${modern}`)
      const params = challenge(r.headers)
      assert.equal(params.resource_metadata, `${resource}/.well-known/oauth-protected-resource`)
      assert.equal(params.scope, 'mcp:tools')
      // RFC 6750 §3.1: no error code when the request carried no credentials.
      assert.equal(params.error, undefined)
      assert.doesNotMatch(r.body, /does not use OAuth/)
    }
  })

  for (const era of ['2025', '2026', 'sse'] as const) {
    test(`the SDK client logs in through the identity provider and calls a tool (${era})`, async () => {
      const before = idp.jwksFetches
      const {client, auth} = await login(era)
      try {
        const names = (await client.listTools()).tools.map((t) => t.name)
        assert.ok(names.includes('alpha_ping'), names.join(','))
        assert.equal(textOf(await client.callTool({name: 'alpha_ping', arguments: {}})), 'pong from alpha')
        // A JWT access token for this gateway, from the provider, with the scope and alice's claims.
        const [, payload] = auth.accessToken!.split('.')
        const claims = JSON.parse(Buffer.from(payload!, 'base64url').toString()) as JWTPayload
        assert.equal(claims.iss, idp.issuer)
        assert.equal(claims.aud, resource)
        assert.equal(claims.sub, 'alice')
        assert.match(String(claims.scope), /mcp:tools/)
        assert.ok(idp.jwksFetches >= before)
      } finally {
        await client.close()
      }
      // The caller reached the call: the call log names oauth:alice.
      await eventually(
        async () => gateway.stderr(),
        (s) => /Calling tool alpha_ping \(alpha\) for oauth:alice with arguments/.test(s),
      )
      assert.match(gateway.stderr(), /Calling tool alpha_ping \(alpha\) for oauth:alice with arguments/)
    })
  }

  test('bad tokens: 401 invalid_token (unknown key, expired, not yet valid, other audience, other issuer, HS256, garbage)', async () => {
    const {privateKey: stranger} = await generateKeyPair('RS256')
    const cases: Array<[string, Promise<string> | string, RegExp]> = [
      [
        'unknown key',
        new SignJWT(goodClaims()).setProtectedHeader({alg: 'RS256', kid: 'not-published'}).sign(stranger),
        /key the issuer does not publish/,
      ],
      [
        'key of the right kid but the wrong key',
        new SignJWT(goodClaims()).setProtectedHeader({alg: 'RS256', kid: idp.currentKid}).sign(stranger),
        /signature does not verify/,
      ],
      ['expired', idp.sign(goodClaims({iat: now() - 3600, exp: now() - 600})), /expired/],
      ['not yet valid', idp.sign(goodClaims({nbf: now() + 600})), /not valid yet/],
      ['another audience', idp.sign(goodClaims({aud: 'http://127.0.0.1:1'})), /another audience/],
      ['another issuer', idp.sign(goodClaims({iss: 'http://127.0.0.1:2'})), /another issuer/],
      ['no exp', idp.sign(goodClaims({exp: undefined})), /exp claim/],
      [
        'HS256',
        new SignJWT(goodClaims())
          .setProtectedHeader({alg: 'HS256'})
          .sign(new TextEncoder().encode('x'.repeat(32))),
        /algorithm/,
      ],
      ['garbage', 'not.a.jwt', /not a valid signed JWT/],
    ]
    for (const [name, tokenPromise, description] of cases) {
      const token = await tokenPromise
      for (const [endpoint, modern] of [
        ['/mcp', false],
        ['/mcp', true],
        ['/sse', false],
      ] as const) {
        const r = await post(`Bearer ${token}`, endpoint, modern)
        assert.equal(r.status, 401, `${name} ${endpoint} ${modern}: ${r.body}`)
        const params = challenge(r.headers)
        assert.equal(params.error, 'invalid_token', name)
        assert.match(params.error_description ?? '', description, name)
        assert.equal(params.resource_metadata, `${resource}/.well-known/oauth-protected-resource`)
        assert.ok(!r.body.includes(token), 'the token is not echoed')
      }
    }
    // The same claims, properly signed: accepted (so each case above failed for its one defect).
    const good = await post(`Bearer ${await idp.sign(goodClaims())}`)
    assert.equal(good.status, 200, good.body)
  })

  test('a token without the required scope: 403 insufficient_scope with scope=, in both eras and on SSE', async () => {
    const token = await idp.sign(goodClaims({scope: 'openid mcp:admin'}))
    for (const [endpoint, modern] of [
      ['/mcp', false],
      ['/mcp', true],
      ['/sse', false],
    ] as const) {
      const r = await post(`Bearer ${token}`, endpoint, modern)
      assert.equal(r.status, 403, `${endpoint} ${modern}`)
      const params = challenge(r.headers)
      assert.equal(params.error, 'insufficient_scope')
      assert.equal(params.scope, 'mcp:tools')
      assert.equal(params.resource_metadata, `${resource}/.well-known/oauth-protected-resource`)
    }
    // `scp` as an array (Okta, Azure AD) counts as well.
    const scp = await post(`Bearer ${await idp.sign(goodClaims({scope: undefined, scp: ['mcp:tools']}))}`)
    assert.equal(scp.status, 200, scp.body)
  })

  test("a session belongs to the caller who opened it: another user's valid token gets 404 on it", async () => {
    const alice = `Bearer ${await idp.sign(goodClaims({sub: 'alice'}))}`
    const mallory = `Bearer ${await idp.sign(goodClaims({sub: 'mallory'}))}`
    const opened = await post(alice)
    assert.equal(opened.status, 200, opened.body)
    const sid = opened.headers['mcp-session-id'] as string
    assert.ok(sid)
    const ping = (authorization: string) =>
      rawRequest(port, {
        path: '/mcp',
        headers: {
          host: `127.0.0.1:${port}`,
          accept: 'application/json, text/event-stream',
          'content-type': 'application/json',
          'mcp-session-id': sid,
          'mcp-protocol-version': '2025-06-18',
          authorization,
        },
        body: JSON.stringify({jsonrpc: '2.0', id: 2, method: 'ping'}),
      })
    const stolen = await ping(mallory)
    assert.equal(stolen.status, 404, stolen.body)
    assert.match(stolen.body, /unknown session/)
    const own = await ping(alice)
    assert.equal(own.status, 200, own.body)
  })

  test(
    'mcp-remote (a third-party client) logs in through the browser it opens and calls a tool',
    {skip: !existsSync(MCP_REMOTE) && 'mcp-remote is installed by scripts/test.sh'},
    async () => {
      // mcp-remote opens the system browser with the `open` package, whose xdg-open runs $BROWSER.
      const browser = path.join(sandbox.home, 'browser.sh')
      await writeFile(
        browser,
        `#!/bin/sh\nexec "${process.execPath}" "${path.join(ROOT, 'test/helpers/headless-browser.mjs')}" "$1"\n`,
      )
      await chmod(browser, 0o755)
      const configDir = path.join(sandbox.home, 'mcp-auth')
      await mkdir(configDir, {recursive: true})
      const env: Record<string, string> = {}
      for (const [k, v] of Object.entries(sandbox.env)) if (v !== undefined) env[k] = v
      for (const k of ['DISPLAY', 'WAYLAND_DISPLAY', 'XDG_CURRENT_DESKTOP', 'DESKTOP_SESSION']) delete env[k]
      Object.assign(env, {
        BROWSER: browser,
        IDP_LOGIN: 'bob',
        IDP_PASSWORD: 'bob-pass',
        MCP_REMOTE_CONFIG_DIR: configDir,
      })
      const transport = new StdioClientTransport({
        command: process.execPath,
        args: [MCP_REMOTE, `${resource}/mcp`, '--allow-http', '--transport', 'http-only'],
        env,
        stderr: 'pipe',
      })
      let stderr = ''
      transport.stderr?.on('data', (d: Buffer) => (stderr += d.toString()))
      const client = new Client({name: 'via-mcp-remote', version: '1.0.0'})
      try {
        await client.connect(transport)
        assert.equal(textOf(await client.callTool({name: 'alpha_ping', arguments: {}})), 'pong from alpha')
      } catch (err) {
        throw new Error(`${(err as Error).message}\n${stderr}`)
      } finally {
        await client.close()
      }
      await eventually(
        async () => gateway.stderr(),
        (s) => /alpha_ping \(alpha\) for oauth:bob/.test(s),
      )
      assert.match(gateway.stderr(), /Calling tool alpha_ping \(alpha\) for oauth:bob/)
    },
  )

  test('the static token does not open an OAuth gateway, and no token is generated or printed', async () => {
    const r = await post('Bearer some-static-token-0123456789')
    assert.equal(r.status, 401)
    assert.doesNotMatch(gateway.stderr(), /Use Bearer token/)
    assert.match(gateway.stderr(), /OAuth: access tokens from/)
  })
})

describe('key rotation (the authenticator against the real provider)', () => {
  const request = (token: string) =>
    ({
      url: '/mcp',
      headers: {host: `127.0.0.1:${port}`, authorization: `Bearer ${token}`},
    }) as http.IncomingMessage

  test('after the provider rotates its key, tokens signed with the new key are accepted, old ones too', async () => {
    const rotating = await startInboundIdp()
    try {
      const authenticator = oauthAuthenticator(
        {issuer: rotating.issuer, audience: resource, requiredScopes: []},
        {jwksCooldownMs: 0},
      )
      const claims = {iss: rotating.issuer, aud: resource, sub: 'alice', exp: now() + 300, groups: ['dev']}
      const old = await rotating.sign(claims)
      const first = await authenticator.admit(request(old))
      assert.ok('caller' in first, JSON.stringify(first))
      assert.equal(first.caller.id, 'oauth:alice')
      assert.deepEqual(first.caller.claims?.groups, ['dev'])
      const oldKid = rotating.currentKid
      await rotating.rotateKeys()
      assert.notEqual(rotating.currentKid, oldKid)
      const fetches = rotating.jwksFetches
      const rotated = await authenticator.admit(request(await rotating.sign(claims)))
      assert.ok('caller' in rotated, JSON.stringify(rotated))
      assert.equal(rotating.jwksFetches, fetches + 1, 'the unknown kid made the gateway fetch the keys again')
      assert.ok('caller' in (await authenticator.admit(request(old))), 'the old key is still published')
    } finally {
      await rotating.close()
    }
  })

  test('an unknown kid refetches the keys at most once per cooldown', async () => {
    const rotating = await startInboundIdp()
    try {
      const authenticator = oauthAuthenticator(
        {issuer: rotating.issuer, audience: resource, requiredScopes: []},
        {jwksCooldownMs: 3_600_000},
      )
      const claims = {iss: rotating.issuer, aud: resource, sub: 'alice', exp: now() + 300}
      assert.ok('caller' in (await authenticator.admit(request(await rotating.sign(claims)))))
      const fetches = rotating.jwksFetches
      const {privateKey} = await generateKeyPair('RS256')
      for (let i = 0; i < 5; i++) {
        const forged = await new SignJWT(claims)
          .setProtectedHeader({alg: 'RS256', kid: `random-${i}`})
          .sign(privateKey)
        const answer = await authenticator.admit(request(forged))
        assert.ok('refused' in answer && answer.refused.status === 401)
      }
      assert.equal(
        rotating.jwksFetches,
        fetches,
        "strangers' kids do not make the gateway hammer the provider",
      )
    } finally {
      await rotating.close()
    }
  })
})
