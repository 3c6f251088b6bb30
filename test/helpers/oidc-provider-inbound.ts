import {randomUUID} from 'node:crypto'
import http from 'node:http'
import type net from 'node:net'

import {exportJWK, generateKeyPair, importJWK, SignJWT, type JWK, type JWTPayload} from 'jose'
import Provider from 'oidc-provider'

/**
 * A real OpenID Connect provider for the gateway's INBOUND OAuth tests (the gateway as a protected resource):
 * `oidc-provider` (certified, maintained) on 127.0.0.1 with a random port, in this process.
 *
 * Configured as an MCP client's identity provider must be: dynamic client registration (RFC 7591), the
 * authorization code flow with PKCE S256 (required for public clients), resource indicators (RFC 8707)
 * issuing JWT access tokens (RFC 9068) whose `aud` is the resource the client asked for, and the scopes in
 * `scopes` for that resource. Accounts log in with a password on a real HTML form, then consent on another;
 * `browser()` is the test's browser: it follows redirects with fetch, keeps cookies and submits the forms.
 *
 * For hand-made tokens (expired, wrong audience …) `sign()` signs with the provider's own current key, and
 * `rotateKeys()` rotates it the way providers do: a new key signs from now on, the old one stays published.
 *
 * Self-contained on purpose: the outbound-OAuth tests have their own helper (test/helpers/oidc-provider.ts);
 * the two can be merged, this one's surface is `startInboundIdp` and the `InboundIdp` interface. oidc-provider
 * prints an "Unsupported runtime" warning on Node 20; it works there for everything used here.
 */

export interface Account {
  password: string
  /** Extra claims put into this account's access tokens (groups, roles …). */
  claims?: Record<string, unknown>
}

export interface InboundIdp {
  /** http://127.0.0.1:<port> */
  issuer: string
  port: number
  /** How many times the JWKS was fetched (a key-rotation check counts them). */
  readonly jwksFetches: number
  /** Sign a JWT with the provider's current key (`kid` and RS256 as its tokens), for hand-made bad tokens. */
  sign(claims: JWTPayload): Promise<string>
  /** Generate a new signing key: tokens are signed with it from now on, the old key stays in the JWKS. */
  rotateKeys(): Promise<void>
  /** The kid tokens are signed with now. */
  readonly currentKid: string
  /** A fresh browser (its own cookie jar) logging in as `login`. */
  browser(login: string, password?: string): Browser
  close(): Promise<void>
}

export interface Browser {
  /**
   * Open an authorization URL and go through login and consent. Resolves with the URL the provider
   * redirects back to (the client's redirect_uri with `code`, `state`, `iss`), which is not loaded.
   */
  authorize(url: URL): Promise<URL>
  /** Pages this browser was shown (login, consent), for assertions. */
  readonly pages: string[]
}

interface SigningKey {
  kid: string
  privateJwk: JWK
}

async function newKey(): Promise<SigningKey> {
  const {privateKey} = await generateKeyPair('RS256', {extractable: true})
  const kid = `k-${randomUUID().slice(0, 8)}`
  return {kid, privateJwk: {...(await exportJWK(privateKey)), kid, alg: 'RS256', use: 'sig'}}
}

function readBody(req: http.IncomingMessage): Promise<URLSearchParams> {
  return new Promise((resolve, reject) => {
    let text = ''
    req.setEncoding('utf8')
    req.on('data', (d: string) => (text += d))
    req.on('end', () => resolve(new URLSearchParams(text)))
    req.on('error', reject)
  })
}

const escapeHtml = (s: string) =>
  s.replace(/[&<>"']/g, (c) => ({'&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;'})[c]!)

function page(res: http.ServerResponse, title: string, form: string): void {
  res.writeHead(200, {'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store'})
  res.end(
    `<!doctype html><html><head><title>${title}</title></head><body><h1>${title}</h1>${form}</body></html>`,
  )
}

export async function startInboundIdp(
  options: {
    accounts?: Record<string, Account>
    /** Scopes the resource (the gateway) offers; the client asks for some of them. */
    scopes?: string[]
    accessTokenTtlSeconds?: number
  } = {},
): Promise<InboundIdp> {
  const accounts = options.accounts ?? {alice: {password: 'alice-pass', claims: {groups: ['dev']}}}
  const scopes = options.scopes ?? ['mcp:tools']
  const keys: SigningKey[] = [await newKey()]
  let jwksFetches = 0

  const server = http.createServer()
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  const port = (server.address() as net.AddressInfo).port
  const issuer = `http://127.0.0.1:${port}`

  const makeProvider = () =>
    new Provider(issuer, {
      jwks: {keys: keys.map((k) => k.privateJwk) as never},
      cookies: {keys: ['inbound-idp-cookie-key']},
      ttl: {Interaction: 600, Session: 3600, Grant: 3600, RefreshToken: 3600, AccessToken: 600},
      // Registration checks a client's scope against these: the resource's scopes are known here too.
      scopes: ['openid', 'offline_access', ...scopes],
      claims: {openid: ['sub']},
      features: {
        devInteractions: {enabled: false},
        registration: {enabled: true},
        resourceIndicators: {
          enabled: true,
          defaultResource: async (_ctx: unknown, _client: unknown, oneOf?: string) => oneOf ?? undefined,
          useGrantedResource: async () => true,
          getResourceServerInfo: async (_ctx: unknown, resourceIndicator: string) => ({
            scope: scopes.join(' '),
            audience: resourceIndicator,
            accessTokenTTL: options.accessTokenTtlSeconds ?? 600,
            accessTokenFormat: 'jwt',
            jwt: {sign: {alg: 'RS256'}},
          }),
        },
      },
      async findAccount(_ctx: unknown, sub: string) {
        if (!accounts[sub]) return undefined
        return {accountId: sub, claims: async () => ({sub})}
      },
      async extraTokenClaims(_ctx: unknown, token: unknown) {
        const accountId = (token as {accountId?: string}).accountId
        return accountId ? accounts[accountId]?.claims : undefined
      },
      interactions: {url: (_ctx: unknown, interaction: {uid: string}) => `/interaction/${interaction.uid}`},
    })
  // Newest key first: oidc-provider signs with the first key of the algorithm.
  let provider = makeProvider()
  let callback = provider.callback()

  server.on('request', (req: http.IncomingMessage, res: http.ServerResponse) => {
    void (async () => {
      const url = new URL(req.url ?? '/', issuer)
      const m = /^\/interaction\/([^/]+)(?:\/(login|confirm))?$/.exec(url.pathname)
      if (!m) {
        if (url.pathname === '/jwks') jwksFetches++
        return callback(req, res)
      }
      const details = await provider.interactionDetails(req, res)
      const uid = escapeHtml(m[1]!)
      if (req.method === 'GET') {
        if (details.prompt.name === 'login') {
          return page(
            res,
            'Sign-in',
            `<form method="post" action="/interaction/${uid}/login"><input name="login"><input name="password" type="password"><button type="submit">Sign in</button></form>`,
          )
        }
        return page(
          res,
          'Authorize',
          `<form method="post" action="/interaction/${uid}/confirm"><input type="hidden" name="consent" value="yes"><button type="submit">Allow</button></form>`,
        )
      }
      const body = await readBody(req)
      if (m[2] === 'login') {
        const login = body.get('login') ?? ''
        if (accounts[login]?.password !== body.get('password')) {
          return page(res, 'Sign-in failed', '<p>wrong login or password</p>')
        }
        return provider.interactionFinished(
          req,
          res,
          {login: {accountId: login}},
          {mergeWithLastSubmission: false},
        )
      }
      // Consent: grant what the client asked for, as a user clicking "Allow" does.
      const {prompt, params, session, grantId} = details
      const grant = grantId
        ? await provider.Grant.find(grantId)
        : new provider.Grant({accountId: session!.accountId, clientId: params.client_id as string})
      const missing = prompt.details as {
        missingOIDCScope?: string[]
        missingOIDCClaims?: string[]
        missingResourceScopes?: Record<string, string[]>
      }
      if (missing.missingOIDCScope) grant!.addOIDCScope(missing.missingOIDCScope.join(' '))
      if (missing.missingOIDCClaims) grant!.addOIDCClaims(missing.missingOIDCClaims)
      for (const [indicator, s] of Object.entries(missing.missingResourceScopes ?? {})) {
        grant!.addResourceScope(indicator, s.join(' '))
      }
      const saved = await grant!.save()
      return provider.interactionFinished(
        req,
        res,
        {consent: {grantId: saved}},
        {mergeWithLastSubmission: true},
      )
    })().catch((err: unknown) => {
      if (!res.headersSent) res.writeHead(500, {'content-type': 'text/plain'})
      res.end(`idp error: ${(err as Error).message}`)
    })
  })

  return {
    issuer,
    port,
    get jwksFetches() {
      return jwksFetches
    },
    get currentKid() {
      return keys[0]!.kid
    },
    async sign(claims) {
      const key = keys[0]!
      return new SignJWT(claims)
        .setProtectedHeader({alg: 'RS256', kid: key.kid, typ: 'at+jwt'})
        .sign(await importJWK(key.privateJwk, 'RS256'))
    },
    async rotateKeys() {
      keys.unshift(await newKey())
      // Same issuer, same (module-level, in-memory) storage: clients, grants and sessions carry over.
      provider = makeProvider()
      callback = provider.callback()
    },
    browser(login, password) {
      const cookies = new Map<string, string>()
      const pages: string[] = []
      const account = {login, password: password ?? accounts[login]?.password ?? ''}
      return {
        pages,
        async authorize(start) {
          const redirectUri = start.searchParams.get('redirect_uri')
          if (!redirectUri) throw new Error('the authorization URL has no redirect_uri')
          let next = start
          let init: RequestInit = {method: 'GET'}
          for (let hop = 0; hop < 20; hop++) {
            const res = await fetch(next, {
              ...init,
              redirect: 'manual',
              headers: {
                ...(init.headers as Record<string, string> | undefined),
                cookie: [...cookies].map(([k, v]) => `${k}=${v}`).join('; '),
              },
            })
            for (const line of res.headers.getSetCookie()) {
              const [pair] = line.split(';')
              const eq = pair!.indexOf('=')
              const name = pair!.slice(0, eq).trim()
              const value = pair!.slice(eq + 1).trim()
              if (!value || /expires=Thu, 01 Jan 1970/i.test(line)) cookies.delete(name)
              else cookies.set(name, value)
            }
            if (res.status >= 300 && res.status < 400) {
              await res.body?.cancel()
              const location = new URL(res.headers.get('location')!, next)
              if (location.href.startsWith(redirectUri)) return location
              next = location
              init = {method: 'GET'}
              continue
            }
            const html = await res.text()
            if (res.status !== 200)
              throw new Error(`the provider answered ${res.status}: ${html.slice(0, 300)}`)
            const action = /<form method="post" action="([^"]+)"/.exec(html)?.[1]
            if (!action) throw new Error(`no form on the page: ${html.slice(0, 300)}`)
            const title = /<h1>([^<]*)<\/h1>/.exec(html)?.[1] ?? ''
            pages.push(title)
            const form = new URLSearchParams()
            if (html.includes('name="login"')) {
              form.set('login', account.login)
              form.set('password', account.password)
            }
            for (const hidden of html.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g)) {
              form.set(hidden[1]!, hidden[2]!)
            }
            next = new URL(action, next)
            init = {
              method: 'POST',
              body: form.toString(),
              headers: {'content-type': 'application/x-www-form-urlencoded'},
            }
          }
          throw new Error('too many redirects')
        },
      }
    },
    async close() {
      server.closeAllConnections()
      await new Promise<void>((r) => server.close(() => r()))
    },
  }
}
