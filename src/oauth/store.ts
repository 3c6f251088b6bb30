import type {OpenedSecretSources} from '../secrets/index.js'
import {setSecret} from '../secrets/index.js'

/**
 * Where OAuth state lives: in the secret store (keychain, or the 0600 file), beside `docker mcp secret`
 * values, under the original's realms: `oauth/<server>` for tokens, `oauth-dcr/<server>` for the client
 * registration. Values are JSON; they never leave this module except to the flow and the bearer.
 */
export const TOKEN_PREFIX = 'oauth/'
export const CLIENT_PREFIX = 'oauth-dcr/'

/** Tokens for one server, as stored. */
export interface StoredTokens {
  access_token: string
  token_type: string
  refresh_token?: string | undefined
  /** Epoch milliseconds; absent when the server did not say. */
  expires_at?: number | undefined
  scope?: string | undefined
  /** The authorization server's issuer (validated at authorization). */
  issuer: string
  /** The resource indicator the tokens are for (RFC 8707). */
  resource: string
}

/** A client registration with one authorization server. */
export interface StoredClient {
  client_id: string
  client_secret?: string | undefined
  redirect_uris?: string[] | undefined
  /** The issuer it is registered with; undefined for `oauth register` before the first authorization. */
  issuer?: string | undefined
  /** `dynamic` (RFC 7591, by `oauth authorize`) or `manual` (`oauth register`). */
  registration: 'dynamic' | 'manual'
}

function parse<T>(value: string | undefined): T | undefined {
  if (value === undefined) return undefined
  try {
    return JSON.parse(value) as T
  } catch {
    // A damaged entry is as good as none: the user authorizes again. Never echo the value.
    return undefined
  }
}

/** OAuth tokens and client registrations per server, in the secret store. */
export class OAuthStore {
  constructor(readonly sources: OpenedSecretSources) {}

  async tokens(server: string): Promise<StoredTokens | undefined> {
    return parse<StoredTokens>(await this.sources.get(TOKEN_PREFIX + server))
  }

  async saveTokens(server: string, tokens: StoredTokens): Promise<void> {
    await setSecret(this.sources, TOKEN_PREFIX + server, JSON.stringify(tokens))
  }

  async client(server: string): Promise<StoredClient | undefined> {
    return parse<StoredClient>(await this.sources.get(CLIENT_PREFIX + server))
  }

  async saveClient(server: string, client: StoredClient): Promise<void> {
    await setSecret(this.sources, CLIENT_PREFIX + server, JSON.stringify(client))
  }

  /** Delete what is stored for `server`; which of tokens/client existed. */
  async remove(
    server: string,
    what: {tokens: boolean; client: boolean},
  ): Promise<{tokens: boolean; client: boolean}> {
    const removed = {tokens: false, client: false}
    for (const store of this.sources.writable) {
      if (what.tokens && (await store.delete(TOKEN_PREFIX + server))) removed.tokens = true
      if (what.client && (await store.delete(CLIENT_PREFIX + server))) removed.client = true
    }
    return removed
  }
}
