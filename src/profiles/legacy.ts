import {loadServers} from '../catalog/load.js'
import type {Context} from '../context.js'
import {DockerMcpError} from '../errors.js'
import {withFileLock} from '../fs/lock.js'
import {disableServers, enableServers, readRegistry} from '../registry/index.js'
import {readServerConfig, serverConfigOf} from '../server-config/config.js'
import {readToolsConfig} from '../server-config/tools.js'
import {DEFAULT_SECRET_PROVIDER, PROFILE_VERSION, serverName, type Profile} from './format.js'
import {serverFromEntry} from './refs.js'
import {DEFAULT_PROFILE, DEFAULT_PROFILE_NAME} from './store.js'

/**
 * The `default` profile is a view of the legacy files, both ways, with no migration step:
 * - registry.yaml's servers are its servers (each with its catalog entry as snapshot);
 * - config.yaml's section of a server is that server's `config`;
 * - tools.yaml's list of a server is its `tools` (no entry: every tool).
 * Legacy commands (`server add`, `config set`, `tools disable`) keep editing these files, and editing
 * `default` through `profile …` writes them. The original migrated the files once into its database and
 * from then on the two drifted apart; here there is one copy of the data.
 */
export interface DefaultView {
  profile: Profile
  /** Enabled names no catalog defines: kept in registry.yaml, not shown as servers. */
  unresolved: string[]
  warnings: string[]
}

/** The default profile as the legacy files say it is. Pure reading: no file is created. */
export async function readDefaultProfile(ctx: Context): Promise<DefaultView> {
  const [names, config, tools, loaded] = await Promise.all([
    readRegistry(ctx),
    readServerConfig(ctx),
    readToolsConfig(ctx),
    loadServers(ctx),
  ])
  const servers: Profile['servers'] = []
  const unresolved: string[] = []
  for (const name of names) {
    const resolved = loaded.servers.get(name)
    if (!resolved) {
      unresolved.push(name)
      continue
    }
    const server = serverFromEntry(name, resolved.entry as Record<string, unknown>)
    const section = serverConfigOf(config, name)
    if (section && Object.keys(section).length) server.config = structuredClone(section)
    if (Object.hasOwn(tools, name)) server.tools = [...tools[name]!]
    servers.push(server)
  }
  return {
    profile: {
      version: PROFILE_VERSION,
      id: DEFAULT_PROFILE,
      name: DEFAULT_PROFILE_NAME,
      servers,
      secrets: {default: {provider: DEFAULT_SECRET_PROVIDER}},
    },
    unresolved,
    warnings: [
      ...loaded.warnings,
      ...unresolved.map(
        (n) => `server "${n}" is enabled in registry.yaml but no catalog defines it: not shown in "default"`,
      ),
    ],
  }
}

/**
 * Write the changes from `before` to `after` into the legacy files: servers added are enabled (they must
 * come from a catalog: registry.yaml names catalog servers only), servers removed are disabled, and each
 * server's config and tool list replace its section of config.yaml / tools.yaml. Sections of other
 * servers, comments and order are kept.
 */
export async function writeDefaultProfile(ctx: Context, before: Profile, after: Profile): Promise<void> {
  const names = (p: Profile) => p.servers.map(serverName)
  const added = names(after).filter((n) => !names(before).includes(n))
  const removed = names(before).filter((n) => !names(after).includes(n))
  if (added.length > 0) {
    const {servers} = await loadServers(ctx)
    const foreign = after.servers.filter((s) => added.includes(serverName(s)) && !servers.has(serverName(s)))
    if (foreign.length > 0)
      throw new DockerMcpError(
        `the default profile is registry.yaml, which holds catalog servers only: ${foreign.map(serverName).join(', ')} ${foreign.length === 1 ? 'is' : 'are'} in no catalog`,
        {
          suggestions: [
            'Add it to a profile of its own: docker mcp profile create --name <name> --server <reference>',
            'Or import a catalog that defines it: docker mcp catalog import <file>',
          ],
        },
      )
    await enableServers(ctx, added)
  }
  if (removed.length > 0) await disableServers(ctx, removed)

  const byName = (p: Profile) => new Map(p.servers.map((s) => [serverName(s), s]))
  const old = byName(before)
  const configChanges = new Map<string, Record<string, unknown> | undefined>()
  const toolChanges = new Map<string, string[] | undefined>()
  for (const [name, s] of byName(after)) {
    const prev = old.get(name)
    const cfg = s.config && Object.keys(s.config).length ? s.config : undefined
    const prevCfg = prev?.config && Object.keys(prev.config).length ? prev.config : undefined
    if (JSON.stringify(cfg) !== JSON.stringify(prevCfg)) configChanges.set(name, cfg)
    if (JSON.stringify(s.tools) !== JSON.stringify(prev?.tools)) toolChanges.set(name, s.tools)
  }
  if (configChanges.size > 0) await writeSections(ctx, ctx.paths.config, configChanges, false)
  if (toolChanges.size > 0) await writeSections(ctx, ctx.paths.tools, toolChanges, true)
}

/** Replace (or delete, for `undefined`) top-level sections of config.yaml or tools.yaml, under its lock. */
async function writeSections(
  ctx: Context,
  file: string,
  changes: Map<string, unknown>,
  toolLists: boolean,
): Promise<void> {
  const [{openForEdit, findPair, replaceValue, writeYamlFile}, {checkConfig, checkTools}] = await Promise.all(
    [import('../catalog/yaml-file.js'), import('../server-config/validate.js')],
  )
  await withFileLock(file, async () => {
    const y = await openForEdit(file)
    // A file that does not validate is refused here, with its line: it is never overwritten.
    if (y.exists) (toolLists ? checkTools : checkConfig)(y)
    const root = y.doc.contents as import('yaml').YAMLMap
    for (const [name, value] of changes) {
      const pair = findPair(root, name)
      if (value === undefined) {
        if (pair) root.items.splice(root.items.indexOf(pair), 1)
        continue
      }
      // Tool lists are written sorted, in flow style (`server: [a, b]`), as the original's tools.yaml.
      const node = toolLists
        ? y.doc.createNode([...new Set(value as string[])].sort(), {flow: true})
        : y.doc.createNode(value)
      if (pair) replaceValue(pair, node as import('yaml').Node)
      else root.add(y.doc.createPair(name, node))
    }
    await writeYamlFile(file, y.doc, {privateRoot: ctx.paths.mcpDir})
  })
}
