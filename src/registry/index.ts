import {loadServers, serverNotFound, type ResolvedServer} from '../catalog/load.js'
import type {CatalogEntry} from '../catalog/schema.js'
import {
  configFields,
  configStatus,
  flattenConfig,
  NO_SECRETS,
  secretsStatus,
  type SecretPresence,
  type SetupStatus,
} from '../catalog/status.js'
import {readValidated, type CachedKind} from '../catalog/file-cache.js'
import type {Context} from '../context.js'
import {DockerMcpError} from '../errors.js'
import {writeFileAtomic} from '../fs/atomic.js'
import {withFileLock} from '../fs/lock.js'
import {resolveMcpFile} from '../paths.js'
import {closestMatches} from '../text/suggest.js'
import {declaresOAuth} from '../oauth/declared.js'
import {readServerConfig, serverConfigOf} from '../server-config/config.js'
import {readToolsConfig} from '../server-config/tools.js'
import {computeGrants, type ServerGrants} from './grants.js'

/** Registry files as the file cache keeps them: the enabled names, in file order. */
const REGISTRY: CachedKind<string[]> = {
  name: 'registry',
  check: async () => (await import('./validate.js')).registryNames,
}

/** The YAML editor and registry.yaml's schema, for enabling and disabling (not for listing). */
async function editTools() {
  const [file, check] = await Promise.all([import('../catalog/yaml-file.js'), import('./validate.js')])
  return {...file, ...check}
}

/**
 * Enabled server names from registry files (default `registry.yaml`), in file order, without duplicates.
 * A missing file means nothing is enabled.
 */
export async function readRegistry(ctx: Context, files?: string[]): Promise<string[]> {
  const list = files?.length ? files.map((f) => resolveMcpFile(ctx.paths, f, ctx.cwd)) : [ctx.paths.registry]
  const names: string[] = []
  for (const file of list) {
    for (const name of (await readValidated(ctx, file, REGISTRY)) ?? [])
      if (!names.includes(name)) names.push(name)
  }
  return names
}

export interface EnableResult {
  enabled: string[]
  alreadyEnabled: string[]
  /** What the servers named still need before they can run: secrets not set, config status. */
  setup: Array<{server: string; missingSecrets: string[]; config: SetupStatus}>
  warnings: string[]
}

/**
 * Enable servers: every name must be defined by some catalog (all configured catalogs), otherwise nothing
 * is written. Enabling an enabled server is a no-op. Comments and order in registry.yaml are kept.
 */
export async function enableServers(
  ctx: Context,
  names: string[],
  openSecrets: () => Promise<SecretPresence> = async () => NO_SECRETS,
): Promise<EnableResult> {
  const {servers, warnings} = await loadServers(ctx)
  const unknown = [...new Set(names.filter((n) => !servers.has(n)))]
  if (unknown.length === 1) throw serverNotFound(unknown[0]!, servers.keys())
  if (unknown.length > 1) {
    const known = [...servers.keys()]
    throw new DockerMcpError(`servers ${unknown.map((n) => `"${n}"`).join(', ')} not found in any catalog`, {
      suggestions: [
        ...unknown.flatMap((n) => closestMatches(n, known, 1).map((c) => `"${n}": did you mean "${c}"?`)),
        'Run "docker mcp catalog show" to list the servers of a catalog.',
      ],
    })
  }
  const {openForEdit, validate, registrySchema, ensureMapAt, findPair, writeYamlFile} = await editTools()
  // An entry that cannot run (no image, a remote without URL: often a typo like `imgae:`) is refused here
  // rather than enabled and found broken by the gateway.
  const {checkEntryKeys} = await import('../catalog/keys.js')
  for (const name of new Set(names)) {
    const server = servers.get(name)!
    const broken = checkEntryKeys(name, server.entry).find((f) => f.severity === 'error')
    if (broken)
      throw new DockerMcpError(`server "${name}" cannot be enabled: ${broken.message}`, {
        suggestions: [`Fix its entry in ${server.file} (catalog "${server.catalog}").`],
      })
  }
  const enabled: string[] = []
  const alreadyEnabled: string[] = []
  // Read, change and write under the file's lock: concurrent `server add`s each keep their server.
  await withFileLock(ctx.paths.registry, async () => {
    const y = await openForEdit(ctx.paths.registry)
    if (y.exists) validate(y, registrySchema, y.data ?? {})
    const registry = ensureMapAt(y, ['registry'])
    for (const name of new Set(names)) {
      if (findPair(registry, name)) {
        alreadyEnabled.push(name)
        continue
      }
      registry.add(y.doc.createPair(name, y.doc.createNode({ref: ''})))
      enabled.push(name)
    }
    if (enabled.length > 0 || !y.exists)
      await writeYamlFile(ctx.paths.registry, y.doc, {privateRoot: ctx.paths.mcpDir})
  })
  return {
    enabled,
    alreadyEnabled,
    setup: await setupNeeds(
      ctx,
      names.map((n) => servers.get(n)!),
      openSecrets,
    ),
    warnings,
  }
}

async function setupNeeds(
  ctx: Context,
  servers: ResolvedServer[],
  openSecrets: () => Promise<SecretPresence>,
): Promise<EnableResult['setup']> {
  const config = await readServerConfig(ctx)
  // The secret store (a keychain round trip) is opened only when a server declares secrets.
  const presence = servers.some((s) => s.entry.secrets?.length) ? await openSecrets() : NO_SECRETS
  const out: EnableResult['setup'] = []
  for (const s of new Set(servers)) {
    const missingSecrets: string[] = []
    for (const secret of s.entry.secrets ?? [])
      if (!(await presence.has(secret.name))) missingSecrets.push(secret.name)
    out.push({server: s.name, missingSecrets, config: configStatus(s.entry, serverConfigOf(config, s.name))})
  }
  return out
}

/** Disable servers. Names that were not enabled are reported, not an error (so scripts can be re-run). */
export async function disableServers(
  ctx: Context,
  names: string[],
): Promise<{disabled: string[]; notEnabled: string[]; suggestions: Record<string, string[]>}> {
  const {openForEdit, validate, registrySchema, ensureMapAt, findPair, writeYamlFile} = await editTools()
  // A missing file has nothing to disable: answer without creating the directory for a lock.
  if (!(await openForEdit(ctx.paths.registry)).exists)
    return {disabled: [], notEnabled: [...new Set(names)], suggestions: {}}
  return withFileLock(ctx.paths.registry, async () => {
    const y = await openForEdit(ctx.paths.registry)
    if (!y.exists) return {disabled: [], notEnabled: [...new Set(names)], suggestions: {}}
    const data = validate(y, registrySchema, y.data ?? {})
    const enabledNow = Object.keys(data.registry ?? {})
    const disabled: string[] = []
    const notEnabled: string[] = []
    const suggestions: Record<string, string[]> = {}
    const registry = enabledNow.length ? ensureMapAt(y, ['registry']) : undefined
    for (const name of new Set(names)) {
      const pair = registry ? findPair(registry, name) : undefined
      if (registry && pair) {
        registry.items.splice(registry.items.indexOf(pair), 1)
        disabled.push(name)
      } else {
        notEnabled.push(name)
        const close = closestMatches(name, enabledNow, 1)
        if (close.length) suggestions[name] = close
      }
    }
    if (disabled.length > 0) await writeYamlFile(ctx.paths.registry, y.doc, {privateRoot: ctx.paths.mcpDir})
    return {disabled, notEnabled, suggestions}
  })
}

/** Disable every server: registry.yaml is emptied, as the original's `server reset`. */
export async function resetRegistry(ctx: Context): Promise<void> {
  await withFileLock(ctx.paths.registry, () =>
    writeFileAtomic(ctx.paths.registry, '', {privateRoot: ctx.paths.mcpDir}),
  )
}

/** One row of `server ls`. */
export interface ServerListEntry {
  name: string
  title: string
  description: string
  /** Catalog that defines it; empty when no catalog does. */
  catalog: string
  secrets: SetupStatus
  config: SetupStatus
  /**
   * Docker's `server ls --json` field: `none` when the catalog declares no OAuth, `required` until
   * `docker mcp oauth authorize <server>` stored a token (`oauth/<server>` in the secret store), then `done`.
   */
  oauth: SetupStatus
}

/** Enabled servers with the state of their secrets and config, resolved across all catalogs. */
export async function listEnabledServers(
  ctx: Context,
  secrets: SecretPresence,
): Promise<{servers: ServerListEntry[]; warnings: string[]}> {
  const [loaded, enabled, config] = await Promise.all([
    loadServers(ctx),
    readRegistry(ctx),
    readServerConfig(ctx),
  ])
  const warnings = [...loaded.warnings]
  const servers: ServerListEntry[] = []
  for (const name of enabled) {
    const resolved = loaded.servers.get(name)
    if (!resolved) {
      warnings.push(
        `server "${name}" is enabled but no catalog defines it: run "docker mcp server rm ${name}"`,
      )
      servers.push({
        name,
        title: '',
        description: '',
        catalog: '',
        secrets: 'none',
        config: 'none',
        oauth: 'none',
      })
      continue
    }
    const {entry} = resolved
    servers.push({
      name,
      title: entry.title ?? '',
      description: entry.description ?? '',
      catalog: resolved.catalog,
      secrets: await secretsStatus(entry, secrets),
      config: configStatus(entry, serverConfigOf(config, name)),
      oauth: declaresOAuth(entry) ? ((await secrets.has(`oauth/${name}`)) ? 'done' : 'required') : 'none',
    })
  }
  return {servers, warnings}
}

export interface ServerInspection {
  name: string
  title: string
  description: string
  catalog: string
  file: string
  enabled: boolean
  image?: string | undefined
  type: string
  tools: Array<{
    name: string
    description: string
    enabled: boolean
    arguments?: unknown
    annotations?: unknown
  }>
  secrets: Array<{name: string; env: string; description?: string | undefined; set: boolean}>
  config: Array<{
    key: string
    type?: string | undefined
    description?: string | undefined
    required: boolean
    value?: unknown
  }>
  secretsStatus: SetupStatus
  configStatus: SetupStatus
  /** What the server gets from the host (mounts, network, user, capabilities, others' secrets). */
  access: ServerGrants
  entry: CatalogEntry
}

/** Everything about one server: its catalog entry, tools (with tools.yaml applied), secrets and config. */
export async function inspectServer(
  ctx: Context,
  name: string,
  secrets: SecretPresence,
): Promise<{server: ServerInspection; warnings: string[]}> {
  const [loaded, enabled, config, tools] = await Promise.all([
    loadServers(ctx),
    readRegistry(ctx),
    readServerConfig(ctx),
    readToolsConfig(ctx),
  ])
  const resolved = loaded.servers.get(name)
  if (!resolved) throw serverNotFound(name, loaded.servers.keys())
  const {entry} = resolved
  const allow = tools[name]
  const own = serverConfigOf(config, name) ?? {}
  const flat = flattenConfig(own)
  const [{hostBindPolicy}, {evaluateTemplate}, {strictNetworkFeature}] = await Promise.all([
    import('../docker/host-policy.js'),
    import('../catalog/template.js'),
    import('../docker/network-default.js'),
  ])
  const access = await computeGrants({
    strictNetwork: await strictNetworkFeature(ctx.paths),
    server: name,
    entry,
    policy: hostBindPolicy(ctx.env, ctx.paths),
    evaluate: (expr) => evaluateTemplate(expr, config),
    others: new Map([...loaded.servers].map(([n, s]) => [n, (s.entry.secrets ?? []).map((x) => x.name)])),
    secrets,
  })
  return {
    warnings: loaded.warnings,
    server: {
      name,
      title: entry.title ?? '',
      description: entry.description ?? '',
      catalog: resolved.catalog,
      file: resolved.file,
      enabled: enabled.includes(name),
      image: entry.image,
      type: entry.type ?? (entry.remote?.url || entry.sseEndpoint ? 'remote' : 'server'),
      tools: (entry.tools ?? []).map((t) => ({
        name: t.name,
        description: t.description ?? '',
        enabled: allow === undefined || allow.includes(t.name),
        ...(t.arguments ? {arguments: t.arguments} : {}),
        ...(t.annotations ? {annotations: t.annotations} : {}),
      })),
      secrets: await Promise.all(
        (entry.secrets ?? []).map(async (s) => ({
          name: s.name,
          env: s.env,
          ...(s.description ? {description: s.description} : {}),
          set: await secrets.has(s.name),
        })),
      ),
      config: configFields(entry).map((f) => ({
        key: f.key,
        type: f.type,
        description: f.description,
        required: f.required,
        ...(flat[f.key] === undefined ? {} : {value: flat[f.key]}),
      })),
      secretsStatus: await secretsStatus(entry, secrets),
      configStatus: configStatus(entry, own),
      access,
      entry,
    },
  }
}
