import {discoverAuthorizationServerMetadata} from '@modelcontextprotocol/client'

import {assertSecureEndpoint} from './discovery.js'
import type {OAuthStore} from './store.js'

export interface RevokeResult {
  /** Tokens were stored and are now deleted. */
  removed: boolean
  /** The authorization server confirmed revocation (RFC 7009), when it offers it. */
  revokedAtServer: boolean
  /** Why revocation at the server did not happen (the local tokens are deleted regardless). */
  warning?: string
}

/**
 * Revoke a server's tokens: at the authorization server when it has a revocation endpoint (RFC 7009; the
 * refresh token first, which ends the grant), then delete them locally, in every case. The client
 * registration stays (`--all` in the command deletes it too), so authorizing again needs no new one.
 */
export async function revoke(
  store: OAuthStore,
  server: string,
  options: {client?: boolean; fetchFn?: typeof fetch} = {},
): Promise<RevokeResult> {
  const tokens = await store.tokens(server)
  const client = await store.client(server)
  let revokedAtServer = false
  let warning: string | undefined
  if (tokens && client) {
    const fetchFn = options.fetchFn ?? fetch
    try {
      const metadata = await discoverAuthorizationServerMetadata(tokens.issuer, {fetchFn})
      const endpoint = (metadata as {revocation_endpoint?: string} | undefined)?.revocation_endpoint
      if (!endpoint) warning = `the authorization server ${tokens.issuer} offers no revocation endpoint`
      else {
        assertSecureEndpoint('revocation endpoint', endpoint)
        for (const [token, hint] of [
          [tokens.refresh_token, 'refresh_token'],
          [tokens.access_token, 'access_token'],
        ] as const) {
          if (!token) continue
          const body = new URLSearchParams({token, token_type_hint: hint, client_id: client.client_id})
          if (client.client_secret) body.set('client_secret', client.client_secret)
          const res = await fetchFn(endpoint, {
            method: 'POST',
            headers: {'content-type': 'application/x-www-form-urlencoded'},
            body,
          })
          if (res.ok) {
            await res.body?.cancel().catch(() => {})
            continue
          }
          const error = ((await res.json().catch(() => ({}))) as {error?: unknown}).error
          // Self-contained (JWT) access tokens often cannot be revoked (RFC 7009 §2.2.1): the refresh token,
          // revoked first, ended the grant; the access token dies at its expiry.
          if (hint === 'access_token' && error === 'unsupported_token_type') continue
          throw new Error(
            `it answered ${res.status}${typeof error === 'string' ? ` ${error.slice(0, 64)}` : ''}`,
          )
        }
        revokedAtServer = true
      }
    } catch (err) {
      warning = `revocation at ${tokens.issuer} failed (${(err as Error).message}); the local tokens are deleted`
    }
  }
  const removed = await store.remove(server, {tokens: true, client: options.client === true})
  return {removed: removed.tokens, revokedAtServer, ...(warning ? {warning} : {})}
}
