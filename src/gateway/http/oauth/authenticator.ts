import type http from 'node:http'

import type {Logger} from '../../logger.js'
import type {Caller} from '../../session/caller.js'
import type {Admission, Authenticator} from '../auth.js'
import {isOAuthDiscoveryPath} from '../guards.js'
import {publicViewOf} from '../proxy.js'
import {
  bearerChallenge,
  endpointOf,
  configuredResource,
  metadataUrlFor,
  PRM_PATH,
  protectedResourceMetadata,
  resourceFor,
  type Challenge,
} from './metadata.js'
import type {OAuthResourceOptions} from './options.js'
import {AccessTokenVerifier, IssuerUnavailable, TokenRejected, type VerifiedToken} from './verifier.js'

/**
 * `--auth oauth`: the gateway as an OAuth 2.0 protected resource (MCP authorization). Each request's
 * bearer token is a JWT access token from the configured issuer, checked locally (verifier.ts); the caller
 * is `oauth:<sub>` with its client, scopes and claims. Clients that speak MCP authorization find the
 * identity provider from our 401 (`resource_metadata`) and the metadata document this authenticator serves,
 * register, log the user in, and come back with a token: no token is copied by hand.
 */
export interface OAuthAuthenticator extends Authenticator {
  /** Fetch the issuer's metadata and keys now (at start-up), so that a wrong `--issuer` shows at once. */
  warmUp(): Promise<void>
}

/** `Bearer <b64token>` (RFC 6750 §2.1); the scheme is case-insensitive. */
const BEARER = /^Bearer[ \t]+([A-Za-z0-9\-._~+/]+=*)[ \t]*$/i

/** How long the same "identity provider unreachable" warning is not repeated. */
const WARN_EVERY_MS = 60_000

/** The caller a validated token speaks for. Frozen: guards read it, none may change it. */
export function oauthCaller(token: VerifiedToken): Caller {
  return Object.freeze({
    id: `oauth:${token.subject}`,
    via: 'oauth' as const,
    name: token.subject,
    clientId: token.clientId,
    scopes: Object.freeze([...token.scopes]),
    claims: Object.freeze({...token.claims}),
  })
}

export function oauthAuthenticator(
  options: OAuthResourceOptions,
  deps: {
    logger?: Logger | undefined
    verifier?: AccessTokenVerifier | undefined
    jwksCooldownMs?: number
  } = {},
): OAuthAuthenticator {
  const verifier =
    deps.verifier ??
    new AccessTokenVerifier({
      issuer: options.issuer,
      audience: options.audience,
      jwksCooldownMs: deps.jwksCooldownMs,
    })
  const required = options.requiredScopes
  let lastWarning = {text: '', at: 0}
  const warn = (text: string) => {
    const now = Date.now()
    if (text === lastWarning.text && now - lastWarning.at < WARN_EVERY_MS) return
    lastWarning = {text, at: now}
    deps.logger?.warn(`  - oauth: ${text}`)
  }

  const refuse = (status: 401 | 403, message: string, challenge: Challenge): Admission => ({
    refused: {status, message, headers: {'www-authenticate': bearerChallenge(challenge)}},
  })

  return {
    async warmUp() {
      try {
        await verifier.discover()
        deps.logger?.info(`> OAuth: access tokens from ${options.issuer} for audience ${options.audience}`)
      } catch (err) {
        warn(`${(err as Error).message}: requests are refused until it answers`)
      }
    },

    async admit(req: http.IncomingMessage): Promise<Admission> {
      const endpoint = endpointOf(new URL(req.url ?? '/', 'http://gateway').pathname)
      const resourceMetadata = metadataUrlFor(resourceFor(options, req, endpoint))
      const header = req.headers.authorization
      if (header === undefined || header.trim() === '') {
        return refuse(
          401,
          `missing bearer token: this gateway takes OAuth access tokens from ${options.issuer}; an MCP client that supports authorization signs in by itself (metadata: ${resourceMetadata})`,
          {resourceMetadata, scope: required},
        )
      }
      const bearer = BEARER.exec(header.trim())
      if (!bearer) {
        return refuse(401, 'the Authorization header is not "Bearer <access token>"', {
          resourceMetadata,
          error: 'invalid_request',
          description: 'expected Authorization: Bearer <access token>',
          scope: required,
        })
      }
      let token: VerifiedToken
      try {
        token = await verifier.verify(bearer[1]!)
      } catch (err) {
        if (err instanceof TokenRejected) {
          return refuse(401, `invalid access token: ${err.message}`, {
            resourceMetadata,
            error: 'invalid_token',
            description: err.message,
            scope: required,
          })
        }
        const text =
          err instanceof IssuerUnavailable ? err.message : `token check failed: ${(err as Error).message}`
        warn(text)
        return {
          refused: {
            status: 503,
            message: `cannot check access tokens now: the identity provider ${options.issuer} is unreachable`,
            headers: {'retry-after': '10'},
          },
        }
      }
      const missing = required.filter((s) => !token.scopes.includes(s))
      if (missing.length > 0) {
        return refuse(403, `the access token lacks the scope ${missing.join(' ')} this gateway requires`, {
          resourceMetadata,
          error: 'insufficient_scope',
          description: `scope ${missing.join(' ')} required`,
          scope: required,
        })
      }
      return {caller: oauthCaller(token)}
    },

    serve(req, res, url) {
      const {pathname} = url
      if (pathname === PRM_PATH || pathname.startsWith(`${PRM_PATH}/`)) {
        // A proxy may pass /.well-known/oauth-protected-resource/<prefix>/mcp through unchanged.
        const {prefix} = publicViewOf(req)
        const raw = pathname.slice(PRM_PATH.length)
        const suffix = prefix && raw.startsWith(`${prefix}/`) ? raw.slice(prefix.length) : raw
        const configured = configuredResource(options)
        const known = ['', '/mcp', '/sse']
        if (configured) known.push(new URL(configured).pathname.replace(/\/$/, ''))
        if (!known.includes(suffix)) return notFound(res, `no protected resource at ${suffix}`)
        if (req.method !== 'GET' && req.method !== 'HEAD') {
          res.writeHead(405, {allow: 'GET, HEAD', connection: 'close'})
          res.end()
          return true
        }
        const body = JSON.stringify(protectedResourceMetadata(options, resourceFor(options, req, suffix)))
        res.writeHead(200, {
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(body),
          'cache-control': 'max-age=300',
        })
        res.end(req.method === 'HEAD' ? undefined : body)
        return true
      }
      // Clients of the 2025-03-26 revision look for an authorization server on our origin: name the real one.
      if (isOAuthDiscoveryPath(pathname)) {
        return notFound(
          res,
          `this MCP gateway is an OAuth protected resource, not an authorization server: sign in with ${options.issuer} (see ${PRM_PATH})`,
        )
      }
      return false
    },
  }
}

function notFound(res: http.ServerResponse, description: string): true {
  const body = JSON.stringify({error: 'invalid_request', error_description: description})
  res.writeHead(404, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(body),
    connection: 'close',
  })
  res.end(body)
  return true
}
