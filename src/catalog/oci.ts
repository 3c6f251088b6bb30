/**
 * Catalogs shared through an OCI registry (`catalog push` / `catalog pull`), in the original `docker mcp`'s
 * format so that either tool reads what the other pushed (see oci-artifact.ts). A pulled catalog is
 * validated as any imported catalog, then stored through the same path as `catalog import`: atomically,
 * under the catalog index lock; nothing is written when the pull or the validation fails.
 */
import type {Context} from '../context.js'
import {UsageError} from '../errors.js'
import type {TransferProgress} from '../oci/artifact.js'
import {JSON_LAYER, MCP_CATALOG_ARTIFACT} from '../oci/media-types.js'
import {formatReference, parseArtifactReference} from '../oci/reference.js'
import {OCI_SCHEME, showCatalog, storeCatalogText, type ImportResult} from './manage.js'
import {checkCatalogName} from './names.js'
import {catalogToArtifact, fetchCatalogArtifact} from './oci-artifact.js'

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
  const fetched = await fetchCatalogArtifact(
    ctx,
    ref,
    name,
    options.progress ? {progress: options.progress} : {},
  )
  const where = fetched.reference
  const stored = await storeCatalogText(
    ctx,
    {
      text: fetched.text,
      label: where,
      url: `${OCI_SCHEME}${formatReference(ref)}`,
      source: reference,
      command: 'pull',
    },
    {
      name,
      ...(options.force ? {force: true} : {}),
      ...(options.confirmReplace ? {confirmReplace: options.confirmReplace} : {}),
    },
  )
  return {
    ...stored,
    warnings: [...fetched.warnings, ...stored.warnings],
    reference: fetched.reference,
    digest: fetched.digest,
  }
}
