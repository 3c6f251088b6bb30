/**
 * A minimal Docker registry (Registry HTTP API v2 / OCI distribution spec, pull side only) for tests on a
 * machine without one: enough for dockerd to `docker pull 127.0.0.1:<port>/<name>:<tag>`. It serves local
 * images, read from `docker save`, as Docker image manifest v2 schema 2 with gzipped layers. dockerd
 * talks plain HTTP to it because 127.0.0.0/8 is an insecure registry by default.
 */
import {spawn} from 'node:child_process'
import {createHash, randomBytes} from 'node:crypto'
import {createReadStream, createWriteStream} from 'node:fs'
import {copyFile, mkdtemp, open, rm, stat, type FileHandle} from 'node:fs/promises'
import {createServer, type IncomingMessage, type ServerResponse} from 'node:http'
import type {AddressInfo} from 'node:net'
import {tmpdir} from 'node:os'
import path from 'node:path'
import {pipeline} from 'node:stream/promises'
import {createGzip} from 'node:zlib'

const MANIFEST_TYPE = 'application/vnd.docker.distribution.manifest.v2+json'
const CONFIG_TYPE = 'application/vnd.docker.container.image.v1+json'
const LAYER_TYPE = 'application/vnd.docker.image.rootfs.diff.tar.gzip'

export interface ServedImage {
  /** A local image to serve, e.g. `docker-mcp-fixture:test`. */
  source: string
  /** Repository name in the registry, e.g. `fixture-pull`. */
  name: string
  tag: string
  /** Serve the manifest and config but answer 404 for the layers (a registry that lost blobs). */
  withoutLayers?: boolean
}

export interface RegistryRequest {
  method: string
  path: string
  status: number
}

export interface LocalRegistry {
  /** `127.0.0.1:<port>`. */
  host: string
  /** `127.0.0.1:<port>/<name>:<tag>`: what `docker pull` and a catalog's `image:` take. */
  reference(name: string, tag: string): string
  /** The digest of the manifest served as `<name>:<tag>` (dockerd fetches it by digest after a HEAD by tag). */
  manifestDigest(name: string, tag: string): string
  /** Every request served so far, in order. */
  requests: RegistryRequest[]
  /** How many requests matched `method` and `pathPattern`. */
  count(method: string, pathPattern: RegExp): number
  close(): Promise<void>
}

export interface RegistryOptions {
  images: ServedImage[]
  /**
   * Send blobs at about this many bytes per second, in small chunks: on loopback a whole layer would arrive
   * in one go, and dockerd reports download progress at most every 100ms.
   */
  bytesPerSecond?: number
}

interface Blob {
  mediaType: string
  size: number
  /** Contents in memory (config) or in a file (layers). */
  data?: Buffer
  file?: string
}

interface Manifest {
  body: Buffer
  digest: string
}

/** Start a registry on 127.0.0.1 (random port) serving `options.images`. */
export async function startRegistry(options: RegistryOptions): Promise<LocalRegistry> {
  const workDir = await mkdtemp(path.join(tmpdir(), 'docker-mcp-registry-'))
  const blobs = new Map<string, Blob>()
  // Keyed by `<name>:<tag>` and `<name>@<digest>`.
  const manifests = new Map<string, Manifest>()
  try {
    // One `docker save` per source image, however many times it is served, and one gzip per layer.
    const archives = new Map<string, string>()
    const gzipped = new Map<string, Gzipped>()
    for (const image of options.images) {
      let archive = archives.get(image.source)
      if (!archive) {
        archive = path.join(workDir, `saved-${archives.size}.tar`)
        await dockerSave(image.source, archive)
        archives.set(image.source, archive)
      }
      const manifest = await loadImage(image.source, archive, workDir, blobs, gzipped, !image.withoutLayers)
      manifests.set(`${image.name}:${image.tag}`, manifest)
      manifests.set(`${image.name}@${manifest.digest}`, manifest)
    }
    for (const archive of archives.values()) await rm(archive, {force: true})
  } catch (err) {
    await rm(workDir, {recursive: true, force: true})
    throw err
  }

  const requests: RegistryRequest[] = []
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://registry')
    res.on('finish', () =>
      requests.push({method: req.method ?? '', path: url.pathname, status: res.statusCode}),
    )
    handle(req, res, url.pathname).catch((err: Error) => {
      if (!res.headersSent) sendError(res, 500, 'UNKNOWN', err.message)
      else res.destroy(err)
    })
  })

  async function handle(req: IncomingMessage, res: ServerResponse, pathname: string): Promise<void> {
    const head = req.method === 'HEAD'
    if (req.method !== 'GET' && !head) return sendError(res, 405, 'UNSUPPORTED', 'this registry is read-only')
    // The version check: 200 (not 401) says no authentication is needed.
    if (pathname === '/v2/' || pathname === '/v2') {
      res.writeHead(200, {
        'Content-Type': 'application/json',
        'Docker-Distribution-API-Version': 'registry/2.0',
      })
      return void res.end(head ? undefined : '{}')
    }
    const match = /^\/v2\/(.+)\/(manifests|blobs)\/([^/]+)$/.exec(pathname)
    if (!match) return sendError(res, 404, 'NOT_FOUND', `no route for ${pathname}`)
    const [, name, kind, reference] = match as unknown as [string, string, string, string]
    if (kind === 'manifests') {
      const manifest = manifests.get(
        reference.startsWith('sha256:') ? `${name}@${reference}` : `${name}:${reference}`,
      )
      if (!manifest) return sendError(res, 404, 'MANIFEST_UNKNOWN', `manifest unknown: ${name}:${reference}`)
      res.writeHead(200, {
        'Content-Type': MANIFEST_TYPE,
        'Content-Length': manifest.body.length,
        'Docker-Content-Digest': manifest.digest,
        'Docker-Distribution-API-Version': 'registry/2.0',
      })
      return void res.end(head ? undefined : manifest.body)
    }
    const blob = blobs.get(reference)
    if (!blob) return sendError(res, 404, 'BLOB_UNKNOWN', `blob unknown: ${reference}`)
    res.writeHead(200, {
      'Content-Type': 'application/octet-stream',
      'Content-Length': blob.size,
      'Docker-Content-Digest': reference,
      'Docker-Distribution-API-Version': 'registry/2.0',
    })
    if (head) return void res.end()
    if (blob.data) return void res.end(blob.data)
    await sendFile(res, blob.file!, options.bytesPerSecond)
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => resolve())
  })
  const host = `127.0.0.1:${(server.address() as AddressInfo).port}`
  return {
    host,
    reference: (name, tag) => `${host}/${name}:${tag}`,
    manifestDigest: (name, tag) => {
      const manifest = manifests.get(`${name}:${tag}`)
      if (!manifest) throw new Error(`the registry serves no ${name}:${tag}`)
      return manifest.digest
    },
    requests,
    count: (method, pattern) => requests.filter((r) => r.method === method && pattern.test(r.path)).length,
    close: async () => {
      server.closeAllConnections()
      await new Promise<void>((resolve) => server.close(() => resolve()))
      await rm(workDir, {recursive: true, force: true})
    },
  }
}

function sendError(res: ServerResponse, status: number, code: string, message: string): void {
  const body = JSON.stringify({errors: [{code, message, detail: null}]})
  res.writeHead(status, {'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body)})
  res.end(body)
}

/** Stream a file, throttled when asked; stops when the client goes away. */
async function sendFile(res: ServerResponse, file: string, bytesPerSecond?: number): Promise<void> {
  if (!bytesPerSecond) {
    await pipeline(createReadStream(file), res)
    return
  }
  const chunkBytes = 64 * 1024
  const delayMs = (chunkBytes / bytesPerSecond) * 1000
  for await (const chunk of createReadStream(file, {highWaterMark: chunkBytes})) {
    if (res.destroyed) return
    if (!res.write(chunk)) await new Promise((resolve) => res.once('drain', resolve))
    await new Promise((resolve) => setTimeout(resolve, delayMs))
  }
  res.end()
}

/** A layer of a saved archive, gzipped once: `compressed` when the archive had it gzipped already. */
interface Gzipped {
  file: string
  compressed: boolean
}

/**
 * Turn the `docker save` archive of one image into registry content: the config (with a nonce label) and each
 * layer gzipped, all addressed by sha256. Returns the schema 2 manifest. `gzipped` keeps each layer's gzip
 * for the next image from the same archive, which gets a copy with its own nonce.
 */
async function loadImage(
  source: string,
  archive: string,
  workDir: string,
  blobs: Map<string, Blob>,
  gzipped: Map<string, Gzipped>,
  serveLayers: boolean,
): Promise<Manifest> {
  const fh = await open(archive, 'r')
  try {
    const entries = await readTarIndex(fh)
    const entry = (name: string) => {
      const e = entries.get(path.posix.normalize(name))
      if (!e) throw new Error(`docker save of ${source}: no ${name} in the archive`)
      return e
    }
    const readEntry = async (name: string) => {
      const e = entry(name)
      const buffer = Buffer.alloc(e.size)
      await fh.read(buffer, 0, e.size, e.offset)
      return buffer
    }
    const saved = JSON.parse((await readEntry('manifest.json')).toString('utf8')) as Array<{
      Config: string
      Layers: string[]
    }>
    if (saved.length !== 1)
      throw new Error(`docker save of ${source}: expected one image, got ${saved.length}`)
    const {Config, Layers} = saved[0]!

    // dockerd skips a pull whose config digest (= image ID) is already present locally, and a layer whose
    // blob digest it has pulled before. A nonce in both makes every registry serve a new image with new
    // blobs, so each test run really downloads; the layer contents (diff IDs) stay those of the source.
    const nonce = randomBytes(8).toString('hex')
    const config = JSON.parse((await readEntry(Config)).toString('utf8')) as {
      config?: {Labels?: Record<string, string> | null}
    }
    config.config ??= {}
    config.config.Labels = {...config.config.Labels, 'docker-mcp-test-registry': nonce}
    const configBody = Buffer.from(JSON.stringify(config))
    const configDigest = sha256(configBody)
    blobs.set(configDigest, {mediaType: CONFIG_TYPE, size: configBody.length, data: configBody})

    const layers: Array<{mediaType: string; size: number; digest: string}> = []
    for (const layer of Layers) {
      const e = entry(layer)
      const key = `${archive}:${layer}`
      let base = gzipped.get(key)
      if (!base) {
        const gz = path.join(workDir, `gzip-${randomBytes(6).toString('hex')}.tar.gz`)
        base = {file: gz, compressed: await gzipRange(archive, e.offset, e.size, gz)}
        gzipped.set(key, base)
      }
      // Layers of a newer `docker save` may already be compressed: those are served as they are.
      const file = base.compressed
        ? base.file
        : path.join(workDir, `layer-${randomBytes(6).toString('hex')}.tar.gz`)
      if (!base.compressed) await withNonce(base.file, file, nonce)
      const digest = await sha256File(file)
      const {size} = await stat(file)
      if (serveLayers) blobs.set(digest, {mediaType: LAYER_TYPE, size, file})
      layers.push({mediaType: LAYER_TYPE, size, digest})
    }
    const body = Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: MANIFEST_TYPE,
        config: {mediaType: CONFIG_TYPE, size: configBody.length, digest: configDigest},
        layers,
      }),
    )
    return {body, digest: sha256(body)}
  } finally {
    await fh.close()
  }
}

function dockerSave(image: string, file: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn('docker', ['save', '-o', file, image], {stdio: ['ignore', 'ignore', 'pipe']})
    let stderr = ''
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d))
    child.on('error', reject)
    child.on('close', (code) =>
      code === 0 ? resolve() : reject(new Error(`docker save ${image} failed (${code}): ${stderr.trim()}`)),
    )
  })
}

/**
 * Gzip `size` bytes of `archive` from `offset` into `out`, or copy them when they are gzipped already (true).
 */
async function gzipRange(archive: string, offset: number, size: number, out: string): Promise<boolean> {
  const input = createReadStream(archive, {start: offset, end: offset + size - 1})
  const magic = Buffer.alloc(2)
  const fh = await open(archive, 'r')
  await fh.read(magic, 0, 2, offset).finally(() => fh.close())
  if (magic[0] === 0x1f && magic[1] === 0x8b) {
    await pipeline(input, createWriteStream(out))
    return true
  }
  await pipeline(input, createGzip({level: 1}), createWriteStream(out))
  return false
}

/**
 * Copy the gzip `from` to `out` with the nonce in the gzip header's MTIME field (bytes 4-7, not covered by
 * any checksum), so the same layer gets a new blob digest per registry and per image.
 */
async function withNonce(from: string, out: string, nonce: string): Promise<void> {
  await copyFile(from, out)
  const gz = await open(out, 'r+')
  try {
    await gz.write(Buffer.from(nonce, 'hex').subarray(0, 4), 0, 4, 4)
  } finally {
    await gz.close()
  }
}

function sha256(data: Buffer): string {
  return `sha256:${createHash('sha256').update(data).digest('hex')}`
}

async function sha256File(file: string): Promise<string> {
  const hash = createHash('sha256')
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer)
  return `sha256:${hash.digest('hex')}`
}

interface TarEntry {
  offset: number
  size: number
}

/**
 * Index a tar archive: regular-file name → data offset and size. Knows ustar names with a prefix, PAX
 * `path` records and GNU long names, which is all `docker save` writes.
 */
async function readTarIndex(fh: FileHandle): Promise<Map<string, TarEntry>> {
  const entries = new Map<string, TarEntry>()
  const header = Buffer.alloc(512)
  let position = 0
  let longName: string | undefined
  for (;;) {
    const {bytesRead} = await fh.read(header, 0, 512, position)
    if (bytesRead < 512 || header.every((b) => b === 0)) break
    const field = (start: number, length: number) =>
      header
        .subarray(start, start + length)
        .toString('utf8')
        .replace(/\0.*$/s, '')
    const size = parseInt(field(124, 12).trim() || '0', 8)
    const type = String.fromCharCode(header[156]!)
    const prefix = field(257, 6) === 'ustar' ? field(345, 155) : ''
    let name = longName ?? (prefix ? `${prefix}/${field(0, 100)}` : field(0, 100))
    const dataOffset = position + 512
    position = dataOffset + Math.ceil(size / 512) * 512
    if (type === 'x' || type === 'L') {
      const data = Buffer.alloc(size)
      await fh.read(data, 0, size, dataOffset)
      const text = data.toString('utf8')
      longName =
        type === 'L'
          ? text.replace(/\0.*$/s, '')
          : (/(?:^|\n)\d+ path=([^\n]*)\n/.exec(text)?.[1] ?? longName)
      continue
    }
    longName = undefined
    name = path.posix.normalize(name)
    if (type === '0' || type === '\0') entries.set(name, {offset: dataOffset, size})
  }
  return entries
}

/** A registry address where nothing listens: a port we bound, then released. */
export async function closedRegistryHost(): Promise<string> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()))
  const {port} = server.address() as AddressInfo
  await new Promise<void>((resolve) => server.close(() => resolve()))
  return `127.0.0.1:${port}`
}
