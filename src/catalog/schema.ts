import * as z from 'zod'

import {ADDABLE_CAPABILITIES, normaliseCapability} from '../docker/container-spec.js'
import {SERVER_NAME} from './names.js'

/**
 * The one schema of a catalog server entry, for Docker's v2 and v3 catalogs and user catalogs alike
 * (reference: docker/mcp-gateway `pkg/catalog/types.go` and `docs/server-entry-spec.md`). Every object is
 * loose: fields we do not know are kept as they are, so a newer catalog still loads and nothing is dropped.
 * Fields the gateway acts on are typed strictly, so mistakes surface at load time with a line number
 * rather than as a container that silently misbehaves.
 */

/**
 * A YAML scalar used where the original expects a string. Go's YAML decoder accepts `8080` or `true` for a
 * string field, and catalogs written for it do that, so numbers and booleans are accepted and converted.
 */
const scalarString = z
  .union([z.string(), z.number(), z.boolean()], {error: 'expected a string'})
  .transform((v) => String(v))

const stringList = z.array(scalarString)

/** Secret names as the original validates them (`github.personal_access_token`, `team/db.password`). */
export const SECRET_NAME = /^[A-Za-z0-9._:-]+(\/[A-Za-z0-9._:-]+)*$/
/**
 * Environment variable names: Docker accepts anything without "=" (and so do catalogs in the wild), so
 * only "=", whitespace and the empty name are refused.
 */
const ENV_NAME = /^[^=\s]+$/

export {SERVER_NAME}

/**
 * Our extension `capAdd`: capabilities added back after the gateway drops them all. Only Docker's default
 * set may be named (any case, with or without `CAP_`), so a catalog cannot ask for SYS_ADMIN and friends.
 */
const capability = z
  .string()
  .transform(normaliseCapability)
  .refine((c) => (ADDABLE_CAPABILITIES as readonly string[]).includes(c), {
    error: (issue) =>
      `capability "${String(issue.input)}" cannot be added from a catalog: use one of ${ADDABLE_CAPABILITIES.join(', ')}`,
  })

const envVar = z.looseObject({
  name: z.string().regex(ENV_NAME, {error: 'expected an environment variable name (no "=" or spaces)'}),
  value: scalarString.optional(),
})

const secret = z.looseObject({
  name: z.string().regex(SECRET_NAME, {
    error: 'expected a secret name made of letters, digits, ".", "_", ":", "-" (and "/" between parts)',
  }),
  env: z.string().regex(ENV_NAME, {error: 'expected an environment variable name (no "=" or spaces)'}),
  description: z.string().optional(),
  example: scalarString.optional(),
})

/** One JSON-schema object describing a server's configuration (`config:` items). */
export const configSchemaItem = z.looseObject({
  name: z.string().optional(),
  description: z.string().optional(),
  type: z.string().optional(),
  properties: z.record(z.string(), z.looseObject({})).optional(),
  required: z.array(z.string()).optional(),
  anyOf: z.array(z.looseObject({})).optional(),
  oneOf: z.array(z.looseObject({})).optional(),
})

/** `remote.transport_type` values the original accepts (`http` and its spellings mean streamable HTTP). */
export const TRANSPORT_TYPES = ['sse', 'http', 'streamable', 'streaming', 'streamable-http'] as const

/** An http(s) URL (ours: `remote.urls` items; `remote.url` stays as loose as the original's). */
const httpUrl = z.string().regex(/^https?:\/\/[^\s/?#]+/i, {error: 'expected an http:// or https:// URL'})

const remote = z.looseObject({
  url: z.string().optional(),
  /** Ours: more URLs of the same server, balanced with `url` and health-checked (src/gateway/balance/). */
  urls: z.array(httpUrl).min(1, {error: 'expected at least one URL (or leave "urls" out)'}).optional(),
  transport_type: z.enum(TRANSPORT_TYPES).optional(),
  headers: z.record(z.string(), scalarString).optional(),
})

const oauthProvider = z.looseObject({
  provider: z.string(),
  secret: z.string().optional(),
  env: z.string().optional(),
})

/** Older catalogs list providers directly; newer ones nest them under `providers` with `scopes`. */
const oauth = z.union(
  [
    z.array(oauthProvider),
    z.looseObject({providers: z.array(oauthProvider).optional(), scopes: z.array(z.string()).optional()}),
  ],
  {error: 'expected a mapping with "providers" (or a list of providers)'},
)

const toolArgument = z.looseObject({
  name: z.string(),
  type: z.string().optional(),
  /** Docker's ToolArgument also has `items` (an array's item type) and `optional`. */
  items: z.looseObject({type: z.string().optional()}).optional(),
  desc: z.string().optional(),
  description: z.string().optional(),
  optional: z.boolean().optional(),
})

const tool = z.looseObject({
  name: z.string(),
  /** Ours (as MCP's Tool.title): Docker's format keeps a display name only in `annotations.title`. */
  title: z.string().optional(),
  description: z.string().optional(),
  arguments: z.array(toolArgument).optional(),
  annotations: z.looseObject({}).optional(),
  /** Ours: the server's own JSON schemas, as scripts/catalog-tools.mjs copies them from its listing. */
  inputSchema: z.looseObject({}).optional(),
  outputSchema: z.looseObject({}).optional(),
  /** `poci` servers run each tool in its own container. */
  container: z.looseObject({}).optional(),
  parameters: z.looseObject({}).optional(),
})

export const catalogEntrySchema = z.looseObject({
  name: z.string().optional(),
  type: z.enum(['server', 'remote', 'poci']).optional(),
  title: z.string().optional(),
  description: z.string().optional(),
  icon: z.string().optional(),
  readme: z.string().optional(),
  toolsUrl: z.string().optional(),
  source: z.string().optional(),
  upstream: z.string().optional(),
  dateAdded: scalarString.optional(),
  ref: z.string().optional(),
  image: z.string().min(1, {error: 'expected an image reference, got an empty string'}).optional(),
  command: stringList.optional(),
  env: z.array(envVar).optional(),
  secrets: z.array(secret).optional(),
  volumes: stringList.optional(),
  user: scalarString.optional(),
  extraHosts: stringList.optional(),
  longLived: z.boolean().optional(),
  /** Ours: run this many containers of the server, calls balanced over them (implies longLived). */
  replicas: z
    .number({error: 'expected a whole number of replicas, 1 or more'})
    .int({error: 'expected a whole number of replicas, 1 or more'})
    .min(1, {error: 'expected 1 or more replicas'})
    .max(64, {error: 'at most 64 replicas'})
    .optional(),
  disableNetwork: z.boolean().optional(),
  allowHosts: stringList.optional(),
  /** Ours: `publicKey` (PEM) that signs `image`, for `gateway run --verify-signatures`. */
  signature: z.looseObject({publicKey: z.string().optional()}).optional(),
  capAdd: z.array(capability).optional(),
  readOnly: z.boolean().optional(),
  remote: remote.optional(),
  sseEndpoint: z.string().optional(),
  oauth: oauth.optional(),
  config: z.array(configSchemaItem).optional(),
  tools: z.array(tool).optional(),
  prefix: z.string().optional(),
  metadata: z.looseObject({tags: z.array(z.string()).optional(), category: z.string().optional()}).optional(),
  prompts: z.unknown().optional(),
  resources: z.unknown().optional(),
})

/** A catalog server entry as loaded (unknown fields preserved). */
export type CatalogEntry = z.output<typeof catalogEntrySchema>
export type ConfigSchemaItem = z.output<typeof configSchemaItem>

/** A catalog file: `catalogs/<name>.yaml`, Docker's catalog, or any file passed with `--catalog`. */
export const catalogFileSchema = z.looseObject({
  version: z.union([z.number(), z.string()]).optional(),
  name: z.string().optional(),
  displayName: z.string().optional(),
  registry: z
    .record(
      z.string().regex(SERVER_NAME, {error: 'server names are letters, digits, ".", "_" and "-"'}),
      // An entry written as `dice:` with nothing under it is an empty entry, not an error.
      z.preprocess((v) => (v === null ? {} : v), catalogEntrySchema),
    )
    .nullish(),
})
export type CatalogFile = z.output<typeof catalogFileSchema>

/** `catalog.json`: the index of configured catalogs. */
export const catalogIndexSchema = z.looseObject({
  catalogs: z
    .record(
      z.string(),
      z.looseObject({
        displayName: z.string().optional(),
        url: z.string().optional(),
        lastUpdate: z.string().optional(),
      }),
    )
    .nullish(),
})
export type CatalogIndex = z.output<typeof catalogIndexSchema>
export type CatalogIndexEntry = NonNullable<CatalogIndex['catalogs']>[string]
