/**
 * Push and pull OCI artifacts: an OCI image manifest with an `artifactType`, a config blob and layers, the
 * shape the original `docker mcp` gives catalogs and profiles (see media-types.ts). Push uploads each blob
 * the registry does not have yet (HEAD first; one PUT, or PATCH chunks then PUT for large ones), then the
 * manifest. Pull reads the manifest (checked against the digest when the reference pins one), checks its
 * media and artifact types, and downloads every blob, checking its size and sha256: the registry is not
 * trusted to serve what was asked. Everything is returned in memory; nothing is written here, so a pull that
 * fails leaves the caller's files as they were.
 */
import {createHash} from 'node:crypto'

import {DockerMcpError} from '../errors.js'
import {RegistryApiError, RegistrySession, readLimited} from './client.js'
import {findCredentials, type CredentialSource} from './credentials.js'
import {
  DOCKER_MANIFEST,
  DOCKER_MANIFEST_LIST,
  OCI_EMPTY,
  OCI_EMPTY_DATA,
  OCI_INDEX,
  OCI_MANIFEST,
} from './media-types.js'
import {
  formatReference,
  manifestReference,
  parseArtifactReference,
  requireTag,
  type ArtifactReference,
} from './reference.js'

const MAX_MANIFEST_BYTES = 4 * 1024 * 1024
/** Catalogs and profiles are small; a blob larger than this is not one of them. */
const MAX_BLOB_BYTES = 64 * 1024 * 1024
/** Blobs up to this size go up in one PUT; larger ones in PATCH chunks of this size. */
const DEFAULT_CHUNK_BYTES = 5 * 1024 * 1024
const DIGEST = /^sha256:[0-9a-f]{64}$/

export interface BlobInput {
  mediaType: string
  data: Buffer | string
  annotations?: Record<string, string>
}

export interface ArtifactInput {
  artifactType: string
  /** Default: the OCI empty config (`{}`, `application/vnd.oci.empty.v1+json`), as the original writes. */
  config?: BlobInput
  layers: BlobInput[]
  annotations?: Record<string, string>
}

/** One step of a transfer, in the shape image pull progress has (`src/docker/pull-progress.ts`). */
export interface TransferProgress {
  /** The reference being pushed or pulled. */
  image: string
  /** The blob: the first 12 hex digits of its digest, as docker shows layers. */
  id?: string
  status: string
  current?: number
  total?: number
}

export interface TransferOptions {
  /** Where docker's credentials are: config.json and the environment credential helpers run in. */
  credentials: CredentialSource
  progress?: (event: TransferProgress) => void
  fetch?: typeof fetch
  /** Upload blobs larger than this in chunks of this size (default 5 MiB). */
  chunkSize?: number
}

export interface Descriptor {
  mediaType: string
  digest: string
  size: number
  annotations?: Record<string, string>
}

export interface OciManifest {
  schemaVersion: 2
  mediaType: string
  artifactType?: string
  config: Descriptor
  layers: Descriptor[]
  annotations?: Record<string, string>
}

export interface PushResult {
  /** `registry/repository:tag@sha256:…` (registry left out for Docker Hub). */
  reference: string
  /** The manifest's digest. */
  digest: string
  /** Bytes of the manifest. */
  size: number
  /** Blobs uploaded, and blobs the registry already had. */
  pushed: number
  skipped: number
}

export interface PulledBlob extends Descriptor {
  data: Buffer
}

export interface PulledArtifact {
  /** `registry/repository[:tag]@sha256:…`: the exact content pulled. */
  reference: string
  digest: string
  artifactType: string
  manifest: OciManifest
  config: PulledBlob
  layers: PulledBlob[]
}

export function sha256(data: Buffer | string): string {
  return `sha256:${createHash('sha256').update(data).digest('hex')}`
}

function shortId(digest: string): string {
  return digest.slice('sha256:'.length, 'sha256:'.length + 12)
}

function describe(blob: BlobInput): Descriptor & {data: Buffer} {
  const data = Buffer.isBuffer(blob.data) ? blob.data : Buffer.from(blob.data, 'utf8')
  return {
    mediaType: blob.mediaType,
    digest: sha256(data),
    size: data.length,
    ...(blob.annotations && Object.keys(blob.annotations).length ? {annotations: blob.annotations} : {}),
    data,
  }
}

function descriptorOnly({mediaType, digest, size, annotations}: Descriptor): Descriptor {
  return {mediaType, digest, size, ...(annotations ? {annotations} : {})}
}

/** The manifest bytes for an artifact (field order as the original's Go encoder writes them). */
export function buildManifest(input: ArtifactInput): {
  manifest: OciManifest
  bytes: Buffer
  blobs: Array<Descriptor & {data: Buffer}>
} {
  const config = describe(input.config ?? {mediaType: OCI_EMPTY, data: OCI_EMPTY_DATA})
  const layers = input.layers.map(describe)
  const manifest: OciManifest = {
    schemaVersion: 2,
    mediaType: OCI_MANIFEST,
    artifactType: input.artifactType,
    config: descriptorOnly(config),
    layers: layers.map(descriptorOnly),
    ...(input.annotations && Object.keys(input.annotations).length ? {annotations: input.annotations} : {}),
  }
  return {manifest, bytes: Buffer.from(JSON.stringify(manifest), 'utf8'), blobs: [config, ...layers]}
}

function session(ref: ArtifactReference, actions: 'pull' | 'pull,push', options: TransferOptions) {
  return new RegistrySession(ref, {
    actions,
    credentials: () => findCredentials(ref.registry, options.credentials),
    ...(options.fetch ? {fetch: options.fetch} : {}),
  })
}

/**
 * Push an artifact to `reference` (a tag: `registry/repo:tag`, `latest` when none is given). Blobs the
 * registry already holds are not sent again. Returns the manifest digest the registry stored.
 */
export async function pushArtifact(
  reference: string | ArtifactReference,
  input: ArtifactInput,
  options: TransferOptions,
): Promise<PushResult> {
  const ref = requireTag(typeof reference === 'string' ? parseArtifactReference(reference) : reference)
  const {bytes, blobs, manifest} = buildManifest(input)
  const digest = sha256(bytes)
  const s = session(ref, 'pull,push', options)
  const image = ref.input
  const report = (e: Omit<TransferProgress, 'image'>) => options.progress?.({image, ...e})
  report({status: `The push refers to repository [${s.name}]`})
  let pushed = 0
  let skipped = 0
  // The same content twice (two identical layers) is one blob.
  const unique = [...new Map(blobs.map((b) => [b.digest, b])).values()]
  for (const blob of unique) {
    const id = shortId(blob.digest)
    const head = await s.request('HEAD', `blobs/${blob.digest}`, {accept: [404]})
    if (head.status !== 404) {
      skipped++
      report({id, status: 'Layer already exists'})
      continue
    }
    report({id, status: 'Preparing'})
    await uploadBlob(s, blob, options.chunkSize ?? DEFAULT_CHUNK_BYTES, (current) =>
      report({id, status: 'Pushing', current, total: blob.size}),
    )
    pushed++
    report({id, status: 'Pushed'})
  }
  const res = await s.request('PUT', `manifests/${ref.tag}`, {
    headers: {'content-type': manifest.mediaType},
    body: bytes,
  })
  await res.body?.cancel()
  const stored = res.headers.get('docker-content-digest')
  if (stored && stored !== digest)
    throw new DockerMcpError(
      `${s.name} stored the manifest as ${stored}, not ${digest}: the push is not what was sent`,
    )
  report({status: `${ref.tag}: digest: ${digest} size: ${bytes.length}`})
  return {reference: formatReference(ref, digest), digest, size: bytes.length, pushed, skipped}
}

async function uploadBlob(
  s: RegistrySession,
  blob: Descriptor & {data: Buffer},
  chunkSize: number,
  progress: (current: number) => void,
): Promise<void> {
  const start = await s.request('POST', 'blobs/uploads/', {headers: {'content-length': '0'}})
  await start.body?.cancel()
  let location = uploadLocation(s, start)
  if (blob.size <= chunkSize) {
    // Monolithic upload: the whole blob in the PUT that closes the upload.
    location.searchParams.set('digest', blob.digest)
    const put = await s.request('PUT', location.href, {
      headers: {'content-type': 'application/octet-stream', 'content-length': String(blob.size)},
      body: blob.data,
    })
    await put.body?.cancel()
    progress(blob.size)
    return
  }
  // Chunked upload: PATCH ranges in order, each answer gives the next location; an empty PUT closes it.
  for (let offset = 0; offset < blob.size; offset += chunkSize) {
    const chunk = blob.data.subarray(offset, Math.min(blob.size, offset + chunkSize))
    const patch = await s.request('PATCH', location.href, {
      headers: {
        'content-type': 'application/octet-stream',
        'content-length': String(chunk.length),
        'content-range': `${offset}-${offset + chunk.length - 1}`,
      },
      body: chunk,
    })
    await patch.body?.cancel()
    location = uploadLocation(s, patch)
    progress(offset + chunk.length)
  }
  location.searchParams.set('digest', blob.digest)
  const put = await s.request('PUT', location.href, {headers: {'content-length': '0'}})
  await put.body?.cancel()
}

function uploadLocation(s: RegistrySession, res: Response): URL {
  const location = res.headers.get('location')
  if (!location) throw new DockerMcpError(`${s.name} gave no upload location (status ${res.status})`)
  return new URL(location, s.base)
}

/**
 * Pull an artifact: its manifest, then its config and layers, each checked against its digest and size.
 * `expectArtifactType`: anything else (an image, an index, another MCP artifact) is an error naming what it is.
 */
export async function pullArtifact(
  reference: string | ArtifactReference,
  options: TransferOptions & {expectArtifactType?: string},
): Promise<PulledArtifact> {
  const ref = typeof reference === 'string' ? parseArtifactReference(reference) : reference
  const s = session(ref, 'pull', options)
  const image = ref.input
  const report = (e: Omit<TransferProgress, 'image'>) => options.progress?.({image, ...e})
  const target = manifestReference(ref)
  report({status: `Pulling from ${ref.repository}`})
  const res = await s.request('GET', `manifests/${target}`, {
    headers: {accept: [OCI_MANIFEST, OCI_INDEX, DOCKER_MANIFEST, DOCKER_MANIFEST_LIST].join(', ')},
    accept: [404],
  })
  if (res.status === 404) throw await notFound(s, ref, res)
  const bytes = await readLimited(res, MAX_MANIFEST_BYTES, `the manifest of ${ref.input}`)
  const digest = sha256(bytes)
  if (ref.digest && digest !== ref.digest)
    throw new DockerMcpError(
      `the manifest ${s.name} served for ${ref.digest} has digest ${digest}: it is not the pinned content (corrupt or tampered with); nothing was written`,
    )
  const claimed = res.headers.get('docker-content-digest')
  if (!ref.digest && claimed && DIGEST.test(claimed) && claimed !== digest)
    throw new DockerMcpError(
      `the manifest of ${ref.input} does not match the digest the registry announced (${claimed}, got ${digest}); nothing was written`,
    )
  const manifest = parseManifest(bytes, res.headers.get('content-type'), ref, options.expectArtifactType)
  const artifactType = manifest.artifactType ?? manifest.config.mediaType
  const blobs: PulledBlob[] = []
  for (const d of [manifest.config, ...manifest.layers]) blobs.push(await pullBlob(s, ref, d, report))
  report({status: `Digest: ${digest}`})
  return {
    reference: formatReference(ref, digest),
    digest,
    artifactType,
    manifest,
    config: blobs[0]!,
    layers: blobs.slice(1),
  }
}

async function notFound(s: RegistrySession, ref: ArtifactReference, res: Response): Promise<DockerMcpError> {
  const err = await s.apiError(res, 'the manifest request')
  const what = ref.digest ? `digest ${ref.digest}` : `tag "${ref.tag}"`
  if (err.codes.includes('NAME_UNKNOWN'))
    return new RegistryApiError(`repository ${s.name} does not exist`, 404, err.codes, {
      suggestions: ['Check the reference; push to it first: docker mcp catalog push <catalog> <ref>'],
    })
  return new RegistryApiError(`${s.name} has no ${what}`, 404, err.codes, {
    suggestions: ['Check the tag; the registry lists its tags at /v2/<repository>/tags/list'],
  })
}

function kindOf(mediaType: string | undefined, configType?: string): string {
  if (mediaType === OCI_INDEX || mediaType === DOCKER_MANIFEST_LIST) return 'a multi-platform image index'
  if (mediaType === DOCKER_MANIFEST) return 'a container image'
  if (configType === 'application/vnd.oci.image.config.v1+json') return 'a container image'
  return `a ${mediaType ?? 'document without a media type'}`
}

function parseManifest(
  bytes: Buffer,
  contentType: string | null,
  ref: ArtifactReference,
  expect: string | undefined,
): OciManifest {
  let data: Partial<OciManifest> & {manifests?: unknown}
  try {
    data = JSON.parse(bytes.toString('utf8')) as typeof data
  } catch {
    throw new DockerMcpError(`the manifest of ${ref.input} is not JSON`)
  }
  if (!data || typeof data !== 'object')
    throw new DockerMcpError(`the manifest of ${ref.input} is not an object`)
  const mediaType = data.mediaType ?? contentType?.split(';')[0]?.trim()
  const expected = expect ? ` (an MCP artifact of type ${expect})` : ''
  if (mediaType !== OCI_MANIFEST || data.manifests !== undefined)
    throw new DockerMcpError(
      `${ref.input} is ${kindOf(mediaType)}, not an OCI artifact${expected}; nothing was written`,
    )
  const config = checkDescriptor(data.config, 'config', ref)
  if (!Array.isArray(data.layers))
    throw new DockerMcpError(`the manifest of ${ref.input} has no "layers" list`)
  const layers = data.layers.map((l, i) => checkDescriptor(l, `layers[${i}]`, ref))
  const artifactType = data.artifactType ?? config.mediaType
  if (expect && artifactType !== expect)
    throw new DockerMcpError(
      `${ref.input} is ${data.artifactType ? `an artifact of type ${artifactType}` : kindOf(mediaType, config.mediaType)}, not ${expect}; nothing was written`,
      {suggestions: ['Check the reference: it may name another kind of artifact or an image.']},
    )
  return {
    schemaVersion: 2,
    mediaType,
    ...(data.artifactType ? {artifactType: data.artifactType} : {}),
    config,
    layers,
    ...(data.annotations ? {annotations: data.annotations} : {}),
  }
}

function checkDescriptor(value: unknown, where: string, ref: ArtifactReference): Descriptor {
  const d = value as Partial<Descriptor> | undefined
  const bad = (why: string) => new DockerMcpError(`the manifest of ${ref.input}: ${where} ${why}`)
  if (!d || typeof d !== 'object') throw bad('is missing')
  if (typeof d.mediaType !== 'string') throw bad('has no mediaType')
  if (typeof d.digest !== 'string' || !DIGEST.test(d.digest)) throw bad('has no sha256 digest')
  if (typeof d.size !== 'number' || !Number.isSafeInteger(d.size) || d.size < 0)
    throw bad('has no valid size')
  if (d.size > MAX_BLOB_BYTES) throw bad(`is ${d.size} bytes, more than the ${MAX_BLOB_BYTES} accepted`)
  return descriptorOnly(d as Descriptor)
}

async function pullBlob(
  s: RegistrySession,
  ref: ArtifactReference,
  d: Descriptor,
  report: (e: Omit<TransferProgress, 'image'>) => void,
): Promise<PulledBlob> {
  const id = shortId(d.digest)
  // The empty config is known content: nothing to ask the registry for.
  if (d.mediaType === OCI_EMPTY && d.digest === sha256(OCI_EMPTY_DATA) && d.size === OCI_EMPTY_DATA.length)
    return {...d, data: Buffer.from(OCI_EMPTY_DATA)}
  const res = await s.request('GET', `blobs/${d.digest}`, {accept: [404]})
  if (res.status === 404) {
    await res.body?.cancel()
    throw new DockerMcpError(`${s.name} is missing blob ${d.digest} of ${ref.input}; nothing was written`)
  }
  // One byte over the announced size is enough to know it is wrong.
  let data: Buffer
  try {
    data = await readLimited(res, d.size + 1, `blob ${d.digest}`, (current) =>
      report({id, status: 'Downloading', current, total: d.size}),
    )
  } catch (err) {
    if (!(err instanceof DockerMcpError)) throw err
    throw tampered(s, ref, d, 'is larger than the manifest says')
  }
  if (data.length !== d.size)
    throw tampered(s, ref, d, `is ${data.length} bytes, the manifest says ${d.size}`)
  const actual = sha256(data)
  if (actual !== d.digest) throw tampered(s, ref, d, `has digest ${actual}`)
  report({id, status: 'Download complete'})
  return {...d, data}
}

function tampered(s: RegistrySession, ref: ArtifactReference, d: Descriptor, why: string): DockerMcpError {
  return new DockerMcpError(
    `blob ${d.digest} of ${ref.input} from ${s.ref.registry} ${why}: the registry's copy is corrupt or was tampered with; nothing was written`,
    {suggestions: ['Push the artifact again, or ask the registry owner to check its storage.']},
  )
}
