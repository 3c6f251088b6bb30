import type {SecretListing} from './types.js'

/**
 * `secret ls` as text: NAME and STORE columns (store kind and where), sorted by name; a hint when empty.
 * Takes listings only, which hold no values.
 */
export function formatSecretList(secrets: readonly SecretListing[]): string {
  if (secrets.length === 0) return 'No secrets are set. Set one with: docker mcp secret set NAME=VALUE'
  const rows = [...secrets]
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
    .map((s) => [s.name, s.store, s.location])
  const header = ['NAME', 'STORE', 'LOCATION']
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)))
  return [header, ...rows]
    .map((r) => r.map((c, i) => (i < r.length - 1 ? c.padEnd(widths[i]!) : c)).join('  '))
    .join('\n')
}

/**
 * `secret ls --quiet`: the names, sorted, each once. A name held by several stores (keychain and file) is
 * one secret to a script: `secret rm NAME` removes it from every store it can write, and lookups take
 * the first store's value.
 */
export function secretNames(secrets: readonly SecretListing[]): string[] {
  return [...new Set(secrets.map((s) => s.name))].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))
}
