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
