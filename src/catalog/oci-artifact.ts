/**
 * The catalog artifact of the original `docker mcp` (docker/mcp-gateway `pkg/catalog_next/catalog.go`
 * `CatalogArtifact`), the one `application/json` layer of an artifact of type
 * `application/vnd.docker.mcp.catalog.v1+json`:
 *
 *     {"title": "<display name>", "servers": [
 *       {"type": "image", "image": "<image>", "snapshot": {"server": {"name": "<name>", ...catalog entry}}},
 *       {"type": "remote", "endpoint": "<url>", "snapshot": {"server": {"name": "<name>", ...}}}]}
 *
 * The snapshot's server is the legacy catalog entry (same keys in JSON as in our YAML). Conversion both ways,
 * and the download of a catalog as catalog text (for `catalog pull` and `catalog update`). Writes nothing.
 */
import type {Context} from '../context.js'
import {DockerMcpError} from '../errors.js'
import {lazyRequire} from '../lazy-require.js'
import type {TransferProgress} from '../oci/artifact.js'
import {MCP_CATALOG_ARTIFACT} from '../oci/media-types.js'
import type {ArtifactReference} from '../oci/reference.js'
import {SERVER_NAME} from './names.js'
import type {CatalogEntry} from './schema.js'

/** The original's catalog artifact content. */
export interface CatalogArtifact {
  title: string
  servers: CatalogArtifactServer[]
}

export interface CatalogArtifactServer {
  type: 'image' | 'remote' | 'registry'
  image?: string
  endpoint?: string
  source?: string
  tools?: string[] | null
  snapshot?: {server: Record<string, unknown>}
}

/** A catalog as the artifact content: servers sorted by name, as the original sorts them. */
export function catalogToArtifact(catalog: {
  name: string
  displayName: string
  registry: Record<string, CatalogEntry>
}): CatalogArtifact {
  const servers: CatalogArtifactServer[] = []
  for (const name of Object.keys(catalog.registry).sort()) {
    const entry = catalog.registry[name]!
    const server = {name, ...entry, ...(entry.type ? {} : {type: entry.remote?.url ? 'remote' : 'server'})}
    if (entry.type === 'remote' || (!entry.image && entry.remote?.url)) {
      if (!entry.remote?.url)
        throw new DockerMcpError(
          `server "${name}" of catalog "${catalog.name}" is remote but has no remote.url`,
        )
      servers.push({type: 'remote', endpoint: entry.remote.url, snapshot: {server}})
    } else if (entry.image) {
      servers.push({type: 'image', image: entry.image, snapshot: {server}})
    } else {
      throw new DockerMcpError(
        `server "${name}" of catalog "${catalog.name}" has neither an image nor a remote URL: it cannot be pushed`,
      )
    }
  }
  return {title: catalog.displayName || catalog.name, servers}
}

/**
 * The catalog entries of an artifact's content. Servers without a snapshot (the original's MCP-registry
 * references, which it resolves later) cannot become catalog entries: they are left out, with a warning.
 */
export function artifactToRegistry(
  content: unknown,
  where: string,
): {title: string; registry: Record<string, Record<string, unknown>>; warnings: string[]} {
  const bad = (why: string) => new DockerMcpError(`${where} is not an MCP catalog: ${why}`)
  if (!content || typeof content !== 'object' || Array.isArray(content)) throw bad('expected a JSON object')
  const {title, servers} = content as {title?: unknown; servers?: unknown}
  if (typeof title !== 'string' || !title) throw bad('"title" is missing')
  if (servers !== undefined && servers !== null && !Array.isArray(servers))
    throw bad('"servers" is not a list')
  const registry: Record<string, Record<string, unknown>> = {}
  const warnings: string[] = []
  for (const [i, s] of ((servers as unknown[] | null) ?? []).entries()) {
    const server = s as CatalogArtifactServer | null
    if (!server || typeof server !== 'object') throw bad(`servers[${i}] is not an object`)
    const snap = server.snapshot?.server
    if (!snap || typeof snap !== 'object') {
      warnings.push(
        `servers[${i}] (${server.type ?? 'no type'} ${server.source ?? server.image ?? server.endpoint ?? ''}) has no snapshot of its definition: left out`.replace(
          / \)/,
          ')',
        ),
      )
      continue
    }
    const {name, ...entry} = snap as Record<string, unknown> & {name?: unknown}
    if (typeof name !== 'string' || !SERVER_NAME.test(name))
      throw bad(`servers[${i}].snapshot.server.name ${JSON.stringify(name)} is not a server name`)
    if (registry[name]) throw bad(`server "${name}" appears twice`)
    // Go writes zero values the original's structs do not omit: an empty image, an empty remote.
    if (entry.image === '') delete entry.image
    const remote = entry.remote as {url?: unknown} | undefined
    if (remote && typeof remote === 'object' && !remote.url && Object.keys(remote).length <= 1)
      delete entry.remote
    if (!entry.type) entry.type = server.type === 'remote' ? 'remote' : 'server'
    if (server.type === 'image' && server.image && !entry.image) entry.image = server.image
    registry[name] = entry
  }
  return {title, registry, warnings}
}

export interface FetchedCatalog {
  /** Catalog text (YAML) named `name`, ready for validation and storage. */
  text: string
  title: string
  /** `registry/repository[:tag]@sha256:…` */
  reference: string
  digest: string
  warnings: string[]
}

/** Pull a catalog artifact (verified: digests, sizes, artifact type) and turn it into catalog text. */
export async function fetchCatalogArtifact(
  ctx: Context,
  ref: ArtifactReference,
  name: string,
  options: {progress?: (event: TransferProgress) => void} = {},
): Promise<FetchedCatalog> {
  const {pullArtifact} = await import('../oci/artifact.js')
  const pulled = await pullArtifact(ref, {
    credentials: {dockerConfigFile: ctx.paths.dockerConfigFile, env: ctx.env},
    expectArtifactType: MCP_CATALOG_ARTIFACT,
    ...(options.progress ? {progress: options.progress} : {}),
  })
  const layer = pulled.layers[0]
  if (!layer) throw new DockerMcpError(`${ref.input} has no layers: it holds no catalog; nothing was written`)
  const where = `${pulled.reference} (layer ${layer.digest})`
  let content: unknown
  try {
    content = JSON.parse(layer.data.toString('utf8'))
  } catch {
    throw new DockerMcpError(`${where} is not JSON; nothing was written`)
  }
  const {title, registry, warnings} = artifactToRegistry(content, where)
  // A CommonJS package loaded on first use, as format.ts does (the single-file build bundles it).
  const {stringify} = lazyRequire('yaml') as typeof import('yaml')
  const text = stringify({version: 2, name, displayName: title, registry}, {lineWidth: 0})
  return {text, title, reference: pulled.reference, digest: pulled.digest, warnings}
}
