/**
 * The few calls of the registry HTTP API v2 (OCI distribution spec) that signature verification needs:
 * a manifest by tag or digest, a blob by digest, and anonymous bearer tokens for registries that ask for
 * one (Docker Hub, GHCR). Stored credentials are not used: signatures of private images are not read.
 */
import {createHash} from 'node:crypto'

import {registryBaseUrl, type ImageReference} from './reference.js'

const MANIFEST_TYPES = [
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.docker.distribution.manifest.v2+json',
]
const INDEX_TYPES = [
  'application/vnd.oci.image.index.v1+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
]
/** Signature manifests and payloads are small; anything larger is not one of them. */
const MAX_MANIFEST_BYTES = 4 * 1024 * 1024
const MAX_BLOB_BYTES = 1024 * 1024
const TIMEOUT_MS = 30_000

export interface ManifestLayer {
  mediaType?: string
  digest?: string
  size?: number
  annotations?: Record<string, string>
}

export interface Manifest {
  mediaType?: string
  layers?: ManifestLayer[]
}

/** The registry could not be asked (network, HTTP error): says which registry and what it answered. */
export class RegistryError extends Error {}

export class RegistryClient {
  private token: string | undefined

  constructor(
    private readonly ref: ImageReference,
    private readonly fetchImpl: typeof fetch = fetch,
  ) {}

  /** A manifest by tag or digest; undefined when the registry has none (404). */
  async manifest(tagOrDigest: string): Promise<Manifest | undefined> {
    const res = await this.get(`manifests/${tagOrDigest}`, MANIFEST_TYPES.join(', '))
    if (res.status === 404) return undefined
    const body = await readLimited(res, MAX_MANIFEST_BYTES, this.describe(`manifest ${tagOrDigest}`))
    try {
      return JSON.parse(body.toString('utf8')) as Manifest
    } catch {
      throw new RegistryError(`${this.describe(`manifest ${tagOrDigest}`)} is not JSON`)
    }
  }

  /** The digest a tag points at now (for the pinning instruction); undefined when the registry does not say. */
  async digestOf(tag: string): Promise<string | undefined> {
    const res = await this.get(`manifests/${tag}`, [...MANIFEST_TYPES, ...INDEX_TYPES].join(', '), 'HEAD')
    const digest = res.headers.get('docker-content-digest') ?? undefined
    return res.ok && digest && /^sha256:[0-9a-f]{64}$/.test(digest) ? digest : undefined
  }

  /** A blob, checked against its digest: the registry is not trusted to serve what it was asked for. */
  async blob(digest: string): Promise<Buffer> {
    const res = await this.get(`blobs/${digest}`, '*/*')
    if (res.status === 404) throw new RegistryError(`${this.describe(`blob ${digest}`)} is missing`)
    const body = await readLimited(res, MAX_BLOB_BYTES, this.describe(`blob ${digest}`))
    const actual = `sha256:${createHash('sha256').update(body).digest('hex')}`
    if (actual !== digest) throw new RegistryError(`${this.describe(`blob ${digest}`)} has digest ${actual}`)
    return body
  }

  private describe(what: string): string {
    return `${what} of ${this.ref.registry}/${this.ref.repository}`
  }

  private async get(path: string, accept: string, method = 'GET'): Promise<Response> {
    const url = `${registryBaseUrl(this.ref.registry)}/v2/${this.ref.repository}/${path}`
    let res = await this.send(url, accept, method)
    if (res.status === 401 && this.token === undefined) {
      const challenge = res.headers.get('www-authenticate')
      await res.body?.cancel()
      if (!challenge || !/^bearer\s/i.test(challenge)) {
        throw new RegistryError(`${this.ref.registry} requires credentials to read ${this.ref.repository}`)
      }
      this.token = await this.anonymousToken(challenge)
      res = await this.send(url, accept, method)
    }
    if (res.ok || res.status === 404) return res
    await res.body?.cancel()
    throw new RegistryError(`${this.ref.registry} answered ${res.status} for ${method} ${url}`)
  }

  private async send(url: string, accept: string, method: string): Promise<Response> {
    try {
      return await this.fetchImpl(url, {
        method,
        headers: {accept, ...(this.token ? {authorization: `Bearer ${this.token}`} : {})},
        redirect: 'follow',
        signal: AbortSignal.timeout(TIMEOUT_MS),
      })
    } catch (err) {
      throw new RegistryError(`cannot reach ${this.ref.registry}: ${(err as Error).message}`)
    }
  }

  /** The token service named by a `WWW-Authenticate: Bearer realm=...,service=...` challenge, anonymously. */
  private async anonymousToken(challenge: string): Promise<string> {
    const params = new Map<string, string>()
    for (const m of challenge.matchAll(/(\w+)="([^"]*)"/g)) params.set(m[1]!.toLowerCase(), m[2]!)
    const realm = params.get('realm')
    if (!realm || !/^https:\/\//.test(realm)) {
      throw new RegistryError(`${this.ref.registry} asks for a token from an unusable realm "${realm ?? ''}"`)
    }
    const url = new URL(realm)
    if (params.has('service')) url.searchParams.set('service', params.get('service')!)
    url.searchParams.set('scope', `repository:${this.ref.repository}:pull`)
    let res: Response
    try {
      res = await this.fetchImpl(url, {signal: AbortSignal.timeout(TIMEOUT_MS)})
    } catch (err) {
      throw new RegistryError(
        `cannot reach the token service of ${this.ref.registry}: ${(err as Error).message}`,
      )
    }
    if (!res.ok) {
      await res.body?.cancel()
      throw new RegistryError(`the token service of ${this.ref.registry} answered ${res.status}`)
    }
    const body = JSON.parse((await readLimited(res, MAX_BLOB_BYTES, 'token')).toString('utf8')) as {
      token?: string
      access_token?: string
    }
    const token = body.token ?? body.access_token
    if (!token) throw new RegistryError(`the token service of ${this.ref.registry} gave no token`)
    return token
  }
}

async function readLimited(res: Response, limit: number, what: string): Promise<Buffer> {
  const chunks: Buffer[] = []
  let size = 0
  for await (const chunk of res.body ?? []) {
    size += (chunk as Uint8Array).byteLength
    // Leaving the loop by a throw cancels the stream.
    if (size > limit) throw new RegistryError(`${what} is larger than ${limit} bytes`)
    chunks.push(Buffer.from(chunk as Uint8Array))
  }
  return Buffer.concat(chunks)
}
