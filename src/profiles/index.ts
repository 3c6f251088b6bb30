import {loadServers, type ResolvedServer} from '../catalog/load.js'
import type {Context} from '../context.js'
import {DockerMcpError, UsageError} from '../errors.js'
import {closestMatches} from '../text/suggest.js'
import {
  artifactToProfileData,
  canonicalProfile,
  DEFAULT_SECRET_PROVIDER,
  isArtifactShape,
  parseProfile,
  PROFILE_ARTIFACT_MEDIA_TYPE,
  PROFILE_JSON_MEDIA_TYPE,
  PROFILE_VERSION,
  PROFILE_YAML_MEDIA_TYPE,
  profileToArtifact,
  serializeProfile,
  serverName,
  slugify,
  type Profile,
  type ProfileServer,
} from './format.js'
import {readDefaultProfile, writeDefaultProfile} from './legacy.js'
import {parseServerRef, resolveServerRefs, type CatalogSource} from './refs.js'
import {
  checkId,
  createProfileFile,
  DEFAULT_PROFILE,
  editProfileFile,
  profileFileIds,
  profileNotFound,
  putProfileFile,
  readProfileFile,
  removeProfileFile,
} from './store.js'

export {DEFAULT_PROFILE} from './store.js'
export type {Profile, ProfileServer} from './format.js'

/** The original's default OCI catalog; here it is the shipped Docker catalog, `docker-mcp`. */
const ORIGINAL_DEFAULT_CATALOG = /^(docker\.io\/)?mcp\/docker-mcp-catalog(:[\w.-]+)?$/

/** Catalog lookups for server references, over the configured catalogs. */
export function catalogSource(ctx: Context): CatalogSource {
  let all: Promise<Map<string, ResolvedServer>> | undefined
  const loadAll = () => (all ??= loadServers(ctx).then((l) => l.servers))
  return {
    async catalog(name) {
      const wanted = ORIGINAL_DEFAULT_CATALOG.test(name) ? 'docker-mcp' : name
      // `docker-mcp` is the Docker catalog itself (loadServers reads ['docker-mcp'] as "every catalog").
      const servers = await loadAll()
      if (wanted === 'docker-mcp') return new Map([...servers].filter(([, s]) => s.catalog === 'docker-mcp'))
      return (await loadServers(ctx, {catalogs: [wanted]})).servers
    },
    all: loadAll,
  }
}

/** Read any profile: `default` from the legacy files, the others from their files. */
export async function getProfile(ctx: Context, id: string): Promise<{profile: Profile; warnings: string[]}> {
  if (id === DEFAULT_PROFILE) {
    const view = await readDefaultProfile(ctx)
    return {profile: view.profile, warnings: view.warnings}
  }
  checkId(id)
  const profile = await readProfileFile(ctx, id)
  if (!profile) throw await profileNotFound(ctx, id)
  return {profile, warnings: []}
}

/**
 * Read, change and write a profile. For `default` the change is written into the legacy files; for the
 * others, into the profile's file under its lock. The changed profile is validated before anything is
 * written.
 */
export async function editProfile<T>(
  ctx: Context,
  id: string,
  change: (p: Profile) => Promise<T> | T,
): Promise<T> {
  const checked = async (p: Profile) => {
    const result = await change(p)
    parseProfile(`profile ${id}`, serializeProfile(p, 'json'))
    return result
  }
  if (id !== DEFAULT_PROFILE) return editProfileFile(ctx, id, checked)
  const {profile: before} = await readDefaultProfile(ctx)
  const after = structuredClone(before)
  const result = await checked(after)
  await writeDefaultProfile(ctx, before, after)
  return result
}

export interface ProfileSummary {
  id: string
  name: string
  servers: string[]
}

/** Every profile, `default` first. A profile file that does not validate stops the listing with its error. */
export async function listProfiles(ctx: Context): Promise<{profiles: ProfileSummary[]; warnings: string[]}> {
  const {profile, warnings} = await getProfile(ctx, DEFAULT_PROFILE)
  const profiles = [profile]
  for (const id of await profileFileIds(ctx)) {
    const p = await readProfileFile(ctx, id)
    if (p) profiles.push(p)
  }
  return {
    profiles: profiles.map((p) => ({id: p.id, name: p.name, servers: p.servers.map(serverName)})),
    warnings,
  }
}

/** A new, empty profile document. */
export function newProfile(id: string, name: string, servers: ProfileServer[] = []): Profile {
  return {
    version: PROFILE_VERSION,
    id,
    name,
    servers,
    secrets: {default: {provider: DEFAULT_SECRET_PROVIDER}},
  }
}

/** Resolve `--server` references (see ./refs.ts). */
export async function resolveServers(ctx: Context, refs: string[]): Promise<ProfileServer[]> {
  const parsed = refs.map(parseServerRef)
  return resolveServerRefs(ctx, parsed, catalogSource(ctx))
}

/**
 * `profile create`: a profile with these servers. The id defaults to the name, slugified, with `-2`, `-3`…
 * when taken (as the original).
 */
export async function createProfile(
  ctx: Context,
  options: {name: string; id?: string | undefined; servers?: string[]},
): Promise<Profile> {
  if (!options.name.trim()) throw new UsageError('--name must not be empty')
  const taken = new Set([DEFAULT_PROFILE, ...(await profileFileIds(ctx))])
  let id = options.id
  if (id === undefined) {
    const base = slugify(options.name)
    if (!base) throw new UsageError(`cannot make an id of the name "${options.name}": pass --id`)
    id = base
    for (let i = 2; taken.has(id); i++) id = `${base}-${i}`
  } else if (taken.has(id))
    throw new DockerMcpError(`profile with id ${id} already exists`, {
      suggestions: [`Choose another --id, or remove it first: docker mcp profile rm ${id}`],
    })
  checkId(id)
  const servers = dedupe(await resolveServers(ctx, options.servers ?? []))
  const profile = newProfile(id, options.name, servers)
  parseProfile(`profile ${id}`, serializeProfile(profile, 'json'))
  await createProfileFile(ctx, profile)
  return profile
}

/** Later servers of the same name replace earlier ones (the original's upsert). */
function dedupe(servers: ProfileServer[]): ProfileServer[] {
  const out: ProfileServer[] = []
  for (const s of servers) {
    const i = out.findIndex((o) => serverName(o) === serverName(s))
    if (i === -1) out.push(s)
    else out[i] = s
  }
  return out
}

/** `profile rm`. `default` is the legacy files and cannot be removed. */
export async function removeProfile(ctx: Context, id: string): Promise<void> {
  if (id === DEFAULT_PROFILE)
    throw new DockerMcpError(
      'the default profile cannot be removed: it is registry.yaml, config.yaml and tools.yaml',
      {
        suggestions: ['To disable every server of it: docker mcp server reset'],
      },
    )
  await removeProfileFile(ctx, id)
}

/** `profile server add`: add (or replace, by name) servers. */
export async function addProfileServers(
  ctx: Context,
  id: string,
  refs: string[],
): Promise<{added: string[]; replaced: string[]}> {
  if (refs.length === 0) throw new UsageError('at least one server must be specified: --server <reference>')
  const resolved = dedupe(await resolveServers(ctx, refs))
  return editProfile(ctx, id, (p) => {
    const replaced: string[] = []
    for (const s of resolved) {
      const i = p.servers.findIndex((o) => serverName(o) === serverName(s))
      // A replaced server keeps its config and tool list: re-adding must not lose what the user set.
      if (i !== -1) {
        replaced.push(serverName(s))
        p.servers[i] = {
          ...s,
          ...(p.servers[i]!.config ? {config: p.servers[i]!.config} : {}),
          ...(p.servers[i]!.tools ? {tools: p.servers[i]!.tools} : {}),
        }
      } else p.servers.push(s)
    }
    return {added: resolved.map(serverName), replaced}
  })
}

/** `profile server rm`: remove servers by name; a name that is not there is an error (nothing is written). */
export async function removeProfileServers(ctx: Context, id: string, names: string[]): Promise<string[]> {
  if (names.length === 0) throw new UsageError('at least one server must be specified')
  return editProfile(ctx, id, (p) => {
    const present = p.servers.map(serverName)
    const missing = names.filter((n) => !present.includes(n))
    if (missing.length > 0)
      throw new DockerMcpError(`profile ${id} has no server ${missing.map((m) => `"${m}"`).join(', ')}`, {
        suggestions: [
          ...missing.flatMap((m) => closestMatches(m, present, 1).map((c) => `did you mean "${c}"?`)),
          `Run "docker mcp profile server ls --filter profile=${id}" to list its servers.`,
        ],
      })
    p.servers = p.servers.filter((s) => !names.includes(serverName(s)))
    return names
  })
}

export interface ProfileServerRow {
  profile: string
  type: string
  name: string
  /** Where it comes from: the image, endpoint or registry source. */
  reference: string
}

/** `profile server ls`: servers of every profile, filtered by `name=` (substring) and `profile=` (id). */
export async function listProfileServers(ctx: Context, filters: string[] = []): Promise<ProfileServerRow[]> {
  let nameFilter = ''
  let profileFilter: string | undefined
  for (const f of filters) {
    const eq = f.indexOf('=')
    if (eq === -1) throw new UsageError(`invalid filter format: ${f} (expected key=value)`)
    const key = f.slice(0, eq)
    const value = f.slice(eq + 1)
    if (key === 'name') nameFilter = value.toLowerCase()
    else if (key === 'profile') profileFilter = value
    else throw new UsageError(`unsupported filter key: ${key} (use name=<text> or profile=<id>)`)
  }
  const ids = profileFilter ? [profileFilter] : [DEFAULT_PROFILE, ...(await profileFileIds(ctx))]
  const rows: ProfileServerRow[] = []
  for (const id of ids) {
    const {profile} = await getProfile(ctx, id)
    for (const s of [...profile.servers].sort((a, b) => serverName(a).localeCompare(serverName(b)))) {
      if (nameFilter && !serverName(s).toLowerCase().includes(nameFilter)) continue
      rows.push({
        profile: profile.id,
        type: s.type,
        name: serverName(s),
        reference: (s.type === 'image' ? s.image : s.type === 'remote' ? s.endpoint : s.source) ?? '',
      })
    }
  }
  return rows
}

/** Find a server of a profile by name, or throw with the closest names. */
function findServer(p: Profile, name: string, arg: string): ProfileServer {
  const s = p.servers.find((o) => serverName(o) === name)
  if (s) return s
  const close = closestMatches(
    name,
    p.servers.map((o) => serverName(o)),
    1,
  )
  throw new DockerMcpError(`server ${name} not found in profile ${p.id} for argument ${arg}`, {
    suggestions: close.map((c) => `did you mean "${c}"?`),
  })
}

/** `<server>.<key>`: the server is the longest name of the profile that prefixes the key (names may hold dots). */
function splitKey(p: Profile, arg: string, expected: string): {server: string; key: string} {
  const names = p.servers.map(serverName).sort((a, b) => b.length - a.length)
  const server = names.find((n) => arg.startsWith(`${n}.`) && arg.length > n.length + 1)
  if (server) return {server, key: arg.slice(server.length + 1)}
  const dot = arg.indexOf('.')
  if (dot <= 0 || dot === arg.length - 1)
    throw new UsageError(`invalid config argument: ${arg}, expected ${expected}`)
  return {server: arg.slice(0, dot), key: arg.slice(dot + 1)}
}

/** A value typed on the command line: JSON when it parses as JSON (`8080`, `true`, `["a"]`), else the text. */
export function parseConfigValue(raw: string): unknown {
  try {
    return JSON.parse(raw)
  } catch {
    return raw
  }
}

/**
 * `profile config`: set, get and delete `<server>.<key>` values; `getAll` lists every one. Returns the
 * values asked for (and those set), flattened to `server.key`.
 */
export async function updateProfileConfig(
  ctx: Context,
  id: string,
  options: {set?: string[]; get?: string[]; del?: string[]; getAll?: boolean},
): Promise<Record<string, unknown>> {
  const set = options.set ?? []
  const get = options.get ?? []
  const del = options.del ?? []
  for (const d of del)
    if (set.some((s) => s.split('=')[0] === d))
      throw new UsageError(`cannot both delete and set the same config value: ${d}`)
  const run = (p: Profile): Record<string, unknown> => {
    const out: Record<string, unknown> = {}
    if (options.getAll) {
      for (const s of p.servers)
        for (const [k, v] of Object.entries(s.config ?? {})) out[`${serverName(s)}.${k}`] = v
    }
    for (const arg of get) {
      const {server, key} = splitKey(p, arg, '<serverName>.<configName>')
      const s = findServer(p, server, arg)
      if (s.config && Object.hasOwn(s.config, key)) out[arg] = s.config[key]
    }
    for (const arg of set) {
      const eq = arg.indexOf('=')
      if (eq === -1)
        throw new UsageError(`invalid config argument: ${arg}, expected <serverName>.<configName>=<value>`)
      const {server, key} = splitKey(p, arg.slice(0, eq), '<serverName>.<configName>=<value>')
      const s = findServer(p, server, arg)
      const value = parseConfigValue(arg.slice(eq + 1))
      s.config = {...s.config, [key]: value}
      out[`${server}.${key}`] = value
    }
    for (const arg of del) {
      const {server, key} = splitKey(p, arg, '<serverName>.<configName>')
      const s = findServer(p, server, arg)
      if (s.config && Object.hasOwn(s.config, key)) {
        const {[key]: _gone, ...rest} = s.config
        s.config = rest
        if (Object.keys(rest).length === 0) delete s.config
      }
      delete out[arg]
    }
    return out
  }
  if (set.length === 0 && del.length === 0) return run((await getProfile(ctx, id)).profile)
  return editProfile(ctx, id, run)
}

export interface ToolsUpdate {
  enabled: number
  disabled: number
  enabledAll: number
  disabledAll: number
  /** Tools both enabled and disabled in the same command. */
  overlapping: string[]
}

/**
 * `profile tools`: per-server tool allowlists. `--enable s.t` / `--disable s.t` edit one tool,
 * `--enable-all s` drops the allowlist (every tool), `--disable-all s` makes it empty. Disabling one tool
 * of a server that has no allowlist starts one from the tools its catalog entry lists (the original did
 * nothing there: the tool stayed enabled).
 */
export async function updateProfileTools(
  ctx: Context,
  id: string,
  options: {enable?: string[]; disable?: string[]; enableAll?: string[]; disableAll?: string[]},
): Promise<ToolsUpdate> {
  const enable = options.enable ?? []
  const disable = options.disable ?? []
  const enableAll = options.enableAll ?? []
  const disableAll = options.disableAll ?? []
  if (!enable.length && !disable.length && !enableAll.length && !disableAll.length)
    throw new UsageError(
      'must provide at least one flag: --enable, --disable, --enable-all, or --disable-all',
    )
  const split = (arg: string) => {
    const dot = arg.lastIndexOf('.')
    if (dot <= 0 || dot === arg.length - 1)
      throw new UsageError(`invalid tool argument: ${arg}, expected <serverName>.<toolName>`)
    return {server: arg.slice(0, dot), tool: arg.slice(dot + 1)}
  }
  return editProfile(ctx, id, (p) => {
    const result: ToolsUpdate = {enabled: 0, disabled: 0, enabledAll: 0, disabledAll: 0, overlapping: []}
    for (const name of enableAll) {
      const s = findServer(p, name, name)
      if (s.tools !== undefined) {
        delete s.tools
        result.enabledAll++
      }
    }
    for (const name of disableAll) {
      const s = findServer(p, name, name)
      if (s.tools === undefined || s.tools.length > 0) {
        s.tools = []
        result.disabledAll++
      }
    }
    result.overlapping = [...new Set(enable.filter((t) => disable.includes(t)))].sort()
    for (const arg of enable) {
      const {server, tool} = split(arg)
      const s = findServer(p, server, arg)
      // No allowlist: every tool is already enabled.
      if (s.tools !== undefined && !s.tools.includes(tool)) {
        s.tools = [...s.tools, tool]
        result.enabled++
      }
    }
    for (const arg of disable) {
      const {server, tool} = split(arg)
      const s = findServer(p, server, arg)
      if (s.tools === undefined) {
        const listed = catalogTools(s)
        if (listed.length === 0)
          throw new DockerMcpError(
            `the catalog entry of "${server}" does not list its tools, so the tools to keep are unknown`,
            {
              suggestions: [
                `Enable tools explicitly instead: docker mcp profile tools ${p.id} --disable-all ${server} --enable ${server}.<tool>`,
              ],
            },
          )
        s.tools = listed
      }
      const i = s.tools.indexOf(tool)
      if (i !== -1) {
        s.tools = s.tools.filter((t) => t !== tool)
        result.disabled++
      }
    }
    return result
  })
}

function catalogTools(s: ProfileServer): string[] {
  const tools = (s.snapshot?.server as {tools?: Array<{name?: unknown}>} | undefined)?.tools
  return Array.isArray(tools)
    ? tools.map((t) => t?.name).filter((n): n is string => typeof n === 'string')
    : []
}

export type ExportFormat = 'yaml' | 'json' | 'artifact'

/**
 * A profile as a document to write or push: the original's export format in YAML or JSON (what its
 * `profile export` writes and `profile import` reads), or `artifact`: the JSON it pushes to a registry
 * (a catalog artifact, `application/vnd.docker.mcp.catalog.v1+json`). For the OCI code: push `document`
 * with `mediaType`.
 */
export async function exportProfile(
  ctx: Context,
  id: string,
  format: ExportFormat = 'yaml',
): Promise<{document: string; mediaType: string; profile: Profile}> {
  const {profile} = await getProfile(ctx, id)
  if (format === 'artifact')
    return {
      document: JSON.stringify(profileToArtifact(profile)),
      mediaType: PROFILE_ARTIFACT_MEDIA_TYPE,
      profile,
    }
  return {
    document: serializeProfile(profile, format),
    mediaType: format === 'json' ? PROFILE_JSON_MEDIA_TYPE : PROFILE_YAML_MEDIA_TYPE,
    profile,
  }
}

/**
 * Import a profile document: the original's export format (YAML or JSON), or a pulled artifact (name and
 * servers; it gets the id of its name, or `options.id`). An existing profile of the same id is replaced;
 * `default` is written into the legacy files. `source` names the document in errors (a file path).
 */
export async function importProfile(
  ctx: Context,
  document: string,
  options: {source?: string; id?: string} = {},
): Promise<{id: string; action: 'created' | 'updated'; profile: Profile}> {
  const source = options.source ?? '<profile document>'
  const {parseYaml} = await import('../catalog/yaml-file.js')
  const data = parseYaml(source, document).data
  let profile: Profile
  if (isArtifactShape(data)) {
    const id = options.id ?? slugify(String(data.name ?? ''))
    const text = JSON.stringify(artifactToProfileData(data, id))
    profile = parseProfile(source, text)
  } else {
    profile = parseProfile(source, document)
    if (options.id) profile.id = options.id
  }
  checkId(profile.id)
  await fillSnapshots(ctx, profile)
  if (profile.id === DEFAULT_PROFILE) {
    const {profile: before} = await readDefaultProfile(ctx)
    await writeDefaultProfile(ctx, before, profile)
    return {id: profile.id, action: 'updated', profile}
  }
  const action = await putProfileFile(ctx, profile)
  return {id: profile.id, action, profile}
}

/**
 * Servers without a snapshot (a pulled artifact carries none; older exports neither) get the entry of the
 * catalog server that runs the same image, so they keep their catalog name, tools and config schema (the
 * original reads the entry from the image's label; we stay offline).
 */
async function fillSnapshots(ctx: Context, profile: Profile): Promise<void> {
  const missing = profile.servers.filter((s) => !s.snapshot && s.type === 'image' && s.image)
  if (missing.length === 0) return
  const all = [...(await catalogSource(ctx).all()).values()]
  for (const s of missing) {
    const known = all.find((c) => c.entry.image === s.image)
    if (known) s.snapshot = {server: {name: known.name, ...(known.entry as Record<string, unknown>)}}
  }
}

/** The data `profile show` prints (the export format), optionally with the clients using it. */
export function showData(profile: Profile, clients?: Record<string, unknown>): Record<string, unknown> {
  return {...canonicalProfile(profile), ...(clients ? {clients} : {})}
}
