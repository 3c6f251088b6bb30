import {
  discoverAuthorizationServerMetadata,
  refreshAuthorization,
  type AuthorizationServerMetadata,
  type AuthProvider,
} from '@modelcontextprotocol/client'

import {OAuthRequiredError} from './errors.js'
import type {OAuthStore, StoredTokens} from './store.js'

/** Refresh this long before the stated expiry: a token that expires in flight is a failed call. */
export const REFRESH_MARGIN_MS = 30_000

export interface BearerOptions {
  server: string
  store: OAuthStore
  fetchFn?: typeof fetch
  /** Told every token value this bearer will send (the gateway masks them in its logs). */
  onToken?: (value: string) => void
  now?: () => number
}

/**
 * The bearer token for one remote server, as the SDK client transports ask for it (`AuthProvider`):
 * `token()` before every request, from memory (a keychain round trip per call would cost milliseconds);
 * refreshed before expiry, and once more when the server answers 401 (`onUnauthorized`). With no usable
 * token it throws `OAuthRequiredError`, whose message names `docker mcp oauth authorize <server>`.
 */
export class OAuthBearer implements AuthProvider {
  private current: StoredTokens | undefined
  private refreshing: Promise<StoredTokens> | undefined
  private metadata: AuthorizationServerMetadata | undefined

  constructor(private readonly options: BearerOptions) {}

  private now(): number {
    return this.options.now?.() ?? Date.now()
  }

  private fresh(t: StoredTokens | undefined): t is StoredTokens {
    return t !== undefined && (t.expires_at === undefined || t.expires_at - REFRESH_MARGIN_MS > this.now())
  }

  /** Is a token there, or one that can be refreshed? (Never throws, never refreshes.) */
  async usable(): Promise<boolean> {
    const t = this.current ?? (await this.load())
    if (t === undefined) return false
    return this.fresh(t) || (t as StoredTokens).refresh_token !== undefined
  }

  private async load(): Promise<StoredTokens | undefined> {
    const t = await this.options.store.tokens(this.options.server)
    if (t) {
      this.options.onToken?.(t.access_token)
      if (t.refresh_token) this.options.onToken?.(t.refresh_token)
    }
    this.current = t
    return t
  }

  async token(): Promise<string | undefined> {
    if (this.fresh(this.current)) return this.current.access_token
    // Another process (oauth authorize, another gateway) may have stored newer tokens.
    const stored = await this.load()
    if (this.fresh(stored)) return stored.access_token
    if (!stored) throw new OAuthRequiredError(this.options.server, 'no token stored')
    return (await this.refresh(stored)).access_token
  }

  /** The server refused the token: refresh once (the transport retries the request once after this). */
  async onUnauthorized(): Promise<void> {
    const stored = (await this.load()) ?? this.current
    if (!stored) throw new OAuthRequiredError(this.options.server, 'no token stored')
    await this.refresh(stored)
  }

  /** One refresh at a time per server: concurrent calls wait for the same one. */
  private refresh(stored: StoredTokens): Promise<StoredTokens> {
    this.refreshing ??= this.doRefresh(stored).finally(() => (this.refreshing = undefined))
    return this.refreshing
  }

  private async doRefresh(stored: StoredTokens): Promise<StoredTokens> {
    const {server, store} = this.options
    if (!stored.refresh_token)
      throw new OAuthRequiredError(server, 'the token expired and cannot be refreshed')
    const client = await store.client(server)
    if (!client) throw new OAuthRequiredError(server, 'no client registration stored')
    const fetchFn = this.options.fetchFn ?? fetch
    try {
      this.metadata ??= await discoverAuthorizationServerMetadata(stored.issuer, {fetchFn})
      if (!this.metadata) throw new Error('no authorization server metadata')
      const tokens = await refreshAuthorization(stored.issuer, {
        metadata: this.metadata,
        clientInformation: {
          client_id: client.client_id,
          ...(client.client_secret ? {client_secret: client.client_secret} : {}),
        },
        refreshToken: stored.refresh_token,
        resource: stored.resource,
        fetchFn,
      })
      const next: StoredTokens = {
        ...stored,
        access_token: tokens.access_token,
        token_type: tokens.token_type,
        refresh_token: tokens.refresh_token ?? stored.refresh_token,
        expires_at: tokens.expires_in === undefined ? undefined : this.now() + tokens.expires_in * 1000,
        scope: tokens.scope ?? stored.scope,
      }
      this.options.onToken?.(next.access_token)
      if (next.refresh_token) this.options.onToken?.(next.refresh_token)
      await store.saveTokens(server, next)
      this.current = next
      return next
    } catch (err) {
      if (err instanceof OAuthRequiredError) throw err
      // The SDK's message may quote the server's error description, never a token; keep only its first line.
      throw new OAuthRequiredError(
        server,
        `refreshing the token failed: ${(err as Error).message.split('\n')[0]}`,
      )
    }
  }
}
