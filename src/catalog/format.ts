import chalk from 'chalk'

import {lazyRequire} from '../lazy-require.js'
import type {EnableResult, ServerInspection, ServerListEntry} from '../registry/index.js'
import type {CatalogRef} from './load.js'
import type {CatalogDetails} from './manage.js'
import type {SetupStatus} from './status.js'

/**
 * Human output of the catalog, server, config and tools commands: pure functions from data to text, so
 * commands only choose between these and `--json`.
 */

let yamlStringify: typeof import('yaml').stringify | undefined

/**
 * yaml's `stringify`, loaded on first use: most commands that import this module (`server ls`, `catalog
 * ls`) never print YAML, and loading the parser costs them several milliseconds. These formatters are
 * synchronous and an ES module cannot be loaded synchronously, so this is the package's CommonJS build
 * (same package, same version as the bundled one).
 */
function stringify(value: unknown, options: {lineWidth: number}): string {
  yamlStringify ??= (lazyRequire('yaml') as typeof import('yaml')).stringify
  return yamlStringify(value, options)
}

/** Structured output for `--format json|yaml`. */
export function formatStructured(data: unknown, format: 'json' | 'yaml'): string {
  return format === 'json' ? JSON.stringify(data, null, 2) : stringify(data, {lineWidth: 0}).trimEnd()
}

/** Word-wrap `text` to `width` columns, every line prefixed by `indent`. */
export function wrap(text: string, width = 100, indent = ''): string {
  const lines: string[] = []
  for (const paragraph of text.split('\n')) {
    let line = ''
    for (const word of paragraph.split(/\s+/).filter(Boolean)) {
      if (line && indent.length + line.length + 1 + word.length > width) {
        lines.push(indent + line)
        line = word
      } else line = line ? `${line} ${word}` : word
    }
    lines.push(indent + line)
  }
  return lines.join('\n')
}

/** catalog.json as the original's `catalog ls --format json` prints it (the Docker catalog always listed). */
export function catalogIndexView(refs: CatalogRef[]): {
  catalogs: Record<string, {displayName: string; url?: string; lastUpdate?: string}>
} {
  const catalogs: Record<string, {displayName: string; url?: string; lastUpdate?: string}> = {}
  for (const r of refs)
    catalogs[r.name] = {
      displayName: r.displayName,
      ...(r.url ? {url: r.url} : {}),
      ...(r.lastUpdate ? {lastUpdate: r.lastUpdate} : {}),
    }
  return {catalogs}
}

/** `name: displayName` per catalog. */
export function formatCatalogList(refs: CatalogRef[]): string {
  return refs
    .map((r) => `${r.name}: ${r.displayName}${r.source === 'shipped' ? ' (shipped with docker-mcp)' : ''}`)
    .join('\n')
}

/** `catalog show`: the servers of one catalog, sorted, with wrapped descriptions. */
export function formatCatalogShow(details: CatalogDetails): string {
  const names = Object.keys(details.registry).sort()
  const out = [
    chalk.bold(`MCP Server Directory: ${details.displayName}`),
    `${names.length} server${names.length === 1 ? '' : 's'} available`,
  ]
  for (const name of names) {
    const entry = details.registry[name]!
    out.push('', chalk.bold(name))
    const description = entry.description || entry.title || ''
    if (description) out.push(wrap(description, 100, '  '))
  }
  return out.join('\n')
}

/** The original's status markers. */
export function statusText(status: SetupStatus): string {
  switch (status) {
    case 'required':
      return '▲ required'
    case 'partial':
      return '◐ partial'
    case 'done':
      return '✓ done'
    default:
      return '-'
  }
}

function truncate(text: string, max: number): string {
  const oneLine = text.replace(/\s+/g, ' ').trim()
  return oneLine.length > max ? oneLine.slice(0, max - 1) + '…' : oneLine
}

/** A left-aligned text table (two spaces between columns). */
export function table(headers: string[], rows: string[][]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)))
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd()
  return [line(headers), ...rows.map(line)].join('\n')
}

/** `server ls`. */
export function formatServerList(servers: ServerListEntry[]): string {
  if (servers.length === 0) return 'No server is enabled'
  // Docker's columns first (NAME, OAUTH, SECRETS, CONFIG), ours (CATALOG) before the free-text DESCRIPTION.
  const rows = servers.map((s) => [
    s.name,
    statusText(s.oauth),
    statusText(s.secrets),
    statusText(s.config),
    s.catalog || '(none)',
    truncate(s.catalog ? s.description || s.title : 'not defined by any catalog', 60),
  ])
  return [
    `MCP Servers (${servers.length} enabled)`,
    '',
    table(['NAME', 'OAUTH', 'SECRETS', 'CONFIG', 'CATALOG', 'DESCRIPTION'], rows),
  ].join('\n')
}

function valueText(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map((x) => (typeof x === 'string' ? x : JSON.stringify(x))).join(', ')}]`
  if (typeof v === 'string') return v
  return JSON.stringify(v)
}

/** `server inspect`. */
export function formatServerInspection(s: ServerInspection): string {
  const out = [chalk.bold(s.title ? `${s.name} (${s.title})` : s.name)]
  if (s.description) out.push(wrap(s.description, 100, '  '))
  out.push(
    '',
    `Catalog:  ${s.catalog} (${s.file})`,
    `Type:     ${s.type}`,
    ...(s.image ? [`Image:    ${s.image}`] : []),
    `Enabled:  ${s.enabled ? 'yes' : 'no'}`,
    '',
    `Secrets:  ${statusText(s.secretsStatus)}`,
  )
  for (const secret of s.secrets)
    out.push(
      `  ${secret.set ? '✓' : '✗'} ${secret.name} → $${secret.env}${secret.description ? `  ${secret.description}` : ''}`,
    )
  out.push('', `Config:   ${statusText(s.configStatus)}`)
  for (const field of s.config) {
    const value =
      field.value === undefined
        ? field.required
          ? '(required, not set)'
          : '(not set)'
        : valueText(field.value)
    out.push(`  ${s.name}.${field.key}${field.type ? ` (${field.type})` : ''} = ${value}`)
    if (field.description) out.push(`      ${field.description}`)
  }
  const enabledTools = s.tools.filter((t) => t.enabled).length
  out.push(
    '',
    `Tools:    ${s.tools.length ? `${enabledTools} of ${s.tools.length} enabled` : 'not listed in the catalog'}`,
  )
  for (const tool of s.tools)
    out.push(
      `  ${tool.enabled ? '✓' : '✗'} ${tool.name}${tool.description ? ` - ${truncate(tool.description, 80)}` : ''}`,
    )
  return out.join('\n')
}

/** A config value for `config get`: scalars as they are, lists and maps as YAML. */
export function formatConfigValue(v: unknown): string {
  if (v !== null && typeof v === 'object') return stringify(v, {lineWidth: 0}).trimEnd()
  return String(v)
}

export {valueText as formatInlineValue}

/** Next steps after `server add`: secrets to set, config to fill in. */
export function formatSetupHints(setup: EnableResult['setup']): string[] {
  const out: string[] = []
  for (const s of setup) {
    for (const secret of s.missingSecrets)
      out.push(`  ${s.server} needs secret ${secret}: docker mcp secret set ${secret}=<value>`)
    if (s.config === 'required' || s.config === 'partial')
      out.push(`  ${s.server} needs configuration: see "docker mcp server inspect ${s.server}"`)
  }
  return out
}
