import {UsageError} from '../../../errors.js'
import {isLoopback} from '../guards.js'

/**
 * `gateway run --auth oauth`: the gateway as an OAuth 2.0 protected resource (RFC 9728, MCP authorization).
 * These are the settings, validated once at start-up; the authenticator (authenticator.ts) uses them.
 */
export interface OAuthResourceOptions {
  /** The authorization server's issuer identifier (`iss` of its tokens, RFC 8414 `issuer`). */
  issuer: string
  /** The value the access token's `aud` must carry (RFC 8707 resource indicator, or an API name). */
  audience: string
  /** Scopes every access token must carry; 403 `insufficient_scope` otherwise. */
  requiredScopes: string[]
  /**
   * The gateway's resource identifier in its protected-resource metadata (`--resource-url`). Default: the
   * audience when it is an http(s) URL, else the URL the client reached the gateway at.
   */
  resourceUrl?: string | undefined
}

/** The `--auth` flag values. */
export const AUTH_MODES = ['token', 'oauth'] as const

/** RFC 6749 §3.3 scope-token: printable ASCII but space, `"` and `\`. */
const SCOPE_TOKEN = /^[\x21\x23-\x5B\x5D-\x7E]+$/

/** Is this URL's host one that only reaches this machine (http allowed there, as RFC 8252 allows)? */
function loopbackUrl(url: URL): boolean {
  return isLoopback(url.hostname.replace(/^\[|\]$/g, ''))
}

function parseUrl(flag: string, value: string): URL {
  let url: URL
  try {
    url = new URL(value)
  } catch {
    throw new UsageError(`${flag} "${value}" is not a URL: give an absolute https:// URL`)
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new UsageError(`${flag} "${value}" must be an https:// URL`)
  }
  if (url.username || url.password) throw new UsageError(`${flag} must not carry a user name or password`)
  if (url.hash) throw new UsageError(`${flag} "${value}" must not have a #fragment`)
  return url
}

/** Split repeated and comma- or space-separated scope lists, checking the OAuth scope grammar. */
export function parseScopes(values: readonly string[] | undefined): string[] {
  const scopes: string[] = []
  for (const value of values ?? []) {
    for (const scope of value.split(/[\s,]+/).filter(Boolean)) {
      if (!SCOPE_TOKEN.test(scope)) {
        throw new UsageError(`--required-scopes: "${scope}" is not an OAuth scope (RFC 6749 §3.3)`)
      }
      if (!scopes.includes(scope)) scopes.push(scope)
    }
  }
  return scopes
}

export interface OAuthFlagValues {
  auth?: string | undefined
  issuer?: string | undefined
  audience?: string | undefined
  'required-scopes'?: string[] | undefined
  'resource-url'?: string | undefined
}

/**
 * The OAuth settings from `gateway run` flags, or undefined for the default (static token). Refuses what
 * would silently protect nothing or protect it wrongly: OAuth over stdio (there is no HTTP request to
 * carry a token), an http issuer that is not loopback (its metadata and keys could be swapped in transit),
 * OAuth flags without `--auth oauth`, OAuth with `--allow-unauthenticated`.
 */
export function oauthOptionsFromFlags(
  flags: OAuthFlagValues,
  context: {transport: 'stdio' | 'sse' | 'streaming'; allowUnauthenticated: boolean},
): OAuthResourceOptions | undefined {
  const mode = flags.auth ?? 'token'
  if (!(AUTH_MODES as readonly string[]).includes(mode)) {
    throw new UsageError(`--auth "${mode}" is not one of: ${AUTH_MODES.join(', ')}`)
  }
  if (mode !== 'oauth') {
    const stray = (['issuer', 'audience', 'required-scopes', 'resource-url'] as const).filter(
      (f) => flags[f] !== undefined && !(Array.isArray(flags[f]) && flags[f].length === 0),
    )
    if (stray.length > 0) {
      throw new UsageError(`${stray.map((f) => `--${f}`).join(', ')} only apply with --auth oauth`, {
        suggestions: ['Add --auth oauth --issuer <URL> --audience <AUD> to validate OAuth access tokens.'],
      })
    }
    return undefined
  }
  if (context.transport === 'stdio') {
    throw new UsageError('--auth oauth needs --transport streaming or sse: a stdio client sends no token', {
      suggestions: [
        'docker mcp gateway run --transport streaming --auth oauth --issuer <URL> --audience <AUD>',
      ],
    })
  }
  if (context.allowUnauthenticated) {
    throw new UsageError('--auth oauth and --allow-unauthenticated contradict each other: choose one')
  }
  if (!flags.issuer) {
    throw new UsageError('--auth oauth needs --issuer: the URL of your identity provider (its issuer)', {
      suggestions: ['e.g. --issuer https://keycloak.example.com/realms/team'],
    })
  }
  const issuer = parseUrl('--issuer', flags.issuer)
  if (issuer.protocol !== 'https:' && !loopbackUrl(issuer)) {
    throw new UsageError(
      `--issuer "${flags.issuer}" must be https:// (http is only allowed on a loopback address): the gateway trusts the keys it finds there`,
    )
  }
  if (issuer.search) throw new UsageError(`--issuer "${flags.issuer}" must not have a ?query (RFC 8414 §2)`)
  const audience = flags.audience?.trim()
  if (!audience) {
    throw new UsageError(
      '--auth oauth needs --audience: the "aud" value your identity provider puts in tokens for this gateway',
      {suggestions: ["e.g. --audience https://mcp.example.com (the gateway's public URL) or an API name"]},
    )
  }
  let resourceUrl: string | undefined
  if (flags['resource-url'] !== undefined) {
    const url = parseUrl('--resource-url', flags['resource-url'])
    if (url.search) throw new UsageError('--resource-url must not have a ?query')
    resourceUrl = flags['resource-url']
  }
  return {
    // Kept as typed: the issuer is compared character for character with the tokens' `iss`.
    issuer: flags.issuer,
    audience,
    requiredScopes: parseScopes(flags['required-scopes']),
    resourceUrl,
  }
}
