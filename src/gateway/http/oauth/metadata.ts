import type http from 'node:http'

import {publicBase, publicViewOf} from '../proxy.js'
import type {OAuthResourceOptions} from './options.js'

/**
 * What the gateway says about itself as a protected resource: its RFC 9728 metadata document and the
 * RFC 6750 `WWW-Authenticate` challenges that point clients at it (MCP authorization, "Authorization Server
 * Discovery"). Pure functions of the options and the request.
 */

/** RFC 9728 §3: the well-known prefix; the resource's path, if any, follows it. */
export const PRM_PATH = '/.well-known/oauth-protected-resource'

/** The endpoint a request is for, as the path suffix of its metadata document: `/mcp`, `/sse` or none. */
export function endpointOf(pathname: string): '' | '/mcp' | '/sse' {
  if (pathname === '/mcp' || pathname.startsWith('/mcp/')) return '/mcp'
  if (pathname === '/sse' || pathname === '/message' || pathname === '/messages') return '/sse'
  return ''
}

/** The configured resource identifier: `--resource-url`, else the audience when it is an http(s) URL. */
export function configuredResource(options: OAuthResourceOptions): string | undefined {
  if (options.resourceUrl) return options.resourceUrl
  return /^https?:\/\//i.test(options.audience) ? options.audience : undefined
}

/**
 * The resource identifier clients should ask tokens for (RFC 8707 `resource`): the configured one, or the
 * URL the client reached: `<proto>://<host><prefix><endpoint>`, from the request (https with --tls-cert) or,
 * from a trusted proxy, its X-Forwarded-Proto/-Host/-Prefix (proxy.ts). The Host header was checked before
 * we get here (guards.ts checkHost).
 */
export function resourceFor(
  options: OAuthResourceOptions,
  req: http.IncomingMessage,
  endpoint: string,
): string {
  return configuredResource(options) ?? `${publicBase(publicViewOf(req))}${endpoint}`
}

/** The metadata URL for a resource: RFC 9728 §3.1 inserts the well-known path before the resource's path. */
export function metadataUrlFor(resource: string): string {
  const url = new URL(resource)
  const path = url.pathname === '/' ? '' : url.pathname.replace(/\/$/, '')
  return `${url.origin}${PRM_PATH}${path}`
}

/** The RFC 9728 document (fields as in §2). */
export function protectedResourceMetadata(
  options: OAuthResourceOptions,
  resource: string,
): Record<string, unknown> {
  return {
    resource,
    authorization_servers: [options.issuer],
    // The MCP client asks for these (MCP authorization, "Scope Selection Strategy").
    ...(options.requiredScopes.length > 0 ? {scopes_supported: options.requiredScopes} : {}),
    bearer_methods_supported: ['header'],
    resource_name: 'Docker MCP Gateway',
  }
}

/** RFC 9110 quoted-string content for an auth-param: no `"` or `\`, printable ASCII only (RFC 6750 §3). */
function quoted(value: string): string {
  return `"${value.replace(/[^\x20\x21\x23-\x5B\x5D-\x7E]/g, '')}"`
}

export interface Challenge {
  resourceMetadata: string
  error?: 'invalid_token' | 'invalid_request' | 'insufficient_scope' | undefined
  description?: string | undefined
  scope?: readonly string[] | undefined
}

/**
 * `WWW-Authenticate: Bearer …` (RFC 6750 §3, RFC 9728 §5.1). Without credentials there is no error code
 * (§3.1: "SHOULD NOT include an error code"); `scope` names what the token needs (MCP: the client asks
 * for it).
 */
export function bearerChallenge(challenge: Challenge): string {
  const params = [`resource_metadata=${quoted(challenge.resourceMetadata)}`]
  if (challenge.error) params.push(`error=${quoted(challenge.error)}`)
  if (challenge.description) params.push(`error_description=${quoted(challenge.description)}`)
  if (challenge.scope && challenge.scope.length > 0) params.push(`scope=${quoted(challenge.scope.join(' '))}`)
  return `Bearer ${params.join(', ')}`
}
