/**
 * Catalogs shared through an OCI registry (`catalog push` / `catalog pull`), in the original `docker mcp`'s
 * format so that either tool reads what the other pushed: an artifact of type
 * `application/vnd.docker.mcp.catalog.v1+json` whose one `application/json` layer is the original's
 * `CatalogArtifact` (docker/mcp-gateway `pkg/catalog_next/catalog.go`):
 *
 *     {"title": "<display name>", "servers": [
 *       {"type": "image", "image": "<image>", "snapshot": {"server": {"name": "<name>", ...catalog entry}}},
 *       {"type": "remote", "endpoint": "<url>", "snapshot": {"server": {"name": "<name>", ...}}}]}
 *
 * The snapshot's server is the legacy catalog entry (same keys in JSON as in our YAML). A pulled catalog is
 * validated as any imported catalog, then stored through the same path as `catalog import`: atomically,
 * under the catalog index lock; nothing is written when the pull or the validation fails.
 */
import type {Context} from '../context.js'
import {DockerMcpError, UsageError} from '../errors.js'
import {lazyRequire} from '../lazy-require.js'
import {JSON_LAYER, MCP_CATALOG_ARTIFACT} from '../oci/media-types.js'
import type {TransferProgress} from '../oci/artifact.js'
import {formatReference, parseArtifactReference} from '../oci/reference.js'
import {showCatalog, storeCatalogText, type ImportResult} from './manage.js'
import {checkCatalogName, SERVER_NAME} from './names.js'
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

export interface CatalogTransferOptions {
  progress?: (event: TransferProgress) => void
}

export interface CatalogPushResult {
  catalog: string
  reference: string
  digest: string
  servers: number
}

/** `catalog push <catalog> <ref>`. */
export async function pushCatalog(
  ctx: Context,
  name: string,
  reference: string,
  options: CatalogTransferOptions = {},
): Promise<CatalogPushResult> {
  const ref = parseArtifactReference(reference)
  const details = await showCatalog(ctx, name)
  const content = catalogToArtifact(details)
  const {pushArtifact} = await import('../oci/artifact.js')
  const pushed = await pushArtifact(
    ref,
    {artifactType: MCP_CATALOG_ARTIFACT, layers: [{mediaType: JSON_LAYER, data: JSON.stringify(content)}]},
    {credentials: {dockerConfigFile: ctx.paths.dockerConfigFile, env: ctx.env}, ...options},
  )
  return {
    catalog: details.name,
    reference: pushed.reference,
    digest: pushed.digest,
    servers: content.servers.length,
  }
}

export interface CatalogPullResult extends ImportResult {
  reference: string
  digest: string
}

/** The catalog name a pull stores under: `--name`, else the repository's last component. */
export function pulledCatalogName(reference: string, name?: string): string {
  const chosen = name ?? parseArtifactReference(reference).repository.split('/').pop()!
  try {
    checkCatalogName(chosen)
  } catch (err) {
    if (name !== undefined) throw err
    throw new UsageError(`cannot name a catalog after ${reference}: pass --name`)
  }
  return chosen
}

/**
 * `catalog pull <ref> [--name]`: download, verify (digests, media types), validate as a catalog, then store
 * like `catalog import` (replacing an existing catalog takes `force` or a yes).
 */
export async function pullCatalog(
  ctx: Context,
  reference: string,
  options: CatalogTransferOptions & {
    name?: string
    force?: boolean
    confirmReplace?: (question: string) => Promise<boolean>
  } = {},
): Promise<CatalogPullResult> {
  const ref = parseArtifactReference(reference)
  const name = pulledCatalogName(reference, options.name)
  const {pullArtifact} = await import('../oci/artifact.js')
  const pulled = await pullArtifact(ref, {
    credentials: {dockerConfigFile: ctx.paths.dockerConfigFile, env: ctx.env},
    expectArtifactType: MCP_CATALOG_ARTIFACT,
    ...(options.progress ? {progress: options.progress} : {}),
  })
  const layer = pulled.layers[0]
  if (!layer) throw new DockerMcpError(`${reference} has no layers: it holds no catalog; nothing was written`)
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
  const stored = await storeCatalogText(
    ctx,
    {text, label: where, url: `oci://${formatReference(ref)}`, source: reference, command: 'pull'},
    {
      name,
      ...(options.force ? {force: true} : {}),
      ...(options.confirmReplace ? {confirmReplace: options.confirmReplace} : {}),
    },
  )
  return {
    ...stored,
    warnings: [...warnings, ...stored.warnings],
    reference: pulled.reference,
    digest: pulled.digest,
  }
}
