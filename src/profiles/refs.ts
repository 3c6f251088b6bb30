import {readFile} from 'node:fs/promises'
import path from 'node:path'

import type {ResolvedServer} from '../catalog/load.js'
import type {Context} from '../context.js'
import {DockerMcpError, UsageError} from '../errors.js'
import {closestMatches} from '../text/suggest.js'
import {imageBaseName, type ProfileServer} from './format.js'

/**
 * Server references, as the original's `--server` takes them (`ResolveServersFromString`):
 * - `catalog://<catalog>/<server>[+<server>…]` servers of a catalog, by name or glob (`catalog://docker-mcp/dice`);
 * - `docker://<image>` an image (its catalog entry when a catalog has one for that image);
 * - `file://<path>` a catalog file (every server in it) or a single server entry, YAML or JSON;
 * - `https://…` a remote MCP server's endpoint (the original reads an MCP-registry URL here; see README).
 */
export type ServerRef =
  | {kind: 'catalog'; catalog: string; patterns: string[]}
  | {kind: 'docker'; image: string}
  | {kind: 'file'; file: string}
  | {kind: 'remote'; url: string}

const REF_HELP =
  'A server is catalog://<catalog>/<server>[+<server>…], docker://<image>, file://<path> or an https:// endpoint.'

/** Parse one reference (pure). A bad one is a usage error naming the reference and the accepted forms. */
export function parseServerRef(value: string): ServerRef {
  const bad = (why: string) =>
    new UsageError(`invalid server reference "${value}": ${why}`, {suggestions: [REF_HELP]})
  if (value.startsWith('catalog://')) {
    const rest = value.slice('catalog://'.length)
    const slash = rest.lastIndexOf('/')
    if (slash <= 0) throw bad('expected catalog://<catalog>/<server>')
    const catalog = rest.slice(0, slash)
    const list = rest.slice(slash + 1)
    const patterns = list.split('+').filter(Boolean)
    if (patterns.length === 0) throw bad('no server named after the catalog')
    return {kind: 'catalog', catalog, patterns}
  }
  if (value.startsWith('docker://')) {
    const image = value.slice('docker://'.length)
    if (!/^[A-Za-z0-9][A-Za-z0-9._\-/:@]*$/.test(image)) throw bad('expected docker://<image>')
    return {kind: 'docker', image}
  }
  if (value.startsWith('file://')) {
    const file = value.slice('file://'.length)
    if (!file) throw bad('expected file://<path>')
    return {kind: 'file', file}
  }
  if (value.startsWith('https://') || value.startsWith('http://')) {
    let url: URL
    try {
      url = new URL(value)
    } catch {
      throw bad('not a valid URL')
    }
    if (url.username || url.password) throw bad('credentials in the URL are not stored in a profile')
    return {kind: 'remote', url: url.toString()}
  }
  throw bad('unknown scheme')
}

/** The catalogs a reference can name, loaded on demand (so parsing and tests need no files). */
export interface CatalogSource {
  /** Servers of one catalog by name (the shipped Docker catalog is `docker-mcp`). */
  catalog(name: string): Promise<Map<string, ResolvedServer>>
  /** Every configured catalog's servers, to find an image's entry. */
  all(): Promise<Map<string, ResolvedServer>>
}

/** A catalog entry as a profile's snapshot: the entry, named (the original's `catalog.Server`). */
export function snapshotOf(name: string, entry: object): ProfileServer['snapshot'] {
  return {server: {name, ...(entry as Record<string, unknown>)}}
}

/** A profile server from a catalog entry: type image or remote by what the entry runs. */
export function serverFromEntry(name: string, entry: Record<string, unknown>): ProfileServer {
  const remote = entry.remote as {url?: string} | undefined
  const url = remote?.url ?? (entry.sseEndpoint as string | undefined)
  if (entry.type === 'remote' || url) {
    return {type: 'remote', endpoint: url ?? '', secrets: 'default', snapshot: snapshotOf(name, entry)}
  }
  return {
    type: 'image',
    image: typeof entry.image === 'string' ? entry.image : '',
    secrets: 'default',
    snapshot: snapshotOf(name, entry),
  }
}

/** Glob as the original (`path.Match`): `*`, `?` and `[…]` within a name. */
function globMatch(pattern: string, name: string): boolean {
  const re = pattern
    .replace(/[.+^${}()|\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.')
  return new RegExp(`^${re}$`).test(name)
}

/** Resolve references into profile servers, in order, each named by its snapshot. */
export async function resolveServerRefs(
  ctx: Context,
  refs: ServerRef[],
  catalogs: CatalogSource,
): Promise<ProfileServer[]> {
  const out: ProfileServer[] = []
  for (const ref of refs) {
    if (ref.kind === 'catalog') {
      const servers = await catalogs.catalog(ref.catalog)
      const names = [...servers.keys()]
      const missing: string[] = []
      for (const pattern of ref.patterns) {
        const matched = names.filter((n) => globMatch(pattern, n))
        if (matched.length === 0) missing.push(pattern)
        for (const n of matched)
          if (!out.some((s) => s.snapshot?.server.name === n))
            out.push(serverFromEntry(n, servers.get(n)!.entry as Record<string, unknown>))
      }
      if (missing.length > 0)
        throw new DockerMcpError(
          `catalog "${ref.catalog}" has no server matching ${missing.map((m) => `"${m}"`).join(', ')}`,
          {
            suggestions: [
              ...missing.flatMap((m) => closestMatches(m, names, 1).map((c) => `did you mean "${c}"?`)),
              `Run "docker mcp catalog show ${ref.catalog}" to list its servers.`,
            ],
          },
        )
    } else if (ref.kind === 'docker') {
      // An image a catalog knows gets that entry (its tools, secrets, config schema); any other is run as
      // is, named after the image. The original reads the entry from the image's label; we stay offline.
      const known = [...(await catalogs.all()).values()].find((s) => s.entry.image === ref.image)
      out.push(
        known
          ? {...serverFromEntry(known.name, known.entry as Record<string, unknown>), image: ref.image}
          : {
              type: 'image',
              image: ref.image,
              secrets: 'default',
              snapshot: snapshotOf(imageBaseName(ref.image), {type: 'server', image: ref.image}),
            },
      )
    } else if (ref.kind === 'file') {
      out.push(...(await serversFromFile(ctx, ref.file)))
    } else {
      const name = new URL(ref.url).hostname.replace(/[^A-Za-z0-9_.-]/g, '-')
      out.push({
        type: 'remote',
        endpoint: ref.url,
        secrets: 'default',
        snapshot: snapshotOf(name, {type: 'remote', remote: {url: ref.url}}),
      })
    }
  }
  return out
}

/** A catalog file (every server of its `registry:`) or one server entry (with its `name`). */
async function serversFromFile(ctx: Context, file: string): Promise<ProfileServer[]> {
  const resolved = path.resolve(ctx.cwd, file)
  if (!/\.(ya?ml|json)$/i.test(resolved))
    throw new UsageError(`file://${file}: unsupported file extension, must be .yaml, .yml or .json`)
  let text: string
  try {
    text = await readFile(resolved, 'utf8')
  } catch (err) {
    throw new DockerMcpError(`file://${file}: cannot read ${resolved}: ${(err as Error).message}`)
  }
  const [{parseYaml, validate}, {catalogEntrySchema}] = await Promise.all([
    import('../catalog/yaml-file.js'),
    import('../catalog/schema.js'),
  ])
  const y = parseYaml(resolved, text)
  const data = y.data as Record<string, unknown> | null
  if (data && typeof data === 'object' && data.registry && typeof data.registry === 'object') {
    return Object.entries(data.registry as Record<string, unknown>).map(([name, entry]) => {
      validate(y, catalogEntrySchema, entry, ['registry', name])
      return serverFromEntry(name, entry as Record<string, unknown>)
    })
  }
  const entry = validate(y, catalogEntrySchema, data ?? {}) as Record<string, unknown>
  if (typeof entry.name !== 'string' || !entry.name)
    throw new DockerMcpError(`${resolved}: a single server entry needs a "name"`)
  const {name, ...rest} = entry
  return [serverFromEntry(name as string, rest)]
}
