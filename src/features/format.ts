import type {FeatureListing, FeatureState} from './index.js'

const pad = (s: string) => s.padEnd(20)

/** `feature ls`, laid out as Docker's plugin prints it, plus a line for what this docker mcp does not do. */
export function formatFeatureList(list: FeatureListing): string {
  const out = ['Available experimental features:', '']
  for (const f of list.features) {
    out.push(`  ${pad(f.name)} ${f.enabled ? 'enabled' : 'disabled'}`, `  ${pad('')} ${f.description}`)
    if (f.note) out.push(`  ${pad('')} (${f.note})`)
    out.push('')
  }
  if (list.unknown.length > 0) {
    out.push('Unknown features in configuration:')
    for (const u of list.unknown) out.push(`  ${pad(u.name)} ${u.value} (unknown)`)
  }
  return out.join('\n').replace(/\n+$/, '')
}

/** What `feature enable|disable` prints. */
export function formatFeatureChange(f: FeatureState): string {
  const lines = [`Feature '${f.name}' ${f.enabled ? 'enabled' : 'disabled'} successfully.`]
  if (f.note) lines.push(`Note: ${f.note}.`)
  else if (f.name === 'tool-name-prefix')
    lines.push(
      f.enabled
        ? "Every gateway run now exposes tools as <server>__<tool> (a catalog entry's 'prefix' still wins). Restart connected MCP clients."
        : 'Tools keep their own names again (unless gateway run --tool-name-prefix). Restart connected MCP clients.',
    )
  return lines.join('\n')
}
