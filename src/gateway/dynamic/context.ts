import type {ServerContext} from '@modelcontextprotocol/server'

import {exposeListings} from '../exposure.js'
import type {ServerListing} from '../listing.js'
import type {SessionRef, ToolTarget} from '../session/tool-view.js'
import type {DynamicHost} from './host.js'
import type {CatalogSearch} from './search.js'
import type {SessionServers} from './servers.js'

/** The names of the internal tools: reserved, no server tool is exposed under them (naming.ts). */
export const INTERNAL_TOOLS = ['mcp-find', 'mcp-add', 'mcp-remove', 'mcp-config-set', 'mcp-exec'] as const

/** The origin server of the internal tools, in call logs, metrics and audit lines. */
export const INTERNAL_ORIGIN = 'mcp-gateway'

/** What every internal tool works with. */
export interface DynamicContext {
  host: DynamicHost
  servers: SessionServers
  /** The search index over the catalogs, built on first use. */
  search(): Promise<CatalogSearch>
}

export interface ToolArgs {
  session: SessionRef
  args: Record<string, unknown> | undefined
  ctx: ServerContext
}

export function dynamicContext(host: DynamicHost, servers: SessionServers): DynamicContext {
  let search: Promise<CatalogSearch> | undefined
  return {
    host,
    servers,
    search: () =>
      // Loaded and built on the first search: a gateway whose clients never search does not pay for it.
      (search ??= Promise.all([host.catalog(), import('./search.js')]).then(
        ([catalog, {CatalogSearch}]) =>
          new CatalogSearch([...catalog].map(([name, s]) => ({name, entry: s.entry}))),
      )),
  }
}

/** Names a session's tool list already has: the gateway's tools, the servers it added, internal names. */
export function takenNames(c: DynamicContext, session: SessionRef, except?: string): Set<string> {
  const taken = new Set<string>([...c.host.gateway.toolNames, ...INTERNAL_TOOLS])
  for (const [name, added] of c.servers.added(session))
    if (name !== except) for (const tool of added.tools.keys()) taken.add(tool)
  return taken
}

/** The exposed names of a server's tools (its catalog `prefix`, `--tool-name-prefix`, the allowlists). */
export function exposedTools(
  c: DynamicContext,
  server: {name: string; prefix?: string | undefined},
  listing: ServerListing,
): Map<string, ToolTarget> {
  const exposure = exposeListings(
    [server],
    new Map([[server.name, listing]]),
    (s, t) => c.host.toolFilter(s, t),
    c.host.prefixAll,
    new Set(INTERNAL_TOOLS),
  )
  return exposure.tools
}
