import {randomBytes} from 'node:crypto'
import http from 'node:http'
import type net from 'node:net'

import {exchangeAuthorization, registerClient, startAuthorization} from '@modelcontextprotocol/client'
import {decodeJwt} from 'jose'

import {discover, type Discovered} from './discovery.js'
import {OAuthFlowError} from './errors.js'
import type {OAuthStore, StoredClient, StoredTokens} from './store.js'

/** How long the CLI waits for the browser to come back. */
const CALLBACK_TIMEOUT_MS = 5 * 60_000
const CALLBACK_PATH = '/callback'

export interface AuthorizeRequest {
  server: string
  url: string
  /** Space-separated scopes; default the catalog's, else what the resource says it supports. */
  scopes?: string | undefined
  /**
   * Port for the loopback callback (`MCP_GATEWAY_OAUTH_PORT`); 0 or undefined: the port of the stored
   * dynamic client's redirect URI when it is free (no new registration each time), else any free port.
   */
  port?: number | undefined
  /** Dynamic client registration allowed (feature `mcp-oauth-dcr`, on by default). */
  dynamicRegistration?: boolean | undefined
  /** Told the URL to open (print it, open a browser). Called once the callback listens. */
  onAuthorizationUrl: (url: URL) => void | Promise<void>
  fetchFn?: typeof fetch
  timeoutMs?: number
}

export interface AuthorizeResult {
  issuer: string
  scope?: string | undefined
  expiresAt?: number | undefined
  /** The client was registered dynamically now (RFC 7591). */
  registered: boolean
}

/** One authorization response, once: the code, or why the browser came back without one. */
interface CallbackListener {
  redirectUri: string
  result: Promise<{code: string; iss?: string | undefined}>
  close(): Promise<void>
}

const page = (title: string, text: string) =>
  `<!doctype html><meta charset="utf-8"><title>${title}</title><p>${text}</p>`

/**
 * Listen on 127.0.0.1 for the authorization server's redirect (RFC 8252 loopback redirect; no relay
 * service). The first request to the callback path settles the flow: a `state` other than ours is a
 * forged or crossed response (CSRF, RFC 6749 §10.12) and ends it with nothing stored.
 */
async function listen(port: number, state: string, timeoutMs: number): Promise<CallbackListener> {
  let settle!: (r: {code: string; iss?: string}) => void
  let fail!: (e: Error) => void
  const result = new Promise<{code: string; iss?: string}>((res, rej) => ((settle = res), (fail = rej)))
  result.catch(() => {})
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1')
    if (url.pathname !== CALLBACK_PATH) return void res.writeHead(404).end()
    const p = url.searchParams
    const send = (status: number, title: string, text: string) =>
      res
        .writeHead(status, {'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store'})
        .end(page(title, text))
    if (p.get('state') !== state) {
      send(
        400,
        'Authorization failed',
        'The response does not belong to this authorization (state mismatch). Nothing was stored.',
      )
      return fail(
        new OAuthFlowError(
          'the authorization response carries a state that does not match the request (possible CSRF or a stale browser tab): refusing it, nothing was stored',
        ),
      )
    }
    const error = p.get('error')
    if (error) {
      send(400, 'Authorization failed', 'The authorization server refused. See the terminal.')
      // Only the error code: its description comes from the redirect and may be attacker-written.
      return fail(
        new OAuthFlowError(
          `the authorization server answered "${error.replace(/[^\w.-]/g, '?').slice(0, 64)}": nothing was stored`,
        ),
      )
    }
    const code = p.get('code')
    if (!code) {
      send(400, 'Authorization failed', 'No authorization code in the response.')
      return fail(new OAuthFlowError('the authorization response has no code: nothing was stored'))
    }
    send(200, 'Authorized', 'Authorized. You can close this window and return to the terminal.')
    settle({code, iss: p.get('iss') ?? undefined})
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) =>
      reject(
        new OAuthFlowError(
          `cannot listen for the OAuth callback on 127.0.0.1:${port}: ${err.code ?? err.message}${port ? ' (set MCP_GATEWAY_OAUTH_PORT to another port)' : ''}`,
        ),
      ),
    )
    server.listen(port, '127.0.0.1', resolve)
  })
  const timer = setTimeout(
    () =>
      fail(
        new OAuthFlowError(
          `no answer from the browser within ${Math.round(timeoutMs / 1000)}s: nothing was stored`,
        ),
      ),
    timeoutMs,
  )
  timer.unref()
  const actual = (server.address() as net.AddressInfo).port
  return {
    redirectUri: `http://127.0.0.1:${actual}${CALLBACK_PATH}`,
    result,
    async close() {
      clearTimeout(timer)
      server.closeAllConnections()
      await new Promise((r) => server.close(r))
    },
  }
}

/**
 * Check the issued access token before keeping it. Access tokens are opaque to clients in general, but
 * when this one is a JWT its `aud` says whom it is for: a token minted for another resource would be
 * sent to this server (and the server's token to another), so it is refused. `iss` must be the issuer
 * the flow validated.
 */
export function checkTokenAudience(accessToken: string, resource: string, issuer: string): void {
  let claims: {aud?: string | string[]; iss?: string}
  try {
    claims = decodeJwt(accessToken)
  } catch {
    return // not a JWT: opaque, nothing to check here
  }
  const norm = (s: string) => s.replace(/\/$/, '')
  const aud = claims.aud === undefined ? [] : Array.isArray(claims.aud) ? claims.aud : [claims.aud]
  if (aud.length > 0 && !aud.some((a) => norm(a) === norm(resource))) {
    throw new OAuthFlowError(
      `the authorization server issued a token for another audience (${aud.map((a) => JSON.stringify(a)).join(', ')}), not for ${resource}: refusing it, nothing was stored`,
    )
  }
  if (claims.iss !== undefined && norm(claims.iss) !== norm(issuer)) {
    throw new OAuthFlowError(
      `the access token was issued by ${JSON.stringify(claims.iss)}, not by ${issuer}: refusing it, nothing was stored`,
    )
  }
}

/** The client to use: the stored one when it fits this authorization server and redirect, else a new registration. */
async function clientFor(
  store: OAuthStore,
  request: AuthorizeRequest,
  found: Discovered,
  redirectUri: string,
  scope: string | undefined,
): Promise<{client: StoredClient; registered: boolean}> {
  const stored = await store.client(request.server)
  if (stored?.registration === 'manual' && (stored.issuer === undefined || stored.issuer === found.issuer))
    return {client: {...stored, issuer: found.issuer}, registered: false}
  if (
    stored?.registration === 'dynamic' &&
    stored.issuer === found.issuer &&
    stored.redirect_uris?.includes(redirectUri)
  )
    return {client: stored, registered: false}
  if (!found.metadata.registration_endpoint || request.dynamicRegistration === false) {
    const why = found.metadata.registration_endpoint
      ? 'dynamic client registration is turned off (feature mcp-oauth-dcr)'
      : `the authorization server ${found.issuer} does not offer dynamic client registration`
    throw new OAuthFlowError(
      `${why}: register a client with it, then run "docker mcp oauth register ${request.server} --client-id <id>"`,
    )
  }
  const info = await registerClient(found.issuer, {
    metadata: found.metadata,
    clientMetadata: {
      client_name: 'Docker MCP Gateway',
      redirect_uris: [redirectUri],
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      // A public client (RFC 8252 native app): the CLI cannot keep a client secret.
      token_endpoint_auth_method: 'none',
      ...(scope ? {scope} : {}),
    },
    ...(request.fetchFn ? {fetchFn: request.fetchFn} : {}),
  }).catch((err: Error) => {
    throw new OAuthFlowError(
      `the authorization server ${found.issuer} refused to register this CLI as a client: ${err.message.split('\n')[0]}`,
    )
  })
  return {
    client: {
      client_id: info.client_id,
      client_secret: info.client_secret,
      redirect_uris: info.redirect_uris ?? [redirectUri],
      issuer: found.issuer,
      registration: 'dynamic',
    },
    registered: true,
  }
}

/** The loopback port of the stored dynamic client's redirect URI, for this issuer. */
async function registeredPort(
  store: OAuthStore,
  server: string,
  issuer: string,
): Promise<number | undefined> {
  const stored = await store.client(server)
  if (stored?.registration !== 'dynamic' || stored.issuer !== issuer) return undefined
  const uri = stored.redirect_uris?.[0]
  if (!uri) return undefined
  try {
    const url = new URL(uri)
    return url.hostname === '127.0.0.1' && url.pathname === CALLBACK_PATH && url.port
      ? Number(url.port)
      : undefined
  } catch {
    return undefined
  }
}

/**
 * The whole authorization for one remote server: discovery, the client (registered or dynamic), the
 * authorization code request with PKCE S256, `state` and `resource`, the loopback redirect, the code
 * exchange, and checks on what came back. Tokens and a new registration are stored only when every step
 * passed; no step's error carries a token, a code or a verifier.
 */
export async function authorize(store: OAuthStore, request: AuthorizeRequest): Promise<AuthorizeResult> {
  const fetchFn = request.fetchFn ?? fetch
  const found = await discover(request.server, new URL(request.url), fetchFn)
  const scope = request.scopes?.trim() || found.scopesSupported?.join(' ') || undefined
  const state = randomBytes(32).toString('base64url')
  const timeoutMs = request.timeoutMs ?? CALLBACK_TIMEOUT_MS
  let listener: CallbackListener
  const reuse = request.port ? undefined : await registeredPort(store, request.server, found.issuer)
  try {
    listener = await listen(request.port || reuse || 0, state, timeoutMs)
  } catch (err) {
    // The stored client's port is taken: a free one (and a new registration) rather than a failure.
    if (!reuse) throw err
    listener = await listen(0, state, timeoutMs)
  }
  try {
    const {client, registered} = await clientFor(store, request, found, listener.redirectUri, scope)
    const clientInformation = {
      client_id: client.client_id,
      ...(client.client_secret ? {client_secret: client.client_secret} : {}),
    }
    // PKCE verifier and S256 challenge: the SDK's (node:crypto underneath).
    const {authorizationUrl, codeVerifier} = await startAuthorization(found.issuer, {
      metadata: found.metadata,
      clientInformation,
      redirectUrl: listener.redirectUri,
      state,
      resource: found.resource,
      ...(scope ? {scope} : {}),
    })
    await request.onAuthorizationUrl(authorizationUrl)
    const {code, iss} = await listener.result
    const tokens = await exchangeAuthorization(found.issuer, {
      metadata: found.metadata,
      clientInformation,
      authorizationCode: code,
      iss,
      codeVerifier,
      redirectUri: listener.redirectUri,
      resource: found.resource,
      fetchFn,
    }).catch((err: Error) => {
      throw new OAuthFlowError(
        `the authorization server did not exchange the code for a token: ${err.message}`,
      )
    })
    checkTokenAudience(tokens.access_token, found.resource, found.issuer)
    const stored: StoredTokens = {
      access_token: tokens.access_token,
      token_type: tokens.token_type,
      refresh_token: tokens.refresh_token,
      expires_at: tokens.expires_in === undefined ? undefined : Date.now() + tokens.expires_in * 1000,
      scope: tokens.scope ?? scope,
      issuer: found.issuer,
      resource: found.resource,
    }
    if (registered || client.registration === 'manual') await store.saveClient(request.server, client)
    await store.saveTokens(request.server, stored)
    return {issuer: found.issuer, scope: stored.scope, expiresAt: stored.expires_at, registered}
  } finally {
    await listener.close()
  }
}
