import {stringify} from 'yaml'
import * as z from 'zod'

import {catalogEntrySchema} from '../catalog/schema.js'
import {parseYaml, validate, type YamlFile} from '../catalog/yaml-file.js'
import {FileFormatError} from '../errors.js'

/**
 * A profile (the original's "working set", `pkg/workingset`): a named set of servers, each with its own
 * config, tool allowlist and secret provider. The file format is the original's export format, so
 * `profile export` of either tool is read by the other:
 *
 * ```yaml
 * version: 1
 * id: dev-tools
 * name: Dev tools
 * servers:
 *   - type: image            # image | registry | remote
 *     image: mcp/dice:latest # image: `image`; registry: `source` (a registry URL); remote: `endpoint`
 *     config: {sides: 6}     # the server's config object (what config.yaml holds under its name)
 *     secrets: default       # a key of `secrets` below
 *     tools: [roll_dice]     # absent = every tool; [] = none
 *     snapshot:
 *       server: {name: dice, image: mcp/dice:latest, ...}   # the catalog entry, named
 * secrets:
 *   default: {provider: docker-desktop-store}
 * ```
 */

/** The only version of the format the original writes (`CurrentWorkingSetVersion`). */
export const PROFILE_VERSION = 1
/** The secret provider the original writes for every profile. */
export const DEFAULT_SECRET_PROVIDER = 'docker-desktop-store'
/** The original pushes a profile as a catalog artifact of this media type (`pkg/workingset/oci.go`). */
export const PROFILE_ARTIFACT_MEDIA_TYPE = 'application/vnd.docker.mcp.profile.v1+json'
/** Media types of the export files. */
export const PROFILE_YAML_MEDIA_TYPE = 'application/yaml'
export const PROFILE_JSON_MEDIA_TYPE = 'application/json'

/**
 * Profile ids become file names (`profiles/<id>.yaml`): letters, digits, `-`, `_` and `.` (not first), so
 * an id can never name a path outside the directory.
 */
export const PROFILE_ID = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/

export const SERVER_TYPES = ['image', 'registry', 'remote'] as const
export type ServerType = (typeof SERVER_TYPES)[number]

const nullToUndefined = (v: unknown) => (v === null ? undefined : v)

const snapshotSchema = z.looseObject({
  server: z.looseObject({
    name: z
      .string({error: 'expected the server name (a string)'})
      .regex(/^[A-Za-z0-9][A-Za-z0-9_.-]*$/, {error: 'server names are letters, digits, ".", "_" and "-"'}),
  }),
})

const serverSchema = z
  .looseObject({
    type: z.enum(SERVER_TYPES),
    config: z.preprocess(nullToUndefined, z.record(z.string(), z.unknown()).optional()),
    secrets: z.preprocess(nullToUndefined, z.string().optional()),
    // `tools: null` is Go's nil slice: every tool, like an absent key. `[]` is no tool at all.
    tools: z.preprocess(nullToUndefined, z.array(z.string()).optional()),
    source: z.preprocess(nullToUndefined, z.string().optional()),
    image: z.preprocess(nullToUndefined, z.string().optional()),
    endpoint: z.preprocess(nullToUndefined, z.string().optional()),
    snapshot: z.preprocess(nullToUndefined, snapshotSchema.optional()),
  })
  .superRefine((s, ctx) => {
    // The original's `required_if`: the field that says where the server comes from, by type.
    const field = s.type === 'image' ? 'image' : s.type === 'registry' ? 'source' : 'endpoint'
    if (!s[field]) ctx.addIssue({code: 'custom', path: [field], message: `required for type "${s.type}"`})
  })

export const profileSchema = z
  .looseObject({
    version: z.literal(PROFILE_VERSION, {error: `expected ${PROFILE_VERSION} (the only version there is)`}),
    id: z.string().regex(PROFILE_ID, {
      error: 'expected a profile id: letters, digits, "-", "_" and "." (not first), at most 128',
    }),
    name: z.string().min(1, {error: 'expected a non-empty name'}),
    servers: z.preprocess((v) => (v === null || v === undefined ? [] : v), z.array(serverSchema)),
    secrets: z.preprocess(
      nullToUndefined,
      z.record(z.string(), z.looseObject({provider: z.literal(DEFAULT_SECRET_PROVIDER)})).optional(),
    ),
  })
  .superRefine((p, ctx) => {
    const seen = new Map<string, number>()
    p.servers.forEach((s, i) => {
      const name = s.snapshot?.server.name
      if (name === undefined) return
      if (seen.has(name))
        ctx.addIssue({
          code: 'custom',
          path: ['servers', i, 'snapshot', 'server', 'name'],
          message: `duplicate server name "${name}" (also servers[${seen.get(name)}])`,
        })
      else seen.set(name, i)
      if (s.secrets && !p.secrets?.[s.secrets])
        ctx.addIssue({
          code: 'custom',
          path: ['servers', i, 'secrets'],
          message: `"${s.secrets}" is not a key of the profile's secrets`,
        })
    })
  })

export type Profile = z.output<typeof profileSchema>
export type ProfileServer = Profile['servers'][number]

/**
 * A server's name in its profile: the snapshot's (as the original), else derived from where it comes from
 * (the last path segment of the image without tag or digest, of the source, or the endpoint's host).
 */
export function serverName(server: ProfileServer): string {
  if (server.snapshot?.server.name) return server.snapshot.server.name
  if (server.type === 'image' && server.image) return imageBaseName(server.image)
  if (server.type === 'remote' && server.endpoint) {
    try {
      return new URL(server.endpoint).hostname.replace(/[^A-Za-z0-9_.-]/g, '-')
    } catch {
      return server.endpoint
    }
  }
  const source = server.source ?? ''
  return source.replace(/\/+$/, '').split('/').pop() || source
}

/** `registry.example/ns/my-server:1@sha256:…` → `my-server`. */
export function imageBaseName(image: string): string {
  const noDigest = image.split('@')[0]!
  const last = noDigest.split('/').pop()!
  return last.split(':')[0]!.replace(/[^A-Za-z0-9_.-]/g, '-')
}

/**
 * Parse and validate a profile document (YAML or JSON: JSON is YAML). Every problem is reported with the
 * file, line and field (`profiles/dev.yaml:7:7: servers[0].type: expected one of …`).
 */
export function parseProfile(file: string, text: string): Profile {
  const y: YamlFile = parseYaml(file, text)
  if (y.data === null || y.data === undefined)
    throw new FileFormatError(file, 'empty profile: expected version, id, name and servers', {line: 1})
  const profile = validate(y, profileSchema, y.data)
  // A snapshot is a catalog entry and is run as one: it gets the catalog's checks (capabilities, secret
  // names, transports), with the line of the field in this file.
  profile.servers.forEach((s, i) => {
    if (s.snapshot) validate(y, catalogEntrySchema, s.snapshot.server, ['servers', i, 'snapshot', 'server'])
  })
  return profile
}

/**
 * The profile as the original writes it: keys in its order (version, id, name, servers, secrets; per
 * server type, config, secrets, tools, source/image/endpoint, snapshot), extra keys kept after them.
 */
export function canonicalProfile(p: Profile): Record<string, unknown> {
  const {version, id, name, servers, secrets, ...rest} = p
  return {
    version,
    id,
    name,
    servers: servers.map(canonicalServer),
    ...(secrets && Object.keys(secrets).length ? {secrets} : {}),
    ...rest,
  }
}

function canonicalServer(s: ProfileServer): Record<string, unknown> {
  const {type, config, secrets, tools, source, image, endpoint, snapshot, ...rest} = s
  return {
    type,
    ...(config && Object.keys(config).length ? {config} : {}),
    ...(secrets ? {secrets} : {}),
    ...(tools ? {tools} : {}),
    ...(type === 'registry' && source ? {source} : {}),
    ...(type === 'image' && image ? {image} : {}),
    ...(type === 'remote' && endpoint ? {endpoint} : {}),
    ...rest,
    ...(snapshot ? {snapshot} : {}),
  }
}

/** The profile as YAML (2-space indent, as the original's encoder) or indented JSON. */
export function serializeProfile(p: Profile, format: 'yaml' | 'json'): string {
  const data = canonicalProfile(p)
  return format === 'json' ? JSON.stringify(data, null, 2) + '\n' : stringify(data, {lineWidth: 0})
}

/**
 * The shape the original pushes to a registry (`NewCatalogFromWorkingSet`): the name and, per server, type,
 * config, tools and source or image. No id, no secrets, no snapshots.
 */
export function profileToArtifact(p: Profile): {name: string; servers: Array<Record<string, unknown>>} {
  return {
    name: p.name,
    servers: p.servers.map((s) => ({
      type: s.type,
      ...(s.config && Object.keys(s.config).length ? {config: s.config} : {}),
      ...(s.tools ? {tools: s.tools} : {}),
      ...(s.type === 'registry' ? {source: s.source} : {}),
      ...(s.type === 'image' ? {image: s.image} : {}),
      ...(s.type === 'remote' ? {endpoint: s.endpoint} : {}),
    })),
  }
}

/** Does this document look like the artifact shape (name and servers, no version/id)? */
export function isArtifactShape(data: unknown): data is {name: string; servers: unknown[]} {
  return (
    data !== null &&
    typeof data === 'object' &&
    !Array.isArray(data) &&
    !('version' in data) &&
    !('id' in data) &&
    'servers' in data
  )
}

/** The working set the original makes of a pulled artifact (`Catalog.ToWorkingSet`), before it gets an id. */
export function artifactToProfileData(
  data: {name: string; servers: unknown[]},
  id: string,
): Record<string, unknown> {
  return {
    version: PROFILE_VERSION,
    id,
    name: data.name,
    servers: (data.servers ?? []).map((s) => ({...(s as object), secrets: 'default'})),
    secrets: {default: {provider: DEFAULT_SECRET_PROVIDER}},
  }
}

/** The original's id of a name: non-alphanumerics become `-`, lower-cased (`createWorkingSetID`). */
export function slugify(name: string): string {
  return name
    .replace(/[^a-zA-Z0-9]+/g, '-')
    .toLowerCase()
    .replace(/^-+|-+$/g, '')
}
