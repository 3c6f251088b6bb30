/**
 * Artifact references: `[registry[:port]/]repository[:tag][@sha256:<hex>]`, read the way docker reads image
 * references (Docker Hub when no registry is named, `library/` for one-word names, `latest` when neither a
 * tag nor a digest is given). The parsing itself is the one image pulls and signature checks use.
 */
import {DockerMcpError, UsageError} from '../errors.js'
import {
  DOCKER_HUB,
  parseImageReference,
  registryBaseUrl,
  type ImageReference,
} from '../docker/signatures/reference.js'

export {DOCKER_HUB, isLoopbackRegistry} from '../docker/signatures/reference.js'

export interface ArtifactReference {
  /** `docker.io`, `127.0.0.1:5000`, `ghcr.io` */
  registry: string
  /** `library/alpine`, `team/catalog` */
  repository: string
  /** The tag (`latest` when the reference names neither a tag nor a digest). */
  tag?: string
  /** `sha256:<64 hex>` when the reference is pinned. */
  digest?: string
  /** The reference as the user typed it. */
  input: string
}

/** docker's tag grammar. */
const TAG = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/

/** Parse a reference; a malformed one is a usage error naming it. */
export function parseArtifactReference(input: string): ArtifactReference {
  let ref: ImageReference
  try {
    ref = parseImageReference(input)
  } catch (err) {
    throw new UsageError(`invalid reference ${JSON.stringify(input)}: ${(err as Error).message}`, {
      suggestions: ['A reference looks like registry.example.com/team/catalog:v1 or team/catalog:latest'],
    })
  }
  if (ref.tag !== undefined && !TAG.test(ref.tag))
    throw new UsageError(`invalid reference ${JSON.stringify(input)}: bad tag ${JSON.stringify(ref.tag)}`)
  const tag = ref.tag ?? (ref.digest ? undefined : 'latest')
  return {
    registry: ref.registry,
    repository: ref.repository,
    ...(tag ? {tag} : {}),
    ...(ref.digest ? {digest: ref.digest} : {}),
    input,
  }
}

/** What the registry is asked for: the digest when pinned (the tag is then only a label), else the tag. */
export function manifestReference(ref: ArtifactReference): string {
  return ref.digest ?? ref.tag!
}

/** `registry/repository` (the registry left out for Docker Hub, as the original prints it). */
export function repositoryName(ref: Pick<ArtifactReference, 'registry' | 'repository'>): string {
  return ref.registry === DOCKER_HUB ? ref.repository : `${ref.registry}/${ref.repository}`
}

/** The reference for display: `repository:tag`, `repository@digest` or both. */
export function formatReference(ref: ArtifactReference, digest = ref.digest): string {
  return `${repositoryName(ref)}${ref.tag ? `:${ref.tag}` : ''}${digest ? `@${digest}` : ''}`
}

/** Base URL of the registry's HTTP API (`/v2/` appended by the client); plain http only on loopback. */
export function registryUrl(ref: Pick<ArtifactReference, 'registry'>): string {
  return registryBaseUrl(ref.registry)
}

/** A push goes to a tag: a digest names content that already exists. */
export function requireTag(ref: ArtifactReference): ArtifactReference & {tag: string} {
  if (ref.digest)
    throw new UsageError(`cannot push to ${JSON.stringify(ref.input)}: push to a tag, not a digest`, {
      suggestions: [`docker mcp catalog push <catalog> ${repositoryName(ref)}:latest`],
    })
  if (!ref.tag) throw new DockerMcpError(`${ref.input} has no tag`)
  return ref as ArtifactReference & {tag: string}
}
