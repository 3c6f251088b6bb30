/**
 * What the gateway says about itself when a client connects (`initialize`, 2026-07-28 `server/discover`):
 * its capabilities and instructions, derived from what its servers said about themselves (their listings),
 * so that a client sees what it would see connected to the server directly.
 */
import {
  CLIENT_CAPABILITIES_META_KEY,
  CLIENT_INFO_META_KEY,
  LOG_LEVEL_META_KEY,
  PROTOCOL_VERSION_META_KEY,
} from '@modelcontextprotocol/server'
import type {Server, ServerCapabilities} from '@modelcontextprotocol/server'

import type {ServerListing} from './listing.js'

/** One enabled server as the handshake sees it. */
export interface HandshakeServer {
  name: string
  /** Its listing (live or cached); a listing made from the catalog alone has no `described`. */
  listing?: ServerListing | undefined
  /** It failed to start: it offers nothing. */
  failed: boolean
}

export interface Handshake {
  capabilities: ServerCapabilities
  instructions?: string | undefined
}

/**
 * The gateway's capabilities. Tools, prompts and resources are always offered, with `listChanged` (what
 * the gateway offers changes as its servers come and go); logging too (the gateway relays servers' logs).
 * `completions` is offered when a server offers it; `resources.subscribe` when a server offers it, or
 * while a server has not described itself yet (no listing from it, live or cached): the gateway answers
 * `initialize` at once, and the protocol has no way to add a capability after the handshake, so it
 * assumes the one a client could not otherwise ever use. Subscribing to a resource of a server that turns
 * out not to offer subscriptions is answered "method not found", naming the server.
 */
export function handshakeCapabilities(servers: readonly HandshakeServer[]): ServerCapabilities {
  const live = servers.filter((s) => !s.failed)
  const undescribed = live.some((s) => !s.listing?.described)
  const subscribe = undescribed || live.some((s) => s.listing?.subscribe)
  const completions = live.some((s) => s.listing?.completions)
  return {
    tools: {listChanged: true},
    prompts: {listChanged: true},
    resources: {listChanged: true, ...(subscribe ? {subscribe: true} : {})},
    ...(completions ? {completions: {}} : {}),
    logging: {},
  }
}

/**
 * The servers' instructions: one server's as they are; several servers' each under a heading naming its
 * server, in the order the servers are enabled. Unknown (so absent) for a server not described yet.
 */
export function handshakeInstructions(servers: readonly HandshakeServer[]): string | undefined {
  const given = servers.filter((s) => !s.failed && s.listing?.instructions)
  if (given.length === 0) return undefined
  if (servers.length === 1) return given[0]!.listing!.instructions
  return given.map((s) => `## ${s.name}\n\n${s.listing!.instructions!}`).join('\n\n')
}

/** The handshake for these servers. */
export function handshakeOf(servers: readonly HandshakeServer[]): Handshake {
  return {capabilities: handshakeCapabilities(servers), instructions: handshakeInstructions(servers)}
}

/** What every session's server is constructed with: every capability a handler may need registered. */
export const CONSTRUCTED_CAPABILITIES: ServerCapabilities = {
  tools: {listChanged: true},
  prompts: {listChanged: true},
  resources: {listChanged: true},
  completions: {},
  logging: {},
}

/** Where the gateway keeps what the handshake is made of. */
export interface HandshakeSource {
  /** The enabled servers, in order. */
  servers: ReadonlyArray<{name: string}>
  listings: ReadonlyMap<string, ServerListing>
  /** Servers that failed to start (and why). */
  failures: ReadonlyMap<string, unknown>
}

/** The SDK server's members that make its handshake answers (not public API: see `describeOnHandshake`). */
interface HandshakeInternals {
  _oninitialize?: (...args: unknown[]) => unknown
  _ondiscover?: (...args: unknown[]) => unknown
  _instructions?: string | undefined
}

/**
 * Call once every request handler is set (the SDK refuses a handler whose capability is not declared).
 *
 * Make `server` answer each handshake with what `describe` says at that moment, not what was known when
 * the session's server was made (over stdio that is at start, before any server is listed). The SDK
 * builds its `initialize` and `server/discover` answers from its capabilities object and instructions
 * when the request comes; both are brought up to date just before, as well as at once (a 2026-07-28
 * request is served without a handshake, and the SDK checks e.g. `subscriptions/listen` filters against
 * them) and once servers are `listed`. The SDK has no public way to change them once connected, hence
 * its internals here (the unit test in test/unit/gateway/handshake.test.ts fails if the SDK changes them).
 */
export function describeOnHandshake(server: Server, source: HandshakeSource, listed?: Promise<void>): void {
  const internals = server as unknown as HandshakeInternals
  const refresh = () => {
    const {capabilities, instructions} = handshakeOf(
      source.servers.map(({name}) => ({
        name,
        listing: source.listings.get(name),
        failed: source.failures.has(name),
      })),
    )
    const current = server.getCapabilities() as Record<string, unknown>
    for (const key of Object.keys(current)) delete current[key]
    Object.assign(current, capabilities)
    internals._instructions = instructions
  }
  for (const method of ['_oninitialize', '_ondiscover'] as const) {
    const original = internals[method] as ((...args: unknown[]) => unknown) | undefined
    if (typeof original !== 'function')
      throw new Error(`MCP SDK: Server.${method} is gone (see handshake.ts)`)
    internals[method] = (...args: unknown[]) => {
      refresh()
      return original.apply(server, args)
    }
  }
  refresh()
  void listed?.then(refresh)
}

/** The `_meta` keys of a 2026-07-28 client's envelope: they describe its hop to us, not ours to a server. */
export const ENVELOPE_META_KEYS = [
  PROTOCOL_VERSION_META_KEY,
  CLIENT_CAPABILITIES_META_KEY,
  CLIENT_INFO_META_KEY,
  LOG_LEVEL_META_KEY,
]
