import assert from 'node:assert/strict'
import type http from 'node:http'
import {describe, test} from 'node:test'

import {UsageError} from '../../../src/errors.js'
import {gatewayOptionsFromFlags} from '../../../src/gateway/flags.js'
import {oauthAuthenticator, oauthCaller} from '../../../src/gateway/http/oauth/authenticator.js'
import {
  bearerChallenge,
  endpointOf,
  metadataUrlFor,
  protectedResourceMetadata,
  resourceFor,
} from '../../../src/gateway/http/oauth/metadata.js'
import {oauthOptionsFromFlags} from '../../../src/gateway/http/oauth/options.js'
import {discoveryUrls, tokenClientId, tokenScopes} from '../../../src/gateway/http/oauth/verifier.js'

/** Inbound OAuth's pure parts: flag validation, the metadata document, the challenges, the caller. */

const HTTP = {transport: 'streaming' as const, allowUnauthenticated: false}
const OK = {auth: 'oauth', issuer: 'https://idp.example.com/realms/team', audience: 'https://mcp.example.com'}

function usage(fn: () => unknown, pattern: RegExp) {
  assert.throws(fn, (err) => err instanceof UsageError && pattern.test(err.message))
}

describe('--auth oauth flags', () => {
  test('valid settings; scopes split on commas and spaces, deduplicated', () => {
    assert.deepEqual(
      oauthOptionsFromFlags({...OK, 'required-scopes': ['mcp:tools, mcp:read', 'mcp:tools']}, HTTP),
      {
        issuer: OK.issuer,
        audience: OK.audience,
        requiredScopes: ['mcp:tools', 'mcp:read'],
        resourceUrl: undefined,
      },
    )
    assert.equal(oauthOptionsFromFlags({}, HTTP), undefined, 'the static token stays the default')
    assert.equal(oauthOptionsFromFlags({auth: 'token'}, HTTP), undefined)
  })

  test('clear errors for what would protect nothing or protect it wrongly', () => {
    usage(() => oauthOptionsFromFlags({...OK, issuer: 'http://idp.example.com'}, HTTP), /must be https:\/\//)
    usage(() => oauthOptionsFromFlags({...OK, issuer: 'idp.example.com'}, HTTP), /is not a URL/)
    usage(() => oauthOptionsFromFlags({...OK, issuer: 'https://idp.example.com/?x=1'}, HTTP), /query/)
    usage(() => oauthOptionsFromFlags({...OK, issuer: 'https://u:p@idp.example.com'}, HTTP), /password/)
    usage(() => oauthOptionsFromFlags({...OK, issuer: undefined}, HTTP), /needs --issuer/)
    usage(() => oauthOptionsFromFlags({...OK, audience: ' '}, HTTP), /needs --audience/)
    usage(() => oauthOptionsFromFlags({...OK, 'required-scopes': ['a"b']}, HTTP), /not an OAuth scope/)
    usage(
      () => oauthOptionsFromFlags(OK, {...HTTP, transport: 'stdio'}),
      /needs --transport streaming or sse/,
    )
    usage(() => oauthOptionsFromFlags(OK, {...HTTP, allowUnauthenticated: true}), /contradict/)
    usage(() => oauthOptionsFromFlags({issuer: OK.issuer}, HTTP), /--issuer only apply with --auth oauth/)
    usage(() => oauthOptionsFromFlags({auth: 'saml'}, HTTP), /not one of: token, oauth/)
    usage(
      () => oauthOptionsFromFlags({...OK, 'resource-url': 'https://mcp.example.com/#x'}, HTTP),
      /fragment/,
    )
    // http is fine on loopback (a local identity provider, tests), in any spelling.
    for (const issuer of ['http://127.0.0.1:8080', 'http://localhost:8080/realms/x', 'http://[::1]:8080']) {
      assert.equal(oauthOptionsFromFlags({...OK, issuer}, HTTP)?.issuer, issuer)
    }
  })

  test('reach the gateway options through the flag table', () => {
    const base = {
      transport: 'streaming',
      cpus: '1',
      'allow-unauthenticated': false,
      ...OK,
      'required-scopes': ['mcp:tools'],
    } as unknown as Parameters<typeof gatewayOptionsFromFlags>[0]
    assert.deepEqual(gatewayOptionsFromFlags(base, '0.0.0').oauth?.requiredScopes, ['mcp:tools'])
    usage(
      () => gatewayOptionsFromFlags({...base, transport: 'stdio'} as typeof base, '0.0.0'),
      /needs --transport streaming or sse/,
    )
  })
})

const req = (url: string, headers: http.IncomingHttpHeaders = {}) =>
  ({url, headers: {host: '127.0.0.1:8811', ...headers}}) as http.IncomingMessage

describe('protected-resource metadata and challenges', () => {
  const options = {issuer: OK.issuer, audience: 'mcp-gateway', requiredScopes: ['mcp:tools']}

  test('the resource is the audience URL, --resource-url, or the URL the client reached', () => {
    assert.equal(
      resourceFor({...options, audience: 'https://mcp.example.com'}, req('/mcp'), '/mcp'),
      'https://mcp.example.com',
    )
    assert.equal(
      resourceFor({...options, resourceUrl: 'https://gw.example.com/mcp'}, req('/mcp'), '/mcp'),
      'https://gw.example.com/mcp',
    )
    assert.equal(resourceFor(options, req('/mcp'), '/mcp'), 'http://127.0.0.1:8811/mcp')
    assert.equal(endpointOf('/messages'), '/sse')
    assert.equal(endpointOf('/metrics'), '')
  })

  test('RFC 9728 §3.1: the well-known path goes before the resource path', () => {
    assert.equal(
      metadataUrlFor('https://mcp.example.com'),
      'https://mcp.example.com/.well-known/oauth-protected-resource',
    )
    assert.equal(
      metadataUrlFor('https://mcp.example.com/mcp'),
      'https://mcp.example.com/.well-known/oauth-protected-resource/mcp',
    )
    assert.deepEqual(protectedResourceMetadata(options, 'https://mcp.example.com'), {
      resource: 'https://mcp.example.com',
      authorization_servers: [OK.issuer],
      scopes_supported: ['mcp:tools'],
      bearer_methods_supported: ['header'],
      resource_name: 'Docker MCP Gateway',
    })
  })

  test('RFC 6750 challenges: quoted params, no error code without credentials, nothing unquotable', () => {
    assert.equal(
      bearerChallenge({
        resourceMetadata: 'https://m/.well-known/oauth-protected-resource',
        scope: ['a', 'b'],
      }),
      'Bearer resource_metadata="https://m/.well-known/oauth-protected-resource", scope="a b"',
    )
    assert.equal(
      bearerChallenge({resourceMetadata: 'x', error: 'invalid_token', description: 'bad "quote" \\ here\n'}),
      'Bearer resource_metadata="x", error="invalid_token", error_description="bad quote  here"',
    )
  })

  test('OpenID discovery then RFC 8414, for issuers with and without a path', () => {
    assert.deepEqual(
      discoveryUrls('https://kc.example.com/realms/team').map((u) => u.href),
      [
        'https://kc.example.com/realms/team/.well-known/openid-configuration',
        'https://kc.example.com/.well-known/oauth-authorization-server/realms/team',
      ],
    )
    assert.deepEqual(
      discoveryUrls('https://tenant.auth0.com/').map((u) => u.href),
      [
        'https://tenant.auth0.com/.well-known/openid-configuration',
        'https://tenant.auth0.com/.well-known/oauth-authorization-server',
      ],
    )
  })
})

describe('the OAuth caller', () => {
  test('oauth:<sub>, with client, scopes and claims for the policy engine; frozen', () => {
    const claims = {
      sub: 'alice',
      azp: 'claude',
      scope: 'mcp:tools openid',
      groups: ['dev'],
      realm_access: {roles: ['r']},
    }
    const caller = oauthCaller({
      subject: 'alice',
      clientId: tokenClientId(claims),
      scopes: tokenScopes(claims),
      expiresAt: undefined,
      claims,
    })
    assert.equal(caller.id, 'oauth:alice')
    assert.equal(caller.via, 'oauth')
    assert.equal(caller.clientId, 'claude')
    assert.deepEqual(caller.scopes, ['mcp:tools', 'openid'])
    assert.deepEqual(caller.claims?.groups, ['dev'])
    assert.ok(Object.isFrozen(caller) && Object.isFrozen(caller.scopes) && Object.isFrozen(caller.claims))
    assert.equal(tokenClientId({client_id: 'rfc9068', azp: 'kc'}), 'rfc9068')
    assert.deepEqual(tokenScopes({scp: ['a', 'b']}), ['a', 'b'])
  })

  test('an unreachable identity provider: 503, not 401 (a 401 would send clients into a login loop)', async () => {
    const authenticator = oauthAuthenticator(
      {issuer: 'http://127.0.0.1:1', audience: 'x', requiredScopes: []},
      {jwksCooldownMs: 0},
    )
    const answer = await authenticator.admit(req('/mcp', {authorization: 'Bearer a.b.c'}))
    assert.ok('refused' in answer)
    assert.equal(answer.refused.status, 503)
    assert.match(answer.refused.message, /unreachable/)
  })

  test('a header that is not Bearer: 401 invalid_request; none: 401 without error code', async () => {
    const authenticator = oauthAuthenticator({
      issuer: 'http://127.0.0.1:1',
      audience: 'x',
      requiredScopes: [],
    })
    const basic = await authenticator.admit(req('/mcp', {authorization: 'Basic YTpi'}))
    assert.ok('refused' in basic && basic.refused.status === 401)
    assert.match(basic.refused.headers['www-authenticate']!, /error="invalid_request"/)
    const none = await authenticator.admit(req('/sse'))
    assert.ok('refused' in none && none.refused.status === 401)
    assert.equal(
      none.refused.headers['www-authenticate'],
      'Bearer resource_metadata="http://127.0.0.1:8811/.well-known/oauth-protected-resource/sse"',
    )
  })
})
