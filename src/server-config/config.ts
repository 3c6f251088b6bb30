import type {CachedKind} from '../catalog/file-cache.js'
import {loadServers, serverNotFound} from '../catalog/load.js'
import {configFields, type ConfigField} from '../catalog/status.js'
import type {Context} from '../context.js'
import {readMergedServerFiles} from './merge.js'
import {DockerMcpError, UsageError} from '../errors.js'
import {readTextIfExists, writeFileAtomic} from '../fs/atomic.js'
import {withFileLock} from '../fs/lock.js'
import {closestMatches} from '../text/suggest.js'
import type {ServerConfigMap} from './validate.js'

export type {ServerConfigMap} from './validate.js'

/** Config files as the file cache keeps them: the validated map (the validator is loaded on a miss). */
const CONFIG: CachedKind<ServerConfigMap> = {
  name: 'config',
  check: async () => (await import('./validate.js')).checkConfig,
}

/** The YAML parser and editor, config.yaml's validator and value coercion: for `config` commands only. */
async function configTools() {
  const [file, check, coerce] = await Promise.all([
    import('../catalog/yaml-file.js'),
    import('./validate.js'),
    import('./coerce.js'),
  ])
  return {...file, ...check, ...coerce}
}

/**
 * Per-server config from config files (default `config.yaml`), merged per server: a later file's section
 * for a server replaces an earlier one. Missing files are empty.
 */
export async function readServerConfig(ctx: Context, files?: string[]): Promise<ServerConfigMap> {
  return readMergedServerFiles(ctx, files, ctx.paths.config, CONFIG)
}

/** A server's section; server names with dots are also looked up with `_` (the gateway's canonical form). */
export function serverConfigOf(config: ServerConfigMap, server: string): Record<string, unknown> | undefined {
  return config[server] ?? config[server.replaceAll('.', '_')]
}

/** `config read`: config.yaml as it is on disk ('' when missing). */
export async function readConfigText(ctx: Context): Promise<{text: string; config: ServerConfigMap}> {
  const {readYamlFile, checkConfig} = await configTools()
  const y = await readYamlFile(ctx.paths.config)
  if (!y) return {text: '', config: {}}
  return {text: y.text, config: checkConfig(y)}
}

/** `config write`: replace config.yaml with `text`, after checking that it is a valid config file. */
export async function writeConfigText(ctx: Context, text: string): Promise<ServerConfigMap> {
  const {checkConfig, parseYaml} = await configTools()
  const config = checkConfig(parseYaml('<config argument>', text))
  await withFileLock(ctx.paths.config, () =>
    writeFileAtomic(ctx.paths.config, text.endsWith('\n') || text === '' ? text : text + '\n', {
      privateRoot: ctx.paths.mcpDir,
    }),
  )
  return config
}

/** `config reset`: empty config.yaml. */
export async function resetConfig(ctx: Context): Promise<void> {
  if ((await readTextIfExists(ctx.paths.config)) === undefined) return
  await withFileLock(ctx.paths.config, () =>
    writeFileAtomic(ctx.paths.config, '', {privateRoot: ctx.paths.mcpDir}),
  )
}

/** `<server>.<key>` split with the longest known server name that prefixes it. */
export function splitConfigRef(ref: string, servers: Iterable<string>): {server: string; key: string} {
  const known = [...servers].filter((s) => ref.startsWith(`${s}.`)).sort((a, b) => b.length - a.length)
  const server = known[0] ?? ref.slice(0, Math.max(0, ref.indexOf('.')))
  const key = ref.slice(server.length + 1)
  if (!server || !key)
    throw new UsageError(`expected <server>.<key>, got ${JSON.stringify(ref)}`, {
      suggestions: ['docker mcp config set filesystem.paths=/home/me/src'],
    })
  return {server, key}
}

function findField(server: string, fields: ConfigField[], key: string): ConfigField {
  const exact = fields.find((f) => f.key === key)
  if (exact) return exact
  // A free-form mapping property (`type: object` without properties) accepts any key below it.
  const freeForm = fields.find((f) => f.type === 'object' && key.startsWith(`${f.key}.`))
  if (freeForm) return {key, required: false}
  const below = fields.filter((f) => f.key.startsWith(`${key}.`))
  if (below.length)
    throw new DockerMcpError(`"${server}.${key}" is a group of settings: set one of its keys`, {
      suggestions: below.map((f) => `docker mcp config set ${server}.${f.key}=<value>`),
    })
  const close = closestMatches(
    key,
    fields.map((f) => f.key),
  )
  throw new DockerMcpError(`server "${server}" has no setting "${key}"`, {
    suggestions: [
      ...close.map((c) => `did you mean "${server}.${c}"?`),
      `settings of ${server}: ${fields.map((f) => f.key).join(', ')}`,
    ],
  })
}

export interface ConfigAssignment {
  server: string
  key: string
  value: unknown
  file: string
  /** Catalog notes (e.g. which catalog's definition of the server supplied the schema). */
  warnings: string[]
}

/**
 * `config set <server>.<key>=<value>`: validate the key against the server's config schema (from any
 * catalog), coerce the value to the schema's type, and write it into config.yaml keeping the rest of the
 * file (comments included) as it was.
 */
export async function setConfigValue(ctx: Context, assignment: string): Promise<ConfigAssignment> {
  const eq = assignment.indexOf('=')
  if (eq < 0)
    throw new UsageError(`expected <server>.<key>=<value>, got ${JSON.stringify(assignment)}`, {
      suggestions: ['docker mcp config set filesystem.paths=/home/me/src,/home/me/docs'],
    })
  const ref = assignment.slice(0, eq).trim()
  const raw = assignment.slice(eq + 1)
  const {servers, warnings} = await loadServers(ctx)
  const {server, key} = splitConfigRef(ref, servers.keys())
  const resolved = servers.get(server)
  if (!resolved) throw serverNotFound(server, servers.keys())
  const fields = configFields(resolved.entry)
  if (fields.length === 0)
    throw new DockerMcpError(`server "${server}" has no configuration settings`, {
      suggestions: [`Run "docker mcp server inspect ${server}" to see what it needs.`],
    })
  const field = findField(server, fields, key)
  const {coerceConfigValue} = await configTools()
  const value = coerceConfigValue(raw, field, `${server}.${key}`)
  await writeConfigValue(ctx, server, key, value)
  return {
    server,
    key,
    value,
    file: ctx.paths.config,
    warnings: warnings.filter((w) => w.includes(`"${server}"`)),
  }
}

/**
 * Write one checked, coerced setting into config.yaml, keeping the rest of the file (comments included) as
 * it was: read, change and write under the file's lock, so that concurrent writers each keep their value.
 */
export async function writeConfigValue(
  ctx: Context,
  server: string,
  key: string,
  value: unknown,
): Promise<void> {
  const {openForEdit, checkConfig, ensureMapAt, findPair, replaceValue, writeYamlFile} = await configTools()
  await withFileLock(ctx.paths.config, async () => {
    const y = await openForEdit(ctx.paths.config)
    if (y.exists) checkConfig(y)
    const path = key.split('.')
    const map = ensureMapAt(y, [server, ...path.slice(0, -1)])
    const node = y.doc.createNode(value, {flow: Array.isArray(value)})
    const last = path[path.length - 1]!
    const pair = findPair(map, last)
    if (pair) replaceValue(pair, node)
    else map.add(y.doc.createPair(last, node))
    await writeYamlFile(ctx.paths.config, y.doc, {privateRoot: ctx.paths.mcpDir})
  })
}

/** `config get <server>.<key>` (or just `<server>` for all of its settings). */
export async function getConfigValue(
  ctx: Context,
  ref: string,
): Promise<{server: string; key: string; value: unknown}> {
  const config = await readServerConfig(ctx)
  const {servers} = await loadServers(ctx)
  const names = new Set([...servers.keys(), ...Object.keys(config)])
  if (names.has(ref) || !ref.includes('.')) {
    const own = serverConfigOf(config, ref)
    if (own === undefined) {
      if (!names.has(ref)) throw serverNotFound(ref, names)
      throw new DockerMcpError(`server "${ref}" has no configuration set`, {
        suggestions: [`docker mcp config set ${ref}.<key>=<value>`],
      })
    }
    return {server: ref, key: '', value: own}
  }
  const {server, key} = splitConfigRef(ref, names)
  let value: unknown = serverConfigOf(config, server)
  for (const seg of key.split('.')) {
    value =
      value !== null && typeof value === 'object' && Object.hasOwn(value, seg)
        ? (value as Record<string, unknown>)[seg]
        : undefined
  }
  if (value === undefined) {
    const resolved = servers.get(server)
    if (!resolved && !(server in config)) throw serverNotFound(server, names)
    throw new DockerMcpError(`${server}.${key} is not set`, {
      suggestions: [`docker mcp config set ${server}.${key}=<value>`],
    })
  }
  return {server, key, value}
}
