import http from 'node:http'
import type net from 'node:net'

import Provider, {errors} from 'oidc-provider'

/**
 * A real OpenID Connect provider (npm `oidc-provider`, certified) on 127.0.0.1 for the OAuth tests, in
 * the test process. Configured as the MCP authorization spec expects of an authorization server:
 * dynamic client registration (RFC 7591), PKCE S256 required, resource indicators (RFC 8707) with JWT
 * access tokens whose `aud` is the resource, refresh tokens, revocation. Logins and consents are the
 * library's development interactions (any login, any password), which `login()` fills in like a browser.
 *
 * Shared API (inbound and outbound OAuth tests):
 *   const idp = await startOidcProvider({resources: {'http://127.0.0.1:1234/mcp': {scope: 'notes:read'}}})
 *   idp.issuer                              // http://127.0.0.1:<port>
 *   await idp.login(authorizationUrl)       // follows redirects, logs in, consents; returns the redirect
 *   await idp.stop()
 */
export interface ResourceOptions {
  /** Scopes this resource server accepts (space-separated). */
  scope: string
  /** The access token's `aud`; default the resource indicator itself (tests set another for "wrong audience"). */
  audience?: string
  /** Access token lifetime in seconds (default 300). */
  accessTokenTTL?: number
}

export interface OidcProviderOptions {
  /** Port on 127.0.0.1; default any free one. */
  port?: number
  /** Resource indicators this provider issues JWT access tokens for, and how. */
  resources: Record<string, ResourceOptions>
  /** Scopes beyond the resources' (resources added later with `setResource` need theirs here). */
  scopes?: string[]
  /** Statically registered clients (`oauth register` tests), in oidc-provider's client metadata form. */
  clients?: Record<string, unknown>[]
}

export interface LoginOptions {
  /** The account id the scripted user logs in as (default `alice`). */
  account?: string
  /**
   * The redirect back to the client (the `redirect_uri` with `code` and `state`), before the browser
   * follows it: return another URL to tamper with it (mismatched state tests). Default: unchanged.
   */
  beforeCallback?: (url: URL) => URL
  /** Do not request the callback; just return its URL. */
  stopAtCallback?: boolean
}

export interface LoginResult {
  /** The redirect URL the provider sent the browser to (after `beforeCallback`). */
  callback: URL
  /** What the callback answered (undefined with `stopAtCallback`). */
  status?: number
  body?: string
}

export interface OidcProvider {
  issuer: string
  port: number
  /** The JWKS URI (for resource servers validating tokens). */
  jwksUri: string
  /** Behave like a browser: follow `authorizationUrl` through login and consent to the client's redirect. */
  login(authorizationUrl: string | URL, options?: LoginOptions): Promise<LoginResult>
  /** Change a resource's settings while running (e.g. its audience). */
  setResource(indicator: string, options: ResourceOptions): void
  /** Access tokens issued so far (the values, for no-leak greps). */
  readonly issuedAccessTokens: readonly string[]
  stop(): Promise<void>
}

/** Start the provider. */
export async function startOidcProvider(options: OidcProviderOptions): Promise<OidcProvider> {
  const resources = new Map(Object.entries(options.resources))
  const issued: string[] = []
  const server = http.createServer()
  await new Promise<void>((r) => server.listen(options.port ?? 0, '127.0.0.1', r))
  const port = (server.address() as net.AddressInfo).port
  const issuer = `http://127.0.0.1:${port}`
  const allScopes = new Set(['openid', 'offline_access', ...(options.scopes ?? [])])
  for (const r of resources.values()) for (const s of r.scope.split(' ')) allScopes.add(s)

  const provider = new Provider(issuer, {
    clients: (options.clients ?? []) as never,
    clientDefaults: {
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      token_endpoint_auth_method: 'none',
    },
    cookies: {keys: ['test-only-cookie-key-0123456789abcdef']},
    features: {
      registration: {enabled: true},
      revocation: {enabled: true},
      devInteractions: {enabled: true},
      resourceIndicators: {
        enabled: true,
        defaultResource: async (_ctx: unknown, _client: unknown, oneOf?: string) => oneOf ?? undefined,
        useGrantedResource: async () => true,
        getResourceServerInfo: async (_ctx: unknown, indicator: string) => {
          const r = resources.get(indicator)
          if (!r) throw new errors.InvalidTarget()
          return {
            scope: r.scope,
            audience: r.audience ?? indicator,
            accessTokenTTL: r.accessTokenTTL ?? 300,
            accessTokenFormat: 'jwt',
          }
        },
      },
    },
    pkce: {required: () => true},
    scopes: [...allScopes],
    // Refresh tokens for any client allowed the grant (no offline_access dance in tests).
    issueRefreshToken: async (_ctx: unknown, client: {grantTypeAllowed(grant: string): boolean}) =>
      client.grantTypeAllowed('refresh_token'),
    ttl: {RefreshToken: 3600, Grant: 3600, Session: 3600, Interaction: 600, AuthorizationCode: 60},
    findAccount: async (_ctx: unknown, sub: string) => ({accountId: sub, claims: async () => ({sub})}),
  })
  provider.on('access_token.issued', (token: {format?: string; jti: string}) => void token)
  // The JWT values themselves, for the tests' "never printed" greps: read from each token response.
  provider.use(async (ctx: {path: string; body: unknown}, next: () => Promise<void>) => {
    await next()
    if (ctx.path === '/token' && ctx.body && typeof ctx.body === 'object') {
      const body = ctx.body as {access_token?: string; refresh_token?: string}
      if (body.access_token) issued.push(body.access_token)
      if (body.refresh_token) issued.push(body.refresh_token)
    }
  })
  server.on('request', provider.callback())

  return {
    issuer,
    port,
    jwksUri: `${issuer}/jwks`,
    get issuedAccessTokens() {
      return issued
    },
    setResource(indicator, o) {
      resources.set(indicator, o)
    },
    login: (url, o) => scriptedLogin(new URL(url), issuer, o ?? {}),
    async stop() {
      server.closeAllConnections()
      await new Promise((r) => server.close(r))
    },
  }
}

/** A browser, as far as the provider's development interactions need one: cookies, redirects, two forms. */
async function scriptedLogin(start: URL, issuer: string, options: LoginOptions): Promise<LoginResult> {
  const jar = new Map<string, string>()
  const send = async (url: URL, init: RequestInit = {}): Promise<Response> => {
    const headers = new Headers(init.headers)
    if (url.origin === issuer && jar.size > 0)
      headers.set('cookie', [...jar].map(([k, v]) => `${k}=${v}`).join('; '))
    const res = await fetch(url, {...init, headers, redirect: 'manual'})
    for (const c of res.headers.getSetCookie()) {
      const [pair] = c.split(';')
      const eq = pair!.indexOf('=')
      jar.set(pair!.slice(0, eq).trim(), pair!.slice(eq + 1).trim())
    }
    return res
  }
  let url = start
  let res = await send(url)
  for (let step = 0; step < 20; step++) {
    const location = res.headers.get('location')
    if (res.status >= 300 && res.status < 400 && location) {
      await res.body?.cancel()
      url = new URL(location, url)
      if (url.origin !== issuer) {
        const callback = options.beforeCallback ? options.beforeCallback(url) : url
        if (options.stopAtCallback) return {callback}
        const answer = await fetch(callback)
        return {callback, status: answer.status, body: await answer.text()}
      }
      res = await send(url)
      continue
    }
    const html = await res.text()
    if (res.status !== 200) throw new Error(`the provider answered ${res.status} at ${url.pathname}: ${html}`)
    const action = /<form[^>]*action="([^"]+)"/.exec(html)?.[1]
    const prompt = /name="prompt" value="([^"]+)"/.exec(html)?.[1]
    if (!action || !prompt) throw new Error(`no interaction form at ${url.pathname}: ${html.slice(0, 500)}`)
    const form = new URLSearchParams({prompt})
    if (prompt === 'login') {
      form.set('login', options.account ?? 'alice')
      form.set('password', 'any')
    }
    url = new URL(action.replace(/&amp;/g, '&'), url)
    res = await send(url, {
      method: 'POST',
      body: form,
      headers: {'content-type': 'application/x-www-form-urlencoded'},
    })
  }
  throw new Error('too many redirects in the scripted login')
}
