import type {Context} from '../context.js'
import {loadServers} from '../catalog/load.js'
import type {CatalogEntry} from '../catalog/schema.js'
import {DockerMcpError} from '../errors.js'
import {readRegistry} from '../registry/index.js'
import {closestMatches} from '../text/suggest.js'
import {declaredScopes, declaresOAuth} from './declared.js'
import {CLIENT_PREFIX, TOKEN_PREFIX, type OAuthStore} from './store.js'

/** A remote server that may take OAuth tokens. */
export interface OAuthServer {
  name: string
  url: string
  /** The catalog's `oauth.scopes`, when it declares any. */
  scopes?: string[] | undefined
  /** The catalog entry declares `oauth` (Docker's remote entries do). */
  declared: boolean
}

function remoteUrl(entry: CatalogEntry): string | undefined {
  return entry.remote?.url ?? entry.sseEndpoint
}

export {declaredScopes, declaresOAuth}

/** The remote server `name` from the catalogs, or an error saying what to do. */
export async function findOAuthServer(ctx: Context, name: string): Promise<OAuthServer> {
  const loaded = await loadServers(ctx)
  const resolved = loaded.servers.get(name)
  if (!resolved) {
    const close = closestMatches(name, [...loaded.servers.keys()], 1)
    throw new DockerMcpError(
      `no catalog defines a server "${name}"${close.length ? ` (did you mean "${close[0]}"?)` : ''}`,
      {
        suggestions: ['docker mcp server ls'],
      },
    )
  }
  const url = remoteUrl(resolved.entry)
  if (!url)
    throw new DockerMcpError(
      `server "${name}" is not a remote server (no remote.url in catalog ${resolved.catalog}): OAuth here is for remote MCP servers`,
    )
  return {name, url, scopes: declaredScopes(resolved.entry), declared: declaresOAuth(resolved.entry)}
}

/** One row of `oauth ls`. */
export interface OAuthStatusRow {
  server: string
  /** `authorized` (a token, fresh or refreshable), `expired` (cannot be refreshed), `not authorized`. */
  status: 'authorized' | 'expired' | 'not authorized'
  /** The access token's expiry, ISO 8601, when known. */
  expires?: string | undefined
  scopes: string
  /** How the client is registered: `dynamic`, `manual`, or none yet. */
  client: 'dynamic' | 'manual' | 'none'
}

/**
 * `oauth ls`: enabled servers that declare OAuth, and every server with stored tokens or a client
 * registration. Names, states and expiry only: no token leaves the store.
 */
export async function listOAuthStatus(
  ctx: Context,
  store: OAuthStore,
  now = Date.now(),
): Promise<OAuthStatusRow[]> {
  const names = new Set<string>()
  const [loaded, enabled] = await Promise.all([loadServers(ctx), readRegistry(ctx)])
  for (const name of enabled) {
    const entry = loaded.servers.get(name)?.entry
    if (entry && declaresOAuth(entry)) names.add(name)
  }
  for (const {name} of await store.sources.list()) {
    if (name.startsWith(TOKEN_PREFIX)) names.add(name.slice(TOKEN_PREFIX.length))
    if (name.startsWith(CLIENT_PREFIX)) names.add(name.slice(CLIENT_PREFIX.length))
  }
  const rows: OAuthStatusRow[] = []
  for (const server of [...names].sort()) {
    const [tokens, client] = await Promise.all([store.tokens(server), store.client(server)])
    const expired = tokens?.expires_at !== undefined && tokens.expires_at <= now
    rows.push({
      server,
      status: !tokens ? 'not authorized' : expired && !tokens.refresh_token ? 'expired' : 'authorized',
      ...(tokens?.expires_at !== undefined ? {expires: new Date(tokens.expires_at).toISOString()} : {}),
      scopes: tokens?.scope ?? declaredScopes(loaded.servers.get(server)?.entry ?? {})?.join(' ') ?? '',
      client: client?.registration ?? 'none',
    })
  }
  return rows
}
