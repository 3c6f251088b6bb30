import type {CatalogEntry} from './schema.js'

/** How far a server's secrets or config are set up (the original's `server ls` statuses). */
export type SetupStatus = 'none' | 'required' | 'partial' | 'done'

/** What the status code needs to know about secrets: the secret store, narrowed to one question. */
export interface SecretPresence {
  has(name: string): Promise<boolean>
}

/** A secret store that knows nothing (no store available): every secret is missing. */
export const NO_SECRETS: SecretPresence = {has: async () => false}

/** One configurable setting of a server, flattened from its config JSON schema. */
export interface ConfigField {
  /** Dotted key below the server (`paths`, `db.host`). */
  key: string
  type?: string | undefined
  description?: string | undefined
  required: boolean
  enum?: unknown[] | undefined
  default?: unknown
  items?: Record<string, unknown> | undefined
}

type Schema = Record<string, unknown>

function asSchema(v: unknown): Schema | undefined {
  return v && typeof v === 'object' && !Array.isArray(v) ? (v as Schema) : undefined
}

/** The JSON-schema `type` as one name (`["string","null"]` → `string`). */
export function schemaType(schema: Schema): string | undefined {
  const t = schema.type
  if (typeof t === 'string') return t
  if (Array.isArray(t)) return t.find((x): x is string => typeof x === 'string' && x !== 'null')
  if (schema.enum && Array.isArray(schema.enum) && schema.enum.every((x) => typeof x === 'string'))
    return 'string'
  return undefined
}

function collect(schema: Schema, prefix: string, parentRequired: boolean, out: ConfigField[]): void {
  const properties = asSchema(schema.properties) ?? {}
  const required = new Set(Array.isArray(schema.required) ? schema.required.map(String) : [])
  for (const [key, raw] of Object.entries(properties)) {
    const prop = asSchema(raw) ?? {}
    const dotted = prefix ? `${prefix}.${key}` : key
    const isRequired = parentRequired && required.has(key)
    if (schemaType(prop) === 'object' && asSchema(prop.properties)) {
      collect(prop, dotted, isRequired, out)
      continue
    }
    out.push({
      key: dotted,
      type: schemaType(prop),
      description: typeof prop.description === 'string' ? prop.description : undefined,
      required: isRequired,
      enum: Array.isArray(prop.enum) ? prop.enum : undefined,
      default: prop.default,
      items: asSchema(prop.items),
    })
  }
}

/** Every leaf setting a catalog entry declares in `config:`, with whether it is required. */
export function configFields(entry: CatalogEntry): ConfigField[] {
  const out: ConfigField[] = []
  for (const item of entry.config ?? []) collect(item as Schema, '', true, out)
  return out
}

/** Flatten nested config maps to dotted keys (`{db: {host: x}}` → `{"db.host": x}`). */
export function flattenConfig(config: Record<string, unknown>, prefix = ''): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  for (const [k, v] of Object.entries(config)) {
    const key = prefix ? `${prefix}.${k}` : k
    const sub = asSchema(v)
    if (sub && Object.keys(sub).length > 0) Object.assign(out, flattenConfig(sub, key))
    else out[key] = v
  }
  return out
}

/** Is a config value "set"? Null, empty strings, empty lists and empty maps are not. */
export function isSet(v: unknown): boolean {
  if (v === null || v === undefined || v === '') return false
  if (Array.isArray(v)) return v.length > 0
  if (typeof v === 'object') return Object.keys(v).length > 0
  return true
}

/**
 * Config status of a server from its catalog entry and its own config map (`config.yaml`'s
 * `<server>:` section): `none` when the entry declares no config, `done` when every required setting is
 * set (or nothing is required), `required` when none is, `partial` in between (as the original counts).
 */
export function configStatus(entry: CatalogEntry, config: Record<string, unknown> | undefined): SetupStatus {
  if (!entry.config?.length) return 'none'
  const required = configFields(entry).filter((f) => f.required)
  if (required.length === 0) return 'done'
  const flat = flattenConfig(config ?? {})
  const configured = required.filter((f) => isSet(flat[f.key])).length
  if (configured === 0) return 'required'
  return configured < required.length ? 'partial' : 'done'
}

/** Secrets status: `none` when the entry declares none, else how many of them the store has. */
export async function secretsStatus(entry: CatalogEntry, store: SecretPresence): Promise<SetupStatus> {
  const secrets = entry.secrets ?? []
  if (secrets.length === 0) return 'none'
  const present = await Promise.all(secrets.map((s) => store.has(s.name)))
  const count = present.filter(Boolean).length
  if (count === 0) return 'required'
  return count < secrets.length ? 'partial' : 'done'
}
