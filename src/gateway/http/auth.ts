import {createHash} from 'node:crypto'
import type http from 'node:http'

import {ANONYMOUS_CALLER, type Caller} from '../session/caller.js'
import {tokenMatches, tokenProblem} from './guards.js'
import type {NamedTokens} from './named-tokens.js'

/**
 * The HTTP front door's answer to "who is this": the caller the request speaks for, or why it is refused
 * (status, message and headers such as `WWW-Authenticate`). Every request to /mcp, /sse and /metrics is
 * admitted here first; the caller then travels with its session and every call (see Caller).
 */
export type Admission =
  | {readonly caller: Caller}
  | {readonly refused: {status: 401 | 403 | 503; message: string; headers: Record<string, string>}}

/** One way of establishing who a request comes from (the gateway token, named tokens, OAuth access tokens). */
export interface Authenticator {
  admit(req: http.IncomingMessage): Admission | Promise<Admission>
  /**
   * Paths this authenticator answers itself before any credential is checked (OAuth's protected-resource
   * metadata): the response was written, stop there. Optional.
   */
  serve?(req: http.IncomingMessage, res: http.ServerResponse, url: URL): boolean
}

/** The caller of the gateway's one token (`MCP_GATEWAY_AUTH_TOKEN` or the generated one). */
export const GATEWAY_TOKEN_CALLER: Caller = Object.freeze({
  id: 'token:default',
  via: 'token',
  name: 'default',
})

/** The token of an `Authorization: Bearer <token>` header (scheme case-insensitive), or undefined. */
function bearerToken(header: string | undefined): string | undefined {
  return /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(header?.trim() ?? '')?.[1]
}

/**
 * The static front door: the gateway's one token (caller `token:default`) and the named tokens of
 * `docker mcp gateway token create` (caller `token:<name>`), all compared as hashes in constant time; or
 * nobody at all with auth off. One frozen Caller per name, so what the policy decides for it is kept.
 */
export function staticTokenAuthenticator(token: string | undefined, named?: NamedTokens): Authenticator {
  if (token === undefined) return {admit: () => ({caller: ANONYMOUS_CALLER})}
  const callers = new Map<string, Caller>()
  const namedCaller = (name: string): Caller => {
    let caller = callers.get(name)
    if (!caller)
      callers.set(name, (caller = Object.freeze({id: `token:${name}`, via: 'token' as const, name})))
    return caller
  }
  return {
    admit: (req) => {
      const header = req.headers.authorization
      if (tokenMatches(header, token)) return {caller: GATEWAY_TOKEN_CALLER}
      const presented = named && bearerToken(header)
      const name = presented ? named.match(presented) : undefined
      if (name !== undefined) return {caller: namedCaller(name)}
      return {
        refused: {
          status: 401,
          message: tokenProblem(header),
          headers: {'www-authenticate': 'Bearer realm="MCP Gateway"'},
        },
      }
    },
  }
}

/**
 * Whose session this is, for the per-credential cap (`--max-sessions-per-token`): the caller, or the peer
 * address when nobody authenticates. Hashed so that no identity appears in the session table's keys.
 */
export function sessionOwner(caller: Caller, req: http.IncomingMessage): string {
  if (caller.via === 'none') return `peer:${req.socket.remoteAddress ?? ''}`
  return `caller:${createHash('sha256').update(caller.id).digest('hex').slice(0, 16)}`
}
