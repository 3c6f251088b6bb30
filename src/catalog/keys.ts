import {closestMatches} from '../text/suggest.js'
import {catalogEntrySchema, catalogFileSchema} from './schema.js'

/**
 * Mistyped keys in catalog files. The schema is loose on purpose (a newer catalog must still load, and
 * Docker's catalogs carry fields we do not use), so a typo used to pass in silence: `registy:` imported
 * "0 servers", and an entry with `imgae:` was enabled and called healthy although it cannot run. Keys
 * neither we nor Docker's catalog format know get a warning naming the closest known key; an entry (or a
 * catalog) that cannot work is an error.
 */

/** Fields of Docker's catalog format (pkg/catalog/types.go) that we read past: known, so never warned about. */
const ORIGINAL_ONLY = ['policy']

const TOP_KEYS = [...Object.keys(catalogFileSchema.shape), ...ORIGINAL_ONLY]
const ENTRY_KEYS = [...Object.keys(catalogEntrySchema.shape), ...ORIGINAL_ONLY]
/** Nested objects whose keys the gateway reads: a typo there loses a secret, a variable or the URL. */
const NESTED_KEYS: Record<string, {list: boolean; keys: string[]}> = {
  secrets: {list: true, keys: ['name', 'env', 'description', 'example']},
  env: {list: true, keys: ['name', 'value', 'description', 'example']},
  remote: {list: false, keys: ['url', 'transport_type', 'headers']},
}

/** One finding: in the object at `at` (`['registry', 'dice']`), about its key `key` when there is one. */
export interface KeyFinding {
  at: Array<string | number>
  key?: string
  message: string
  /** `error`: the catalog or entry cannot work as written. */
  severity: 'warning' | 'error'
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
}

function unknownKey(key: string, known: readonly string[]): string {
  const [close] = closestMatches(key, known, 1)
  return `unknown key "${key}"${close ? ` (did you mean "${close}"?)` : ''}`
}

/** Unknown keys of one catalog entry, and whether it can run at all. */
export function checkEntryKeys(server: string, entry: unknown): KeyFinding[] {
  const findings: KeyFinding[] = []
  if (!isRecord(entry)) return findings
  const at = ['registry', server]
  const unknown = Object.keys(entry).filter((k) => !ENTRY_KEYS.includes(k))
  for (const key of unknown)
    findings.push({
      at,
      key,
      message: `${unknownKey(key, ENTRY_KEYS)}: it is ignored`,
      severity: 'warning',
    })
  for (const [field, spec] of Object.entries(NESTED_KEYS)) {
    const value = entry[field]
    const items = spec.list ? (Array.isArray(value) ? value : []) : [value]
    items.forEach((item, i) => {
      if (!isRecord(item)) return
      for (const key of Object.keys(item).filter((k) => !spec.keys.includes(k)))
        findings.push({
          at: spec.list ? [...at, field, i] : [...at, field],
          key,
          message: `${unknownKey(key, spec.keys)}: it is ignored`,
          severity: 'warning',
        })
    })
  }
  const problem = cannotRun(entry)
  if (problem) {
    // Name the typo that most likely caused it, when there is one.
    const typo = unknown.find((k) => closestMatches(k, [problem.missing], 1).length > 0)
    findings.push({
      at,
      ...(typo ? {key: typo} : {}),
      message: `${problem.message}${typo ? `; "${typo}" looks like a typo of "${problem.missing}"` : ''}`,
      severity: 'error',
    })
  }
  return findings
}

/** Why an entry cannot work as written: a container server without an image, a remote without a URL. */
function cannotRun(entry: Record<string, unknown>): {message: string; missing: string} | undefined {
  const remote = isRecord(entry.remote) ? entry.remote : undefined
  if (entry.type === 'poci') return undefined
  if (entry.type === 'remote' || remote || entry.sseEndpoint !== undefined) {
    if (typeof remote?.url === 'string' || typeof entry.sseEndpoint === 'string') return undefined
    return {message: 'a remote server needs "remote.url": the gateway cannot reach it', missing: 'remote'}
  }
  if (typeof entry.image === 'string' && entry.image !== '') return undefined
  return {
    message: 'no "image" (and not a remote server with "remote.url"): the gateway cannot run it',
    missing: 'image',
  }
}

/** Unknown keys of a whole catalog file (top level and every entry). */
export function checkCatalogKeys(data: unknown): KeyFinding[] {
  if (!isRecord(data)) return []
  const findings: KeyFinding[] = []
  for (const key of Object.keys(data).filter((k) => !TOP_KEYS.includes(k))) {
    const [close] = closestMatches(key, TOP_KEYS, 1)
    // Without "registry" the catalog has no server at all: a near miss is the reason, not a detail.
    const fatal = close === 'registry' && data.registry === undefined
    findings.push({
      at: [],
      key,
      message: fatal
        ? `${unknownKey(key, TOP_KEYS)}: without "registry" the catalog has no servers`
        : `${unknownKey(key, TOP_KEYS)}: it is ignored`,
      severity: fatal ? 'error' : 'warning',
    })
  }
  if (isRecord(data.registry))
    for (const [server, entry] of Object.entries(data.registry))
      findings.push(...checkEntryKeys(server, entry))
  return findings
}
