import {
  discoverOAuthServerInfo,
  extractWWWAuthenticateParams,
  IssuerMismatchError,
  type AuthorizationServerMetadata,
} from '@modelcontextprotocol/client'

import {OAuthFlowError} from './errors.js'

/** What the MCP server and its authorization server told us, validated. */
export interface Discovered {
  /** The resource indicator (RFC 8707): the protected-resource metadata's `resource`, else the server URL. */
  resource: string
  issuer: string
  metadata: AuthorizationServerMetadata
  /** Scopes the resource says it supports (a default for the request). */
  scopesSupported?: string[] | undefined
}

/** Loopback hosts: the only place plain http is acceptable for an OAuth endpoint (RFC 8252 §8.3). */
export function isLoopbackHost(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, '').toLowerCase()
  return host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host)
}

/**
 * An endpoint the flow sends the user or a credential to must be https, or http on a loopback host. A
 * metadata document pointing the browser at `http://evil.example` would hand the code (or the user's
 * password) to anyone on the path.
 */
export function assertSecureEndpoint(what: string, raw: string | undefined): void {
  if (raw === undefined) return
  let url: URL
  try {
    url = new URL(raw)
  } catch {
    throw new OAuthFlowError(`the authorization server's ${what} is not a URL: refusing`)
  }
  if (url.protocol === 'https:') return
  if (url.protocol === 'http:' && isLoopbackHost(url.hostname)) return
  throw new OAuthFlowError(
    `the authorization server's ${what} (${url.origin}) is neither https nor on a loopback host: refusing to use it`,
  )
}

/** Same origin and path (ignoring a trailing slash): is `resource` the server at `serverUrl`, or a parent of it? */
function resourceCovers(resource: string, serverUrl: URL): boolean {
  let r: URL
  try {
    r = new URL(resource)
  } catch {
    return false
  }
  if (r.origin !== serverUrl.origin) return false
  const base = r.pathname.replace(/\/$/, '')
  const path = serverUrl.pathname.replace(/\/$/, '')
  return path === base || path.startsWith(base + '/')
}

/**
 * The MCP authorization discovery: an unauthenticated request to the server (401 and its
 * `WWW-Authenticate` `resource_metadata`), the protected-resource metadata (RFC 9728), then the
 * authorization server's metadata (RFC 8414 / OpenID discovery) with its `issuer` checked against the
 * authorization server URL (the SDK's check), and every endpoint checked for https or loopback.
 */
export async function discover(
  server: string,
  serverUrl: URL,
  fetchFn: typeof fetch = fetch,
): Promise<Discovered> {
  let resourceMetadataUrl: URL | undefined
  try {
    const probe = await fetchFn(serverUrl, {
      method: 'POST',
      headers: {'content-type': 'application/json', accept: 'application/json, text/event-stream'},
      body: JSON.stringify({jsonrpc: '2.0', id: 0, method: 'ping'}),
    })
    await probe.body?.cancel().catch(() => {})
    if (probe.status === 401) resourceMetadataUrl = extractWWWAuthenticateParams(probe).resourceMetadataUrl
  } catch (err) {
    throw new OAuthFlowError(
      `cannot reach server "${server}" at ${serverUrl.origin}: ${(err as Error).message}`,
    )
  }
  let info
  try {
    info = await discoverOAuthServerInfo(serverUrl, {
      ...(resourceMetadataUrl ? {resourceMetadataUrl} : {}),
      fetchFn,
    })
  } catch (err) {
    if (err instanceof IssuerMismatchError) {
      throw new OAuthFlowError(
        `the authorization server's metadata names issuer ${JSON.stringify(err.received)}, not ${JSON.stringify(err.expected)} where it was fetched (RFC 8414 §3.3): refusing it, nothing was stored`,
      )
    }
    throw new OAuthFlowError(`OAuth discovery for server "${server}" failed: ${(err as Error).message}`)
  }
  const metadata = info.authorizationServerMetadata
  if (!metadata)
    throw new OAuthFlowError(
      `server "${server}" names no authorization server with OAuth metadata (${info.authorizationServerUrl}): it may not use OAuth`,
    )
  assertSecureEndpoint('authorization server', info.authorizationServerUrl)
  assertSecureEndpoint('issuer', metadata.issuer)
  assertSecureEndpoint('authorization endpoint', metadata.authorization_endpoint)
  assertSecureEndpoint('token endpoint', metadata.token_endpoint)
  assertSecureEndpoint('registration endpoint', metadata.registration_endpoint)
  assertSecureEndpoint(
    'revocation endpoint',
    (metadata as {revocation_endpoint?: string}).revocation_endpoint,
  )
  if (!(metadata.code_challenge_methods_supported ?? ['S256']).includes('S256'))
    throw new OAuthFlowError(
      `the authorization server ${metadata.issuer} does not support PKCE S256 (required by MCP)`,
    )
  const declared = info.resourceMetadata?.resource
  if (declared !== undefined && !resourceCovers(declared, serverUrl)) {
    throw new OAuthFlowError(
      `the protected-resource metadata of server "${server}" is for ${declared}, not ${serverUrl.href}: refusing it`,
    )
  }
  return {
    resource: declared ?? serverUrl.href,
    issuer: metadata.issuer,
    metadata,
    scopesSupported: info.resourceMetadata?.scopes_supported,
  }
}
