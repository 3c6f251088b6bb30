/**
 * What a catalog update changes, server by server: pure, for `catalog update` (and its `--dry-run`).
 *
 * A catalog decides what runs on the user's machine: the image, the host paths mounted, the network, the
 * user inside the container, the secrets handed over, the command and the environment. An update that
 * quietly turns `volumes: []` into `["/:/host"]` must not pass unseen, so those fields are compared one by
 * one and shown with their values; every other field that changed (descriptions, tool lists, fields a
 * newer catalog adds) is named, so nothing changes without a line saying so.
 */
import type {CatalogEntry} from './schema.js'

/** One watched field of a server, before and after (`undefined`: absent). */
export interface FieldChange {
  field: string
  before?: unknown
  after?: unknown
  /** For list fields: the items that appeared and disappeared. */
  added?: string[]
  removed?: string[]
}

export interface ServerChange {
  server: string
  changes: FieldChange[]
  /** Other top-level fields that changed, by name (values not shown: they are not about what runs). */
  other: string[]
}

export interface CatalogDiff {
  /** New servers, with their watched fields (as changes from nothing). */
  added: ServerChange[]
  removed: string[]
  changed: ServerChange[]
}

type Registry = Record<string, CatalogEntry>

/** Watched fields and how to present each as text (lists as items, so that additions stand out). */
const WATCHED: Array<{
  field: string
  items?: (e: CatalogEntry) => string[]
  scalar?: (e: CatalogEntry) => unknown
}> = [
  {field: 'image', scalar: (e) => e.image},
  {field: 'volumes', items: (e) => (e.volumes ?? []).map(String)},
  {field: 'user', scalar: (e) => e.user},
  {field: 'disableNetwork', scalar: (e) => e.disableNetwork},
  {field: 'network', scalar: (e) => (e as {network?: unknown}).network},
  {field: 'allowHosts', items: (e) => (e.allowHosts ?? []).map(String)},
  {field: 'extraHosts', items: (e) => (e.extraHosts ?? []).map(String)},
  {field: 'secrets', items: (e) => (e.secrets ?? []).map((s) => `${s.name} (env ${s.env})`)},
  {field: 'env', items: (e) => (e.env ?? []).map((v) => `${v.name}=${v.value ?? ''}`)},
  {field: 'command', scalar: (e) => e.command},
  {field: 'remote', scalar: (e) => e.remote?.url ?? e.sseEndpoint},
  {field: 'type', scalar: (e) => e.type},
]
const WATCHED_KEYS = new Set([...WATCHED.map((w) => w.field), 'sseEndpoint'])

function same(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b)
}

function compareEntries(server: string, before: CatalogEntry, after: CatalogEntry): ServerChange {
  const changes: FieldChange[] = []
  for (const w of WATCHED) {
    if (w.items) {
      const a = w.items(before)
      const b = w.items(after)
      const added = b.filter((x) => !a.includes(x))
      const removed = a.filter((x) => !b.includes(x))
      // Order is not compared: it means nothing for these fields (command, where it does, is a scalar).
      if (added.length || removed.length) changes.push({field: w.field, added, removed})
    } else {
      const a = w.scalar!(before)
      const b = w.scalar!(after)
      if (!same(a, b)) changes.push({field: w.field, before: a, after: b})
    }
  }
  const keys = new Set([...Object.keys(before), ...Object.keys(after)])
  const other = [...keys]
    .filter((k) => !WATCHED_KEYS.has(k))
    .filter((k) => !same((before as Record<string, unknown>)[k], (after as Record<string, unknown>)[k]))
    .sort()
  return {server, changes, other}
}

/** Compare two registries (a catalog's `registry` before and after an update). */
export function diffCatalogs(before: Registry, after: Registry): CatalogDiff {
  const diff: CatalogDiff = {added: [], removed: [], changed: []}
  for (const name of Object.keys(after).sort()) {
    const old = Object.hasOwn(before, name) ? before[name] : undefined
    if (old === undefined) {
      const change = compareEntries(name, {}, after[name]!)
      diff.added.push({...change, other: []})
    } else {
      const change = compareEntries(name, old, after[name]!)
      if (change.changes.length || change.other.length) diff.changed.push(change)
    }
  }
  for (const name of Object.keys(before).sort()) if (!Object.hasOwn(after, name)) diff.removed.push(name)
  return diff
}

/** Does the update change anything at all? */
export function isEmptyDiff(diff: CatalogDiff): boolean {
  return diff.added.length === 0 && diff.removed.length === 0 && diff.changed.length === 0
}

function show(value: unknown): string {
  if (value === undefined) return '(none)'
  return typeof value === 'string' ? value : JSON.stringify(value)
}

function fieldLines(c: FieldChange, indent: string, isNew: boolean): string[] {
  if (c.added || c.removed)
    return [
      ...(c.added ?? []).map((x) => `${indent}${c.field}: ${isNew ? '' : '+ '}${x}`),
      ...(c.removed ?? []).map((x) => `${indent}${c.field}: - ${x}`),
    ]
  return [`${indent}${c.field}: ${isNew ? show(c.after) : `${show(c.before)} -> ${show(c.after)}`}`]
}

/**
 * The diff as lines for a terminal: `+ server` (new, with what it will get), `- server` (gone), `~ server`
 * with one line per changed field. Empty when nothing changed.
 */
export function formatCatalogDiff(diff: CatalogDiff, indent = '  '): string[] {
  const lines: string[] = []
  for (const s of diff.added) {
    lines.push(`${indent}+ ${s.server} (new)`)
    for (const c of s.changes) lines.push(...fieldLines(c, `${indent}    `, true))
  }
  for (const name of diff.removed) lines.push(`${indent}- ${name} (removed)`)
  for (const s of diff.changed) {
    lines.push(`${indent}~ ${s.server}`)
    for (const c of s.changes) lines.push(...fieldLines(c, `${indent}    `, false))
    if (s.other.length) lines.push(`${indent}    also changed: ${s.other.join(', ')}`)
  }
  return lines
}
