import {createHash} from 'node:crypto'

import {createRemoteJWKSet, errors, jwtVerify, type JWTPayload, type RemoteJWKSet} from 'jose'

import {isLoopback} from '../guards.js'

/**
 * Validation of JWT access tokens (RFC 9068) against the issuer's published keys, with `jose`: no crypto of
 * our own. The keys are found the way OAuth clients find them: the issuer's OpenID Connect discovery
 * document or its RFC 8414 authorization-server metadata, whose `issuer` must be the configured one and
 * whose `jwks_uri` is then fetched (and fetched again, at most once per cooldown, when a token names a key
 * it does not hold: that is how a key rotation reaches us).
 */

/** Asymmetric signatures only: an HMAC (`HS256`) token would be checked with a key the client knows too. */
export const DEFAULT_ALGORITHMS = [
  'RS256',
  'RS384',
  'RS512',
  'PS256',
  'PS384',
  'PS512',
  'ES256',
  'ES384',
  'ES512',
  'EdDSA',
  'Ed25519',
]

/** Clock skew forgiven on `exp` and `nbf`, in seconds, and the most a caller may ask for. */
export const DEFAULT_CLOCK_TOLERANCE_S = 30
export const MAX_CLOCK_TOLERANCE_S = 300

/** At most one JWKS fetch per this many ms for an unknown `kid` (a stranger's tokens must not make us hammer the IdP). */
export const DEFAULT_JWKS_COOLDOWN_MS = 10_000

/**
 * A token validated once is remembered (by its SHA-256, never the token) for this long at most, and never
 * past its `exp`: a client sends the same token on every request, and a signature check costs far more
 * than the static token's compare. Bounded so that a key the issuer withdraws stops working within a minute.
 */
export const VERIFIED_CACHE_MS = 60_000
const VERIFIED_CACHE_ENTRIES = 1000

/** A token we refuse, and why, in words fit for an RFC 6750 `error_description`. */
export class TokenRejected extends Error {}

/** The identity provider could not be asked (discovery or keys unreachable): nobody can be admitted now. */
export class IssuerUnavailable extends Error {}

export interface VerifiedToken {
  subject: string
  clientId: string | undefined
  scopes: string[]
  expiresAt: number | undefined
  claims: JWTPayload
}

export interface VerifierOptions {
  issuer: string
  audience: string
  algorithms?: string[] | undefined
  clockToleranceSeconds?: number | undefined
  jwksCooldownMs?: number | undefined
  /** For tests: how to fetch the discovery document. */
  fetch?: typeof fetch | undefined
}

/** The scopes of a token: RFC 9068 `scope` (space-separated), or `scp` as Okta and Azure AD send it. */
export function tokenScopes(claims: JWTPayload): string[] {
  const raw = claims.scope ?? claims.scp
  if (typeof raw === 'string') return raw.split(' ').filter(Boolean)
  if (Array.isArray(raw)) return raw.filter((s): s is string => typeof s === 'string')
  return []
}

/** The client the token was issued to: RFC 9068 `client_id`, else OIDC `azp` (Keycloak), else Okta's `cid`. */
export function tokenClientId(claims: JWTPayload): string | undefined {
  for (const name of ['client_id', 'azp', 'cid']) {
    const value = claims[name]
    if (typeof value === 'string' && value) return value
  }
  return undefined
}

function secureOrLoopback(url: URL): boolean {
  return (
    url.protocol === 'https:' ||
    (url.protocol === 'http:' && isLoopback(url.hostname.replace(/^\[|\]$/g, '')))
  )
}

/** Where the issuer's metadata may be: OpenID discovery (appended), then RFC 8414 (inserted before the path). */
export function discoveryUrls(issuer: string): URL[] {
  const url = new URL(issuer)
  const path = url.pathname.replace(/\/$/, '')
  return [
    new URL(`${path}/.well-known/openid-configuration`, url.origin),
    new URL(`/.well-known/oauth-authorization-server${path}`, url.origin),
  ]
}

const sameIssuer = (a: string, b: string) => a.replace(/\/$/, '') === b.replace(/\/$/, '')

export class AccessTokenVerifier {
  private readonly algorithms: string[]
  private readonly clockTolerance: number
  private readonly fetchFn: typeof fetch
  private keys: Promise<{issuer: string; jwks: RemoteJWKSet}> | undefined
  private lastDiscoveryFailure = 0
  private readonly verified = new Map<string, {token: VerifiedToken; until: number}>()

  constructor(private readonly options: VerifierOptions) {
    this.algorithms = options.algorithms ?? DEFAULT_ALGORITHMS
    this.clockTolerance = Math.min(
      Math.max(0, options.clockToleranceSeconds ?? DEFAULT_CLOCK_TOLERANCE_S),
      MAX_CLOCK_TOLERANCE_S,
    )
    this.fetchFn = options.fetch ?? fetch
  }

  /**
   * Find the issuer's keys (once; again after a failure, at most once per cooldown). Resolves with the
   * issuer as its metadata spells it, which tokens must carry in `iss`.
   */
  discover(): Promise<{issuer: string; jwks: RemoteJWKSet}> {
    if (this.keys) return this.keys
    const cooldown = this.options.jwksCooldownMs ?? DEFAULT_JWKS_COOLDOWN_MS
    if (Date.now() - this.lastDiscoveryFailure < cooldown) {
      return Promise.reject(
        new IssuerUnavailable(`the identity provider ${this.options.issuer} was unreachable just now`),
      )
    }
    const keys = this.fetchMetadata().then(({issuer, jwksUri}) => ({
      issuer,
      jwks: createRemoteJWKSet(jwksUri, {cooldownDuration: cooldown, timeoutDuration: 5000}),
    }))
    this.keys = keys
    keys.catch(() => {
      this.keys = undefined
      this.lastDiscoveryFailure = Date.now()
    })
    return keys
  }

  private async fetchMetadata(): Promise<{issuer: string; jwksUri: URL}> {
    const problems: string[] = []
    for (const url of discoveryUrls(this.options.issuer)) {
      let response: Response
      try {
        response = await this.fetchFn(url, {
          headers: {accept: 'application/json'},
          redirect: 'error',
          signal: AbortSignal.timeout(5000),
        })
      } catch (err) {
        problems.push(`${url.href}: ${(err as Error).message}`)
        continue
      }
      if (!response.ok) {
        await response.body?.cancel().catch(() => {})
        problems.push(`${url.href}: HTTP ${response.status}`)
        continue
      }
      const metadata = (await response.json().catch(() => undefined)) as
        {issuer?: unknown; jwks_uri?: unknown} | undefined
      // RFC 8414 §3.3, OpenID Discovery §4.3: the document must name the issuer we asked about.
      if (typeof metadata?.issuer !== 'string' || !sameIssuer(metadata.issuer, this.options.issuer)) {
        throw new IssuerUnavailable(
          `${url.href} names issuer ${JSON.stringify(metadata?.issuer)}, not ${this.options.issuer}: check --issuer`,
        )
      }
      if (typeof metadata.jwks_uri !== 'string') {
        throw new IssuerUnavailable(`${url.href} has no jwks_uri: the issuer publishes no signing keys`)
      }
      const jwksUri = new URL(metadata.jwks_uri)
      if (!secureOrLoopback(jwksUri)) {
        throw new IssuerUnavailable(`the issuer's jwks_uri ${jwksUri.href} is not https`)
      }
      return {issuer: metadata.issuer, jwksUri}
    }
    throw new IssuerUnavailable(`no metadata for issuer ${this.options.issuer}: ${problems.join('; ')}`)
  }

  /** Validate one access token: signature, algorithm, issuer, audience, expiry, not-before, subject. */
  async verify(token: string): Promise<VerifiedToken> {
    const key = createHash('sha256').update(token).digest('base64url')
    const now = Date.now()
    const hit = this.verified.get(key)
    if (hit) {
      const exp = hit.token.expiresAt
      if (now < hit.until && (exp === undefined || now / 1000 <= exp + this.clockTolerance)) return hit.token
      this.verified.delete(key)
    }
    const checked = await this.check(token)
    if (this.verified.size >= VERIFIED_CACHE_ENTRIES) this.verified.delete(this.verified.keys().next().value!)
    this.verified.set(key, {token: checked, until: now + VERIFIED_CACHE_MS})
    return checked
  }

  private async check(token: string): Promise<VerifiedToken> {
    const {issuer, jwks} = await this.discover()
    const audiences = [this.options.audience]
    // A URL audience is compared as RFC 8707 resources are: `https://mcp.example.com` and `…com/` are one.
    if (/^https?:\/\//.test(this.options.audience)) {
      audiences.push(
        this.options.audience.endsWith('/')
          ? this.options.audience.slice(0, -1)
          : `${this.options.audience}/`,
      )
    }
    let payload: JWTPayload
    try {
      ;({payload} = await jwtVerify(token, jwks, {
        issuer,
        audience: audiences,
        algorithms: this.algorithms,
        clockTolerance: this.clockTolerance,
        requiredClaims: ['exp', 'sub'],
      }))
    } catch (err) {
      throw rejection(err)
    }
    return {
      subject: payload.sub!,
      clientId: tokenClientId(payload),
      scopes: tokenScopes(payload),
      expiresAt: payload.exp,
      claims: payload,
    }
  }
}

/** A jose failure as a reason a client can act on (RFC 6750 `error_description`), or the IdP being down. */
function rejection(err: unknown): Error {
  if (err instanceof errors.JWTExpired) return new TokenRejected('the access token has expired')
  if (err instanceof errors.JWTClaimValidationFailed) {
    switch (err.claim) {
      case 'aud':
        return new TokenRejected('the access token is for another audience, not this gateway')
      case 'iss':
        return new TokenRejected('the access token was issued by another issuer')
      case 'nbf':
        return new TokenRejected('the access token is not valid yet (nbf)')
      case 'iat':
        return new TokenRejected('the access token was issued in the future (iat)')
      default:
        return new TokenRejected(`the access token's ${err.claim} claim is missing or invalid`)
    }
  }
  if (err instanceof errors.JOSEAlgNotAllowed) {
    return new TokenRejected('the access token is signed with an algorithm this gateway does not accept')
  }
  if (err instanceof errors.JWKSNoMatchingKey) {
    return new TokenRejected('the access token is signed with a key the issuer does not publish')
  }
  if (err instanceof errors.JWSSignatureVerificationFailed) {
    return new TokenRejected('the access token signature does not verify')
  }
  if (err instanceof errors.JWKSTimeout)
    return new IssuerUnavailable("the issuer's keys could not be fetched in time")
  // jose says "Expected 200 OK" with a bare JOSEError, and JWKSInvalid for a key set it cannot read: the
  // issuer's fault, not the token's.
  if (
    err instanceof errors.JWKSInvalid ||
    (err instanceof errors.JOSEError && err.constructor === errors.JOSEError)
  ) {
    return new IssuerUnavailable(`the issuer's keys could not be fetched: ${err.message}`)
  }
  if (err instanceof errors.JOSEError) return new TokenRejected('the access token is not a valid signed JWT')
  if (err instanceof IssuerUnavailable) return err
  return new IssuerUnavailable(`the issuer's keys could not be fetched: ${(err as Error).message}`)
}
