import {loadServers, type ResolvedServer} from '../../catalog/load.js'
import {templateEvaluator} from '../../catalog/template.js'
import {readServerConfig} from '../../server-config/config.js'
import type {Context} from '../../context.js'
import {lazySecretPresence} from '../../registry/secret-presence.js'
import {loadGatewayConfiguration, type GatewayConfiguration, type GatewayFlags} from '../configuration.js'
import type {GatewayServer} from '../gateway.js'
import type {Logger} from '../logger.js'
import type {DynamicHost} from './host.js'
import {setDotted} from './servers.js'

export interface RunHostOptions {
  ctx: Context
  flags: GatewayFlags
  logger: Logger
  /** The configuration the gateway runs on: its maps are the ones the container and remote starters read. */
  live: GatewayConfiguration
  /** The configuration's servers as the gateway serves them (run-wide flags such as --long-lived applied). */
  toGatewayServers: (configuration: GatewayConfiguration) => GatewayServer[]
  /** Link the engine if none was needed yet and pull missing images (what a hot reload does for new servers). */
  prepareContainers: () => Promise<void>
  prefixAll: boolean
}

/**
 * The dynamic tools' view of a running `gateway run`: a server is resolved by the very function that
 * resolves the configured ones (`loadGatewayConfiguration` with `--servers <name>`), and made startable the
 * way a hot reload makes a new server startable (the live maps, `prepareContainers`).
 */
export function runHost(o: RunHostOptions): Omit<DynamicHost, 'gateway'> & {afterSwap(): void} {
  const {ctx, flags, live} = o
  // What sessions installed: a hot reload refills the live maps from the files, these are put back after it.
  const installed = new Map<string, GatewayConfiguration>()
  let catalog: Promise<ReadonlyMap<string, ResolvedServer>> | undefined
  const secrets = lazySecretPresence(ctx)
  const catalogFlags = {
    ...(flags.catalog?.length ? {catalogs: flags.catalog} : {}),
    ...(flags.additionalCatalog?.length ? {additionalCatalogs: flags.additionalCatalog} : {}),
  }
  // The config files `gateway run` reads (configuration.ts: the base list, then --additional-config).
  const fileConfig = () => {
    const base = flags.config?.length ? flags.config : undefined
    const extra = flags.additionalConfig ?? []
    return readServerConfig(ctx, extra.length ? [...(base ?? [ctx.paths.config]), ...extra] : base)
  }
  return {
    catalog: () => (catalog ??= loadServers(ctx, catalogFlags).then((l) => l.servers)),
    secrets: secrets.presence,
    fileConfig: async () => (await fileConfig()) as Record<string, Record<string, unknown> | undefined>,
    enabled: () => new Set(live.servers.map((s) => s.name)),
    resolve: async (name, settings) => {
      const resolved = await loadGatewayConfiguration(
        ctx,
        {...flags, servers: [name], enableAllServers: false, tools: flags.tools},
        o.logger,
      )
      const container = resolved.containers.get(name)
      if (container && settings && Object.keys(settings).length > 0) {
        // This session's settings (mcp-config-set) over config.yaml's, for its templates.
        const config = {...(await fileConfig())} as Record<string, unknown>
        const mine = {...(config[name] as Record<string, unknown> | undefined)}
        for (const [key, value] of Object.entries(flatten(settings))) setDotted(mine, key, value)
        config[name] = mine
        container.evaluate = templateEvaluator(name, container.entry, config as never)
      }
      resolved.servers = o.toGatewayServers(resolved)
      return resolved
    },
    install: async (resolved) => {
      const name = resolved.servers[0]!.name
      const container = resolved.containers.get(name)
      const remote = resolved.remotes.get(name)
      if (container) live.containers.set(name, container)
      if (remote) live.remotes.set(name, remote)
      installed.set(name, resolved)
      const unavailable = resolved.unavailable.get(name)
      if (unavailable) return unavailable
      live.unavailable.delete(name)
      if (container) {
        try {
          await o.prepareContainers()
        } catch (err) {
          return (err as Error).message
        }
      }
      return live.unavailable.get(name)
    },
    uninstall: (name) => {
      installed.delete(name)
      // A server enabled for everyone meanwhile (a reload) keeps its definition.
      if (live.servers.some((s) => s.name === name)) return
      live.containers.delete(name)
      live.remotes.delete(name)
      live.unavailable.delete(name)
    },
    persistServer: async (name) => {
      const {enableServers} = await import('../../registry/index.js')
      await enableServers(ctx, [name], async () => secrets.presence)
    },
    persistConfig: async (server, key, value) => {
      // Checked against the schema already (mcp-config-set): the writer of `config set`, without its catalog lookup.
      const {writeConfigValue} = await import('../../server-config/config.js')
      await writeConfigValue(ctx, server, key, value)
    },
    afterSwap: () => {
      for (const [name, resolved] of installed) {
        if (live.servers.some((s) => s.name === name)) continue
        const container = resolved.containers.get(name)
        const remote = resolved.remotes.get(name)
        if (container && !live.containers.has(name)) live.containers.set(name, container)
        if (remote && !live.remotes.has(name)) live.remotes.set(name, remote)
      }
    },
    toolFilter: (server, tool) => live.toolFilter(server, tool),
    prefixAll: o.prefixAll,
  }
}

function flatten(values: Record<string, unknown>, prefix = ''): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  for (const [k, v] of Object.entries(values)) {
    const key = prefix ? `${prefix}.${k}` : k
    if (v && typeof v === 'object' && !Array.isArray(v))
      Object.assign(out, flatten(v as Record<string, unknown>, key))
    else out[key] = v
  }
  return out
}
