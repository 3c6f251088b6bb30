import type {LoadedServers, ResolvedServer} from '../catalog/load.js'
import type {CatalogEntry} from '../catalog/schema.js'
import type {Context} from '../context.js'
import type {ServerConfigMap} from '../server-config/config.js'
import type {ToolsConfig} from '../server-config/tools.js'
import {serverName, type ProfileServer} from './format.js'
import {catalogSource, getProfile} from './index.js'
import {profileFile} from './store.js'

/** What `gateway run --profile <id>` serves: the same inputs the legacy files give the gateway. */
export interface ProfileSources {
  loaded: LoadedServers
  enabled: string[]
  config: ServerConfigMap
  tools: ToolsConfig
}

/**
 * A profile as the gateway's inputs: each server's catalog entry is its snapshot (the image or endpoint
 * of the profile winning over the snapshot's), its config and tool list are the profile's. A server with
 * no snapshot (written by hand, or by an older original) gets the entry of a catalog that runs the same
 * image, else runs the image as is.
 */
export async function profileSources(ctx: Context, id: string): Promise<ProfileSources> {
  const {profile, warnings} = await getProfile(ctx, id)
  const servers = new Map<string, ResolvedServer>()
  const config: ServerConfigMap = {}
  const tools: ToolsConfig = {}
  const enabled: string[] = []
  const catalogs = catalogSource(ctx)
  for (const s of profile.servers) {
    const name = serverName(s)
    const entry = await entryOf(s, catalogs)
    if (!entry) {
      warnings.push(`server "${name}" of profile ${id} has no snapshot and no catalog entry: skipped`)
      continue
    }
    servers.set(name, {name, entry, catalog: `profile ${id}`, file: profileFile(ctx, id)})
    enabled.push(name)
    if (s.config && Object.keys(s.config).length) config[name] = s.config as Record<string, unknown>
    if (s.tools) tools[name] = s.tools
  }
  return {loaded: {servers, warnings}, enabled, config, tools}
}

async function entryOf(
  s: ProfileServer,
  catalogs: ReturnType<typeof catalogSource>,
): Promise<CatalogEntry | undefined> {
  let entry: Record<string, unknown> | undefined
  if (s.snapshot) {
    const {name: _name, ...rest} = s.snapshot.server
    entry = structuredClone(rest)
  } else if (s.type === 'image' && s.image) {
    const known = [...(await catalogs.all()).values()].find((c) => c.entry.image === s.image)
    entry = known ? structuredClone(known.entry as Record<string, unknown>) : {type: 'server'}
  }
  if (!entry) return undefined
  if (s.type === 'image' && s.image) entry.image = s.image
  if (s.type === 'remote' && s.endpoint) {
    entry.type = 'remote'
    entry.remote = {...(entry.remote as object | undefined), url: s.endpoint}
  }
  return entry as CatalogEntry
}
