/**
 * A real registry (Debian's `docker-registry`, the CNCF distribution registry) on 127.0.0.1 for the
 * signature tests, and a signer that writes signatures the way cosign stores them. No cosign binary is
 * available here: `signImage` writes the same artifact cosign does (an OCI manifest tagged
 * `sha256-<hex>.sig`, one `application/vnd.dev.cosign.simplesigning.v1+json` layer per signature, the base64
 * ECDSA signature in the `dev.cosignproject.cosign/signature` annotation), with node:crypto.
 */
import {spawn, type ChildProcess} from 'node:child_process'
import {createHash, sign, type KeyObject} from 'node:crypto'
import {mkdtemp, rm, writeFile} from 'node:fs/promises'
import {createServer} from 'node:net'
import {tmpdir} from 'node:os'
import path from 'node:path'

const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json'
const ACCEPT_ANY_MANIFEST = [
  OCI_MANIFEST,
  'application/vnd.docker.distribution.manifest.v2+json',
  'application/vnd.oci.image.index.v1+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
].join(', ')

export interface RealRegistry {
  /** `127.0.0.1:<port>` */
  host: string
  /** The registry's storage root (filesystem driver): `<dataDir>/docker/registry/v2/blobs/...`. */
  dataDir: string
  /** The digest `<repository>:<tag>` points at, as dockerd resolves it. */
  digestOf(repository: string, tag: string): Promise<string>
  /** PUT a blob (monolithic upload); returns its digest. */
  putBlob(repository: string, body: Buffer): Promise<string>
  /** GET a manifest by tag or digest (raw bytes and media type). */
  getManifest(repository: string, reference: string): Promise<{body: Buffer; type: string}>
  putManifest(repository: string, reference: string, body: Buffer, type: string): Promise<void>
  stop(): Promise<void>
}

/** A free TCP port on 127.0.0.1 (bound, read, released). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const port = (server.address() as {port: number}).port
      server.close(() => resolve(port))
    })
  })
}

/**
 * Start `docker-registry serve` with its own config and storage in a temp dir; `stop()` ends it by PID.
 * `basicAuth`: the registry asks for these credentials (htpasswd, bcrypt by `htpasswd -B` of
 * apache2-utils); the helper's own requests send them.
 */
export async function startRegistry(
  options: {
    basicAuth?: {username: string; password: string}
    /** Raw `auth:` section of the registry's config (token auth), YAML lines. */
    authConfig?: string[]
  } = {},
): Promise<RealRegistry> {
  const dir = await mkdtemp(path.join(tmpdir(), 'docker-mcp-registry-'))
  const auth = options.basicAuth
  let authConfig: string[] = options.authConfig ?? []
  if (auth) {
    const htpasswd = path.join(dir, 'htpasswd')
    const line = await new Promise<string>((resolve, reject) => {
      // -i: the password on stdin, not on the command line.
      const child = spawn('htpasswd', ['-niB', auth.username], {stdio: ['pipe', 'pipe', 'pipe']})
      let out = ''
      child.stdout.on('data', (d: Buffer) => (out += d.toString('utf8')))
      child.once('error', (err) =>
        reject(
          new Error(
            `cannot run htpasswd (apt-get install apache2-utils; scripts/test.sh does): ${err.message}`,
          ),
        ),
      )
      child.once('close', (code) =>
        code === 0 ? resolve(out.trim()) : reject(new Error(`htpasswd exited ${code}`)),
      )
      child.stdin.end(auth.password)
    })
    await writeFile(htpasswd, `${line}\n`)
    authConfig = ['auth:', `  htpasswd: {realm: docker-mcp-test, path: ${JSON.stringify(htpasswd)}}`]
  }
  const authHeader: Record<string, string> = auth
    ? {authorization: `Basic ${Buffer.from(`${auth.username}:${auth.password}`).toString('base64')}`}
    : {}
  const port = await freePort()
  const host = `127.0.0.1:${port}`
  const config = path.join(dir, 'config.yml')
  await writeFile(
    config,
    [
      'version: 0.1',
      'log: {level: warn}',
      'storage:',
      `  filesystem: {rootdirectory: ${JSON.stringify(path.join(dir, 'data'))}}`,
      '  delete: {enabled: true}',
      `http: {addr: "${host}"}`,
      ...authConfig,
      '',
    ].join('\n'),
  )
  const child: ChildProcess = spawn('docker-registry', ['serve', config], {
    stdio: ['ignore', 'ignore', 'pipe'],
  })
  let log = ''
  let failed: Error | undefined
  child.once('error', (err) => (failed = err))
  child.stderr?.on('data', (d: Buffer) => (log = (log + d.toString('utf8')).slice(-4000)))
  const exited = new Promise<void>((resolve) => {
    child.once('exit', () => resolve())
    child.once('error', () => resolve())
  })
  const stop = async () => {
    if (child.pid !== undefined && child.exitCode === null && child.signalCode === null) child.kill('SIGTERM')
    await exited
    await rm(dir, {recursive: true, force: true})
  }
  const base = `http://${host}/v2`
  // Ready when /v2/ answers; a registry that exits first is a failure with its log.
  for (;;) {
    if (failed) {
      await stop()
      throw new Error(
        `cannot run docker-registry (apt-get install docker-registry; scripts/test.sh does): ${failed.message}`,
      )
    }
    if (child.exitCode !== null) {
      await stop()
      throw new Error(`docker-registry exited (${child.exitCode}): ${log}`)
    }
    // Serving: 200, or 401 when it asks for a token this helper does not have.
    const ok = await fetch(`${base}/`, {headers: authHeader}).then(
      (r) => r.ok || (options.authConfig !== undefined && r.status === 401),
      () => false,
    )
    if (ok) break
    await new Promise((r) => setTimeout(r, 100))
  }

  const expectOk = async (res: Response, what: string) => {
    if (!res.ok) throw new Error(`${what}: registry answered ${res.status} ${await res.text()}`)
  }
  return {
    host,
    dataDir: path.join(dir, 'data'),
    async digestOf(repository, tag) {
      const res = await fetch(`${base}/${repository}/manifests/${tag}`, {
        method: 'HEAD',
        headers: {accept: ACCEPT_ANY_MANIFEST, ...authHeader},
      })
      await expectOk(res, `HEAD ${repository}:${tag}`)
      return res.headers.get('docker-content-digest')!
    },
    async putBlob(repository, body) {
      const digest = `sha256:${createHash('sha256').update(body).digest('hex')}`
      const start = await fetch(`${base}/${repository}/blobs/uploads/`, {method: 'POST', headers: authHeader})
      await expectOk(start, 'start upload')
      const location = new URL(start.headers.get('location')!, `http://${host}`)
      location.searchParams.set('digest', digest)
      const put = await fetch(location, {
        method: 'PUT',
        headers: {'content-type': 'application/octet-stream', ...authHeader},
        body,
      })
      await expectOk(put, `PUT blob ${digest}`)
      return digest
    },
    async getManifest(repository, reference) {
      const res = await fetch(`${base}/${repository}/manifests/${reference}`, {
        headers: {accept: ACCEPT_ANY_MANIFEST, ...authHeader},
      })
      await expectOk(res, `GET ${repository}:${reference}`)
      return {body: Buffer.from(await res.arrayBuffer()), type: res.headers.get('content-type')!}
    },
    async putManifest(repository, reference, body, type) {
      const res = await fetch(`${base}/${repository}/manifests/${reference}`, {
        method: 'PUT',
        headers: {'content-type': type, ...authHeader},
        body,
      })
      await expectOk(res, `PUT manifest ${repository}:${reference}`)
    },
    stop,
  }
}

/** The simple-signing payload cosign signs for an image: its repository and manifest digest. */
export function simpleSigningPayload(dockerReference: string, digest: string): Buffer {
  return Buffer.from(
    JSON.stringify({
      critical: {
        identity: {'docker-reference': dockerReference},
        image: {'docker-manifest-digest': digest},
        type: 'cosign container image signature',
      },
      optional: null,
    }),
  )
}

/** ECDSA P-256 over SHA-256, ASN.1 DER, base64: what cosign puts in the signature annotation. */
export function signPayload(payload: Buffer, privateKey: KeyObject): string {
  return sign('sha256', payload, privateKey).toString('base64')
}

/**
 * Store a signature of `digest` in `repository` the way `cosign sign --key` does: the payload as a blob,
 * an OCI config listing it, and the manifest tagged `sha256-<hex>.sig` (replacing any there).
 */
export async function writeCosignSignature(
  registry: RealRegistry,
  repository: string,
  digest: string,
  payload: Buffer,
  base64Signature: string,
): Promise<void> {
  const payloadDigest = await registry.putBlob(repository, payload)
  const config = Buffer.from(
    JSON.stringify({
      architecture: '',
      created: '0001-01-01T00:00:00Z',
      history: [{created: '0001-01-01T00:00:00Z'}],
      os: '',
      rootfs: {type: 'layers', diff_ids: [payloadDigest]},
      config: {},
    }),
  )
  const configDigest = await registry.putBlob(repository, config)
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: OCI_MANIFEST,
      config: {
        mediaType: 'application/vnd.oci.image.config.v1+json',
        size: config.length,
        digest: configDigest,
      },
      layers: [
        {
          mediaType: 'application/vnd.dev.cosign.simplesigning.v1+json',
          size: payload.length,
          digest: payloadDigest,
          annotations: {'dev.cosignproject.cosign/signature': base64Signature},
        },
      ],
    }),
  )
  await registry.putManifest(repository, `${digest.replace(':', '-')}.sig`, manifest, OCI_MANIFEST)
}
