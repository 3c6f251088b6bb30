import type {Tool} from '@modelcontextprotocol/server'

import type {CatalogEntry} from '../catalog/schema.js'

/** Does this catalog entry declare OAuth (`oauth: {providers, scopes}` or the older list form)? */
export function declaresOAuth(entry: Pick<CatalogEntry, 'oauth'>): boolean {
  const o = entry.oauth
  if (o === undefined) return false
  return Array.isArray(o) ? o.length > 0 : true
}

/** The catalog's OAuth scopes of an entry. */
export function declaredScopes(entry: Pick<CatalogEntry, 'oauth'>): string[] | undefined {
  const o = entry.oauth
  return o && !Array.isArray(o) ? o.scopes : undefined
}

/**
 * The tools a stand-in offers for a server waiting for authorization: the catalog's complete declarations
 * (`toolsFromCatalog`), else its tool names alone (Docker's remote entries often list only names), so that
 * a call reaches the stand-in and gets the "authorize first" answer instead of "tool not found".
 */
export function standInTools(
  complete: Tool[] | undefined,
  declared: ReadonlyArray<{name: string; description?: string | undefined}> | undefined,
): Tool[] | undefined {
  if (complete) return complete
  const named = (declared ?? []).filter((t) => typeof t.name === 'string' && t.name !== '')
  if (named.length === 0) return undefined
  return named.map((t) => ({
    name: t.name,
    description:
      t.description ?? 'needs OAuth authorization: run "docker mcp oauth authorize" for its server',
    inputSchema: {type: 'object' as const},
  }))
}
