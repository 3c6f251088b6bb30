/**
 * Image references the way docker reads them (`[registry/]repository[:tag][@sha256:<hex>]`), reduced to
 * what signature verification needs: where the registry is, which repository, and the pinned digest.
 */

/** The registry Docker Hub's short names (`mcp/foo`, `alpine`) live in, as docker and cosign name it. */
export const DOCKER_HUB = 'docker.io'
const HUB_ALIASES = new Set(['docker.io', 'index.docker.io', 'registry-1.docker.io'])

export interface ImageReference {
  /** `docker.io`, `127.0.0.1:5000`, `ghcr.io`, ... */
  registry: string
  /** `library/alpine`, `mcp/fetch`, `fixture` */
  repository: string
  tag?: string | undefined
  /** `sha256:<64 hex>` when the reference is pinned. */
  digest?: string | undefined
}

const DIGEST = /^sha256:[0-9a-f]{64}$/

/** Parse an image reference; throws an Error naming the reference when it is not one. */
export function parseImageReference(image: string): ImageReference {
  let rest = image.trim()
  let digest: string | undefined
  const at = rest.indexOf('@')
  if (at >= 0) {
    digest = rest.slice(at + 1)
    rest = rest.slice(0, at)
    if (!DIGEST.test(digest))
      throw new Error(`"${image}" has a malformed digest (expected @sha256:<64 hex digits>)`)
  }
  let tag: string | undefined
  const lastSlash = rest.lastIndexOf('/')
  const colon = rest.lastIndexOf(':')
  if (colon > lastSlash) {
    tag = rest.slice(colon + 1)
    rest = rest.slice(0, colon)
  }
  const parts = rest.split('/')
  // docker's rule: the first component is a registry when it has a dot or a port, or is "localhost".
  let registry = DOCKER_HUB
  if (parts.length > 1 && (/[.:]/.test(parts[0]!) || parts[0] === 'localhost')) registry = parts.shift()!
  if (HUB_ALIASES.has(registry)) registry = DOCKER_HUB
  if (registry === DOCKER_HUB && parts.length === 1) parts.unshift('library')
  const repository = parts.join('/')
  if (
    !repository ||
    !/^[a-z0-9]+(?:[._-]+[a-z0-9]+)*(?:\/[a-z0-9]+(?:[._-]+[a-z0-9]+)*)*$/.test(repository)
  ) {
    throw new Error(`"${image}" is not a valid image reference`)
  }
  return {registry, repository, ...(tag ? {tag} : {}), ...(digest ? {digest} : {})}
}

/** `registry/repository`: what cosign writes as the signed `docker-reference`, and what two references share. */
export function repositoryName(ref: ImageReference): string {
  return `${ref.registry}/${ref.repository}`
}

/** Is this registry on the loopback interface (plain HTTP, as dockerd allows for 127.0.0.0/8)? */
export function isLoopbackRegistry(registry: string): boolean {
  const host = registry.replace(/:\d+$/, '').replace(/^\[(.*)\]$/, '$1')
  return host === 'localhost' || host === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host)
}

/** The base URL of a registry's HTTP API v2. */
export function registryBaseUrl(registry: string): string {
  if (registry === DOCKER_HUB) return 'https://registry-1.docker.io'
  return `${isLoopbackRegistry(registry) ? 'http' : 'https'}://${registry}`
}

/** The tag cosign stores the signature of `digest` under, in the image's own repository. */
export function signatureTag(digest: string): string {
  return `${digest.replace(':', '-')}.sig`
}
