import {createHash} from 'node:crypto'

import {CLIENT_CAPABILITIES_META_KEY} from '@modelcontextprotocol/server'
import type {ClientCapabilities, ServerContext} from '@modelcontextprotocol/server'

/**
 * What a server is told its client can do: what the gateway's own client declared, limited to what the
 * gateway relays back to that client (elicitation and sampling requests). Never more: a server told its
 * client can elicit or sample, when the real client cannot, skips the fallback it has for such clients
 * and asks anyway, and the call fails. Roots are not relayed, so never declared.
 *
 * Only the spec's named sub-capabilities are kept, in one canonical form (an empty `elicitation` is form
 * mode): the result picks the containers a call may share (`capabilityScope`), and a client must not be
 * able to mint unbounded variants of it.
 */
export function mirroredCapabilities(client: ClientCapabilities | undefined): ClientCapabilities {
  const mirrored: ClientCapabilities = {}
  const elicitation = client?.elicitation as {form?: unknown; url?: unknown} | undefined
  if (elicitation && typeof elicitation === 'object') {
    const url = elicitation.url !== undefined
    mirrored.elicitation = {
      ...(elicitation.form !== undefined || !url ? {form: {}} : {}),
      ...(url ? {url: {}} : {}),
    }
  }
  const sampling = client?.sampling as {context?: unknown; tools?: unknown} | undefined
  if (sampling && typeof sampling === 'object')
    mirrored.sampling = {
      ...(sampling.context !== undefined ? {context: {}} : {}),
      ...(sampling.tools !== undefined ? {tools: {}} : {}),
    }
  return mirrored
}

/**
 * The pool session (which containers a call may use) for a call of session `session`.
 *
 * The rule for containers that serve more than one client: a server learns its client's capabilities
 * once, when it is initialized, so a container is only ever shared by calls whose clients declared the
 * same capabilities. A 2025 session's containers are its own (one client, capabilities from its
 * `initialize`). 2026-07-28 clients declare theirs per request and share the gateway's stateless session:
 * their containers are grouped by the capabilities they mirror, so that a client without sampling never
 * reaches a server initialized for one with it (and the other way round). Per-call containers are
 * started for their one call, with the capabilities of the client whose call it is.
 */
export function capabilityScope(
  session: string,
  perRequest: boolean,
  capabilities: ClientCapabilities,
): string {
  const declared = JSON.stringify(capabilities)
  if (!perRequest || declared === '{}') return session
  return `${session}+${createHash('sha256').update(declared).digest('hex').slice(0, 12)}`
}

/**
 * The pool session and mirrored capabilities of one call: a 2026-07-28 request carries its client's
 * capabilities in its envelope; a 2025 session's client declared them at `initialize`.
 */
export function callScope(
  session: string,
  server: {getClientCapabilities(): ClientCapabilities | undefined},
  ctx: ServerContext,
): {scope: string; capabilities: ClientCapabilities; legacy: boolean} {
  const envelope = (ctx.mcpReq as {envelope?: Record<string, unknown>}).envelope
  const declared = envelope
    ? (envelope[CLIENT_CAPABILITIES_META_KEY] as ClientCapabilities | undefined)
    : server.getClientCapabilities()
  const capabilities = mirroredCapabilities(declared)
  const legacy = envelope === undefined
  return {scope: capabilityScope(session, !legacy, capabilities), capabilities, legacy}
}

/** The capabilities each pool session's containers are started with: what its calls' clients declared. */
export class CapabilityScopes {
  private readonly scopes = new Map<string, {capabilities: ClientCapabilities; legacy: boolean}>()

  /** The pool session for a call (see `callScope`); its capabilities are remembered for `startUpstream`. */
  of(
    session: string,
    server: {getClientCapabilities(): ClientCapabilities | undefined},
    ctx: ServerContext,
  ): string {
    const {scope, capabilities, legacy} = callScope(session, server, ctx)
    if (!this.scopes.has(scope)) this.scopes.set(scope, {capabilities, legacy})
    return scope
  }

  /**
   * A 2025 client initialized session `session`: its containers are its own, declaring what it declared
   * and spoken to in its era, whatever opens them first (a call, or a `resources/subscribe`).
   */
  initialized(session: string, declared: ClientCapabilities | undefined): void {
    this.scopes.set(session, {capabilities: mirroredCapabilities(declared), legacy: true})
  }

  /** What a new container of `scope` declares: nothing for a scope no client's call opened (listing). */
  capabilities(scope: string): ClientCapabilities {
    return this.scopes.get(scope)?.capabilities ?? {}
  }

  /**
   * The calls of `scope` come from a 2025-era client (one that sent `initialize`): a server that speaks
   * both eras is spoken to in 2025 on its behalf, so that what it answers reaches the client as it would
   * directly (see remote.ts). False for a scope no client's call opened.
   */
  legacy(scope: string): boolean {
    return this.scopes.get(scope)?.legacy ?? false
  }

  /**
   * The scope spare containers for calls of `scope` start with (see spares.ts): what its clients declared
   * and their era, and no session (a '\u0000' scope labels no container with a session). Sessions that
   * declared the same share it; there are only as many as canonical capability sets. Undefined for a
   * scope no call or `initialize` made known yet (a 2025 client's call before its `initialized`): it
   * takes no spare, whose client would be a guess.
   */
  spareScope(scope: string): string | undefined {
    const known = this.scopes.get(scope)
    if (!known) return undefined
    const {capabilities, legacy} = known
    const declared = JSON.stringify(capabilities)
    const key = `\u0000spare:${legacy ? 2025 : 2026}:${createHash('sha256').update(declared).digest('hex').slice(0, 12)}`
    if (!this.scopes.has(key)) this.scopes.set(key, {capabilities, legacy})
    return key
  }

  /** A session ended. */
  forget(session: string): void {
    this.scopes.delete(session)
  }
}
