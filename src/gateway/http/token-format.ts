import type {TokenListing} from './named-tokens.js'

/** `gateway token ls` as text: NAME and CREATED columns; a hint when there are none. Listings hold no tokens. */
export function formatTokenList(tokens: readonly TokenListing[]): string {
  if (tokens.length === 0)
    return 'No named gateway tokens. Create one with: docker mcp gateway token create NAME'
  const rows = tokens.map((t) => [t.name, t.created])
  const header = ['NAME', 'CREATED']
  const width = Math.max(header[0]!.length, ...rows.map((r) => r[0]!.length))
  return [header, ...rows].map(([name, created]) => `${name!.padEnd(width)}  ${created}`).join('\n')
}
