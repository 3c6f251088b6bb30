import {stringify} from 'yaml'

import type {ProfileServerRow, ProfileSummary, ToolsUpdate} from './index.js'
import type {Template} from './templates.js'

/**
 * Human output of the profile and template commands: pure functions from data to text (the commands pick
 * between these, `--json` and `--format yaml`). Layouts follow the original's (tab-separated ID/Title…).
 */

export const OUTPUT_FORMATS = ['human', 'json', 'yaml'] as const
export type OutputFormat = (typeof OUTPUT_FORMATS)[number]

/** YAML with the original's 2-space indent, no line folding. */
export function toYaml(data: unknown): string {
  return stringify(data, {lineWidth: 0}).trimEnd()
}

function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)))
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd()
  return [line(header), ...rows.map(line)].join('\n')
}

export function formatProfileList(profiles: ProfileSummary[]): string {
  if (profiles.length === 0)
    return 'No profiles found. Use `docker mcp profile create --name <name>` to create a profile.'
  return table(
    ['ID', 'NAME', 'SERVERS'],
    profiles.map((p) => [p.id, p.name, p.servers.length ? p.servers.join(', ') : '-']),
  )
}

export function formatServerRows(rows: ProfileServerRow[]): string {
  if (rows.length === 0) return 'No servers found'
  return table(
    ['PROFILE', 'TYPE', 'NAME', 'REFERENCE'],
    rows.map((r) => [r.profile, r.type, r.name, r.reference]),
  )
}

export function formatTemplates(templates: readonly Template[]): string {
  return table(
    ['ID', 'TITLE', 'SERVERS', 'DESCRIPTION'],
    templates.map((t) => [t.id, t.title, t.server_names.join(', '), t.description]),
  )
}

/** `profile config`: one `server.key=value` per line, values as JSON unless plain strings. */
export function formatConfigValues(values: Record<string, unknown>): string {
  return Object.entries(values)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`)
    .join('\n')
}

/** `profile tools`: the original's messages. */
export function formatToolsUpdate(id: string, u: ToolsUpdate): string {
  const lines: string[] = []
  if (u.enabled === 0 && u.disabled === 0 && u.enabledAll === 0 && u.disabledAll === 0)
    lines.push(`No changes made to profile ${id}`)
  if (u.enabledAll > 0) lines.push(`Enabled all tools for ${u.enabledAll} server(s) in profile ${id}`)
  if (u.disabledAll > 0) lines.push(`Disabled all tools for ${u.disabledAll} server(s) in profile ${id}`)
  if (u.enabled > 0 || u.disabled > 0)
    lines.push(`Updated profile ${id}: ${u.enabled} tool(s) enabled, ${u.disabled} tool(s) disabled`)
  if (u.overlapping.length > 0)
    lines.push(
      `Warning: The following tool(s) were both enabled and disabled in the same operation: ${u.overlapping.join(', ')}`,
    )
  return lines.join('\n')
}
