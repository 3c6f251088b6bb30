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
