import {stat} from 'node:fs/promises'

import {toolsFromCatalog, type CatalogTool} from './catalog-tools.js'
// From their modules, not catalog/index.js: that one re-exports the catalog's zod schemas, which a start
// with the file cache warm never needs (src/catalog/file-cache.ts).
import {loadServers} from '../catalog/load.js'
import {templateEvaluator} from '../catalog/template.js'
import {readRegistry} from '../registry/index.js'
import {readServerConfig, serverConfigOf} from '../server-config/config.js'
import {readToolsConfig} from '../server-config/tools.js'
import type {CatalogEntry} from '../catalog/schema.js'
import type {Context} from '../context.js'
import {DockerMcpError, UsageError} from '../errors.js'
import {resolveMcpFile} from '../paths.js'
import type {BindPolicy} from '../docker/bind-policy.js'
import {secretInCommandMessage, secretsInCommand, type ContainerEntry} from '../docker/container-spec.js'
import {hostBindPolicy} from '../docker/host-policy.js'
import {resolveNetworkDefault, type NetworkDefault} from '../docker/network-default.js'
import {declaresOAuth, standInTools} from '../oauth/declared.js'
import {closestMatches} from '../text/suggest.js'
import type {ContainerServer} from './containers.js'
import type {GatewayServer} from './gateway.js'
import {parseServerReplicas} from './balance/options.js'
import {definitionKey} from './listing.js'
import type {Logger} from './logger.js'
import {allowlistFilter, parseToolFilter} from './naming.js'
import type {RemoteServer} from './remote.js'

/** The configuration flags of `gateway run` (file flags repeatable; later files win). */
export interface GatewayFlags {
  catalog?: string[] | undefined
  additionalCatalog?: string[] | undefined
  registry?: string[] | undefined
  config?: string[] | undefined
  toolsConfig?: string[] | undefined
  /** `--secrets`: `.env` files and `docker-desktop` (the store), colon-separated (src/secrets/chain.ts). */
  secrets?: string[] | undefined
  /** Files read after `registry`/`config`/`toolsConfig` (or their defaults), as Docker's plugin appends them. */
  additionalRegistry?: string[] | undefined
  additionalConfig?: string[] | undefined
  additionalToolsConfig?: string[] | undefined
  /** Every server of every catalog read is enabled (not with `servers`). */
  enableAllServers?: boolean | undefined
  secretStore?: 'auto' | 'keychain' | 'file' | undefined
  /** Overrides registry.yaml. */
  servers?: string[] | undefined
  /** Overrides tools.yaml: `tool`, `server:tool`, `server:*`, `*`. */
  tools?: string[] | undefined
  /** `--allow-root-containers`: entries may run as root (`user: 0`). */
  allowRootContainers?: boolean | undefined
  /** `--pids-limit` per server container (0 = none). */
  pidsLimit?: number | undefined
  /** `--read-only-root`: every server container gets a read-only root file system. */
  readOnlyRoot?: boolean | undefined
  /** `--static`: container servers run elsewhere, with their own secrets (the gateway injects none). */
  static?: boolean | undefined
  /** `--network-default`: undefined = the `strict-network` feature in config.json, else `bridge`. */
  networkDefault?: 'bridge' | 'none' | undefined
  /** `--profile`: serve this profile (src/profiles/); `default` is the legacy files, read as usual. */
  profile?: string | undefined
  /** `--server-replicas <server>=<n>`: replicas, over the catalog's `replicas` (src/gateway/balance/). */
  serverReplicas?: string[] | undefined
}

export interface GatewayConfiguration {
  servers: GatewayServer[]
  containers: Map<string, ContainerServer>
  remotes: Map<string, RemoteServer>
  toolFilter: (server: string, tool: string) => boolean
  /** What `toolFilter` was made from, as text: a reload compares it to see whether allowlists changed. */
  toolFilterKey: string
  warnings: string[]
  /** Servers that cannot run (e.g. image missing and not pullable), with the reason. */
  unavailable: Map<string, string>
  /** Declared secrets that are not set, by server: named in the error when such a server fails. */
  missingSecrets: Map<string, string[]>
  /** The values of the secrets the enabled servers declare, by secret name (`--block-secrets` looks for them). */
  storedSecrets: Map<string, string>
  /** Host protection applied before every container start. */
  hostPolicy: BindPolicy
  /** The network of servers that declare none (`--network-default`, the `strict-network` feature). */
  network: NetworkDefault
}

interface EntryLike extends ContainerEntry {
  type?: string | undefined
  tools?: CatalogTool[] | undefined
  longLived?: boolean | undefined
  replicas?: number | undefined
  prefix?: string | undefined
  secrets?: Array<{name: string; env: string}> | undefined
  remote?:
    | {
        url?: string | undefined
        urls?: string[] | undefined
        transport_type?: string | undefined
        headers?: Record<string, string> | undefined
      }
    | undefined
  sseEndpoint?: string | undefined
  oauth?: unknown
}

/**
 * Read catalogs, the enabled servers, their config, tool allowlists and secrets, and resolve everything a
 * server needs to run. Each server gets exactly the secrets it declares.
 */
export async function loadGatewayConfiguration(
  ctx: Context,
  flags: GatewayFlags,
  logger: Logger,
): Promise<GatewayConfiguration> {
  const profile =
    flags.profile && flags.profile !== 'default'
      ? await (await import('../profiles/gateway.js')).profileSources(ctx, flags.profile)
      : undefined
  const loaded =
    profile?.loaded ??
    (await loadServers(ctx, {
      ...(flags.catalog?.length ? {catalogs: flags.catalog} : {}),
      ...(flags.additionalCatalog?.length ? {additionalCatalogs: flags.additionalCatalog} : {}),
    }))
  const warnings = [...loaded.warnings]
  if (flags.enableAllServers && flags.servers?.length)
    throw new UsageError('cannot use --enable-all-servers with --servers: pass one or the other')
  const files = await fileLists(ctx, flags, warnings)
  const enabled = profile
    ? profile.enabled
    : flags.enableAllServers
      ? [...loaded.servers.keys()]
      : flags.servers?.length
        ? flags.servers
            .flatMap((s) => s.split(','))
            .map((s) => s.trim())
            .filter(Boolean)
        : await readRegistry(ctx, files.registry)
  const [config, allowlists] = profile
    ? [profile.config, profile.tools]
    : await Promise.all([readServerConfig(ctx, files.config), readToolsConfig(ctx, files.tools)])

  const known = [...loaded.servers.keys()]
  // Names typed on the command line are a mistake to stop at (`--servers nosuch --dry-run` said "No server
  // is enabled" and exited 0); names in registry.yaml only warn, so one stale entry does not stop the rest.
  const unknown = flags.servers?.length ? enabled.filter((name) => !loaded.servers.has(name)) : []
  if (unknown.length > 0) {
    throw new DockerMcpError(
      `--servers: ${unknown.length === 1 ? 'server' : 'servers'} ${unknown.map((n) => `"${n}"`).join(', ')} not found in any catalog`,
      {
        suggestions: [
          ...unknown.flatMap((n) => closestMatches(n, known, 1).map((c) => `"${n}": did you mean "${c}"?`)),
          'Run "docker mcp catalog show" to list the servers of a catalog.',
        ],
      },
    )
  }
  const selected = [...new Set(enabled)].filter((name) => {
    if (loaded.servers.has(name)) return true
    const close = closestMatches(name, known, 1)
    warnings.push(
      `server "${name}" is enabled but no catalog defines it${close.length ? ` (did you mean "${close[0]}"?)` : ''}`,
    )
    return false
  })

  // Open the secret stores only when a server declares secrets: a keychain round trip costs start-up time.
  const isRemoteEntry = (entry: EntryLike) =>
    entry.type === 'remote' || Boolean(entry.remote?.url) || Boolean(entry.sseEndpoint)
  // In --static mode a container server's secrets are its pre-started container's business.
  const injectsSecrets = (entry: EntryLike) =>
    (entry.secrets?.length ?? 0) > 0 && (!flags.static || isRemoteEntry(entry))
  const needsSecrets = selected.some((n) => injectsSecrets(loaded.servers.get(n)!.entry as EntryLike))
  const secrets = needsSecrets ? await import('../secrets/index.js') : undefined
  // In the gateway image, without --secrets: compose's secret file and /.env, as the original.
  const secretFiles = flags.secrets?.length
    ? flags.secrets
    : needsSecrets
      ? await (await import('./in-container.js')).defaultSecretFiles(ctx.env)
      : []
  const sources = secrets
    ? await secrets.openSecretStores(ctx, {
        ...(flags.secretStore ? {store: flags.secretStore} : {}),
        ...(secretFiles.length ? {chain: secrets.parseSecretsFlag(secretFiles, ctx.cwd)} : {}),
        onWarning: (m: string) => warnings.push(m),
      })
    : undefined

  const replicaFlags = parseServerReplicas(flags.serverReplicas)
  for (const name of replicaFlags.keys())
    if (!selected.includes(name)) warnings.push(`--server-replicas: server "${name}" is not enabled: ignored`)
  const servers: GatewayServer[] = []
  const containers = new Map<string, ContainerServer>()
  const remotes = new Map<string, RemoteServer>()
  const unavailable = new Map<string, string>()
  const missingSecrets = new Map<string, string[]>()
  const storedSecrets = new Map<string, string>()
  for (const name of selected) {
    const entry = loaded.servers.get(name)!.entry as EntryLike
    let secretEnv: Record<string, string> = {}
    if (secrets && sources && entry.secrets?.length && injectsSecrets(entry)) {
      const resolved = await secrets.resolveServerSecrets(entry.secrets, sources)
      secretEnv = resolved.env
      for (const declared of entry.secrets) {
        const value = Object.hasOwn(secretEnv, declared.env) ? secretEnv[declared.env] : undefined
        if (value !== undefined) storedSecrets.set(declared.name, value)
      }
      // From here on, every line the gateway logs masks these values, wherever they show up.
      logger.secrets?.add(Object.values(secretEnv))
      if (resolved.missing.length > 0) missingSecrets.set(name, resolved.missing)
      for (const missing of resolved.missing) {
        warnings.push(
          `secret "${missing}" of server "${name}" is not set: run "docker mcp secret set ${missing}=<value>"`,
        )
      }
    }
    const serverConfig = serverConfigOf(config, name)
    const isRemote = isRemoteEntry(entry)
    // A remote server's URLs are its replicas (`remote.url` first, then `remote.urls`).
    const urls = [
      ...new Set([entry.remote?.url ?? entry.sseEndpoint, ...(entry.remote?.urls ?? [])].filter(Boolean)),
    ] as string[]
    const replicas = replicaFlags.get(name) ?? entry.replicas ?? (isRemote ? urls.length : 1)
    servers.push({
      name,
      // Replicas run for the session like a long-lived container: a per-call container serves one call.
      longLived: isRemote || entry.longLived === true || replicas > 1,
      prefix: entry.prefix,
      catalogTools: toolsFromCatalog(entry.tools),
      cacheKey: definitionKey({
        image: entry.image,
        command: entry.command,
        env: entry.env,
        remote: entry.remote?.url ?? entry.sseEndpoint,
        config: serverConfig,
      }),
    })
    if (isRemote) {
      const url = urls[0]!
      const transport = entry.remote?.url ? (entry.remote.transport_type ?? '') : 'sse'
      remotes.set(name, {
        name,
        url,
        urls,
        replicas,
        transport,
        headers: entry.remote?.headers ?? {},
        secretEnv,
        oauth: declaresOAuth(entry as CatalogEntry),
        catalogTools: standInTools(toolsFromCatalog(entry.tools), entry.tools),
      })
      continue
    }
    if (!entry.image) {
      warnings.push(`server "${name}" has no image in its catalog entry: skipped`)
      servers.pop()
      continue
    }
    const inCommand = secretsInCommand(entry)
    if (inCommand.length > 0) {
      const message = secretInCommandMessage(name, inCommand[0]!)
      warnings.push(message)
      unavailable.set(name, message)
    }
    containers.set(name, {
      name,
      replicas,
      entry,
      evaluate: templateEvaluator(name, entry, config),
      secretEnv,
    })
  }
  const network = await resolveNetworkDefault(ctx.paths, flags.networkDefault)
  if (network.strict && containers.size > 0)
    logger.info(
      `  - Strict network (${network.source === 'flag' ? '--network-default none' : 'strict-network feature'}): servers that declare no network get none`,
    )
  logger.debug(`  - ${servers.length} server(s) resolved from ${known.length} catalog entries`)
  return {
    servers,
    containers,
    remotes,
    toolFilter:
      parseToolFilter(flags.tools ?? [], (server) => loaded.servers.get(server)?.entry.image) ??
      allowlistFilter(allowlists),
    toolFilterKey: JSON.stringify(flags.tools?.length ? flags.tools : allowlists),
    warnings,
    unavailable,
    missingSecrets,
    storedSecrets,
    hostPolicy: hostBindPolicy(ctx.env, ctx.paths, {allowRoot: flags.allowRootContainers === true}),
    network,
  }
}

/**
 * The registry, config and tools files to read: the base list (the flag, else the default file) followed by
 * the `--additional-*` files, as Docker's plugin appends them (later config and tools files win per server).
 * An additional file that does not exist is named in a warning: the original ignored it in silence.
 */
async function fileLists(
  ctx: Context,
  flags: GatewayFlags,
  warnings: string[],
): Promise<{registry?: string[]; config?: string[]; tools?: string[]}> {
  const list = async (
    base: string[] | undefined,
    fallback: string,
    extra: string[] | undefined,
    flag: string,
  ) => {
    if (!extra?.length) return base?.length ? base : undefined
    for (const file of extra) {
      const resolved = resolveMcpFile(ctx.paths, file, ctx.cwd)
      if (!(await stat(resolved).catch(() => undefined)))
        warnings.push(`--${flag} ${file}: ${resolved} does not exist (read as empty)`)
    }
    return [...(base?.length ? base : [fallback]), ...extra]
  }
  const [registry, config, tools] = await Promise.all([
    list(flags.registry, ctx.paths.registry, flags.additionalRegistry, 'additional-registry'),
    list(flags.config, ctx.paths.config, flags.additionalConfig, 'additional-config'),
    list(flags.toolsConfig, ctx.paths.tools, flags.additionalToolsConfig, 'additional-tools-config'),
  ])
  return {
    ...(registry ? {registry} : {}),
    ...(config ? {config} : {}),
    ...(tools ? {tools} : {}),
  }
}
