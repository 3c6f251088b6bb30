/**
 * Profiles shared through an OCI registry (`profile push` / `profile pull`), as the original's working sets:
 * one `application/json` layer holding the profile in its export format, `artifactType` the profile type
 * (src/oci/media-types.ts). A pull also reads what older versions of the original pushed under the catalog
 * type, and anything whose layer is a profile document; the profile is then validated and stored like
 * `profile import` (nothing written when the pull, the digests or the validation fail).
 */
import type {Context} from '../context.js'
import {DockerMcpError} from '../errors.js'
import type {TransferProgress} from '../oci/artifact.js'
import {JSON_LAYER, MCP_CATALOG_ARTIFACT, MCP_PROFILE_ARTIFACT} from '../oci/media-types.js'
import {parseArtifactReference} from '../oci/reference.js'
import {exportProfile, importProfile} from './index.js'

export interface ProfileTransferOptions {
  progress?: (event: TransferProgress) => void
}

export async function pushProfile(
  ctx: Context,
  id: string,
  reference: string,
  options: ProfileTransferOptions = {},
): Promise<{id: string; reference: string; digest: string; servers: number}> {
  const ref = parseArtifactReference(reference)
  const {document, profile} = await exportProfile(ctx, id, 'json')
  const {pushArtifact} = await import('../oci/artifact.js')
  const pushed = await pushArtifact(
    ref,
    {artifactType: MCP_PROFILE_ARTIFACT, layers: [{mediaType: JSON_LAYER, data: document}]},
    {credentials: {dockerConfigFile: ctx.paths.dockerConfigFile, env: ctx.env}, ...options},
  )
  return {id, reference: pushed.reference, digest: pushed.digest, servers: profile.servers.length}
}

export async function pullProfile(
  ctx: Context,
  reference: string,
  options: ProfileTransferOptions & {id?: string} = {},
): Promise<{id: string; action: 'created' | 'updated'; reference: string; digest: string; servers: number}> {
  const ref = parseArtifactReference(reference)
  const {pullArtifact} = await import('../oci/artifact.js')
  const pulled = await pullArtifact(ref, {
    credentials: {dockerConfigFile: ctx.paths.dockerConfigFile, env: ctx.env},
    ...options,
  })
  if (pulled.artifactType !== MCP_PROFILE_ARTIFACT && pulled.artifactType !== MCP_CATALOG_ARTIFACT)
    throw new DockerMcpError(
      `${reference} is not an MCP profile (its artifact type is ${pulled.artifactType}); nothing was written`,
      {suggestions: ['A catalog is pulled with docker mcp catalog pull.']},
    )
  const layer = pulled.layers[0]
  if (!layer) throw new DockerMcpError(`${reference} has no content layer; nothing was written`)
  const imported = await importProfile(ctx, layer.data.toString('utf8'), {
    source: pulled.reference,
    ...(options.id ? {id: options.id} : {}),
  })
  return {
    id: imported.id,
    action: imported.action,
    reference: pulled.reference,
    digest: pulled.digest,
    servers: imported.profile.servers.length,
  }
}
