/**
 * OAuth for remote MCP servers (the client side of the MCP authorization spec): `docker mcp oauth …`
 * authorizes, lists, registers and revokes; the gateway sends the bearer (`OAuthBearer`). Tokens and
 * client registrations live in the secret store, never in output, logs or errors.
 */
import type {Context} from '../context.js'
import {UsageError} from '../errors.js'
import {openSecretStores} from '../secrets/index.js'
import {OAuthStore} from './store.js'

export {authorize, checkTokenAudience, type AuthorizeRequest, type AuthorizeResult} from './authorize.js'
export {OAuthBearer, REFRESH_MARGIN_MS} from './bearer.js'
export {assertSecureEndpoint, discover, isLoopbackHost} from './discovery.js'
export {OAuthFlowError, OAuthRequiredError} from './errors.js'
export {formatOAuthList} from './format.js'
export {revoke, type RevokeResult} from './revoke.js'
export {
  declaresOAuth,
  declaredScopes,
  findOAuthServer,
  listOAuthStatus,
  type OAuthServer,
  type OAuthStatusRow,
} from './servers.js'
export {OAuthStore, type StoredClient, type StoredTokens} from './store.js'

/** The OAuth store over the user's secret store (keychain or file, `$DOCKER_MCP_SECRET_STORE`). */
export async function openOAuthStore(ctx: Context, onWarning?: (msg: string) => void): Promise<OAuthStore> {
  return new OAuthStore(await openSecretStores(ctx, onWarning ? {onWarning} : {}))
}

/** The loopback callback port: `MCP_GATEWAY_OAUTH_PORT` (as the original), else any free port. */
export function callbackPort(env: NodeJS.ProcessEnv): number {
  const raw = env.MCP_GATEWAY_OAUTH_PORT?.trim()
  if (!raw) return 0
  const port = Number(raw)
  if (!Number.isInteger(port) || port < 1 || port > 65535)
    throw new UsageError(`MCP_GATEWAY_OAUTH_PORT=${raw} is not a port number (1-65535)`)
  return port
}
