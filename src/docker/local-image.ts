/**
 * The local image builder: turns a directory holding a Node.js MCP server into a Docker image without
 * a registry, a base image or a Dockerfile. The root filesystem is the host's own `node` binary, the
 * shared libraries it links against (as `ldd` lists them), a minimal /etc and the app at /app. It is
 * streamed as a tar from GNU `tar` into the engine's image import (`POST /images/create?fromSrc=-`),
 * which sets the entrypoint and labels.
 *
 * Builds are cached: a hash of every input goes into the `io.docker-mcp.build-hash` label, and a tag
 * already carrying the same hash is not rebuilt.
 */
import {execFile, spawn} from 'node:child_process'
import {createHash} from 'node:crypto'
import {
  chmod,
  mkdir,
  mkdtemp,
  readdir,
  readFile,
  realpath,
  rm,
  stat,
  symlink,
  writeFile,
} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import path from 'node:path'
import {PassThrough, type Readable} from 'node:stream'
import {promisify} from 'node:util'

import type Dockerode from 'dockerode'

import {DockerMcpError} from '../errors.js'
import {writeFileAtomic} from '../fs/atomic.js'

/** Label holding the hash of the build inputs; a tag whose image carries the same hash is up to date. */
export const BUILD_HASH_LABEL = 'io.docker-mcp.build-hash'
/** Label naming the builder, so images made here can be told apart (and cleaned up). */
export const BUILDER_LABEL = 'io.docker-mcp.builder'
/** Bump when the image layout changes, so that every cached image is rebuilt. */
const LAYOUT_VERSION = '2'
/** The host's CA bundle on Debian/Ubuntu (and Alpine); copied when present. */
const DEFAULT_CA_BUNDLE = '/etc/ssl/certs/ca-certificates.crt'

export interface BuildProgress {
  tag: string
  phase: 'hash' | 'cached' | 'archive' | 'import' | 'done'
  message: string
}

export interface NodeImageOptions {
  /** Image reference to create, e.g. `dice-mcp-server:latest`. */
  tag: string
  /** Directory copied to /app: the server's files and its node_modules. */
  appDir: string
  /** Script to run, relative to `appDir` (the image runs `/usr/bin/node /app/<entry>`). */
  entry: string
  /** Default arguments after the entry (the image's CMD). */
  args?: string[]
  labels?: Record<string, string>
  env?: Record<string, string>
  /** User the server runs as: `node` (uid 1000, the default) or `root`. */
  user?: string
  /**
   * Files placed outside /app, by absolute path in the image (e.g. `/docker-mcp/misc/docker-mcp-bridge`);
   * their host modes are kept (an executable stays executable).
   */
  extraFiles?: Array<{target: string; source: string}>
  /** CA bundle to copy to /etc/ssl/certs/ca-certificates.crt: a path, or false for none. Default: the host's, if any. */
  caCerts?: string | false
  /** The node binary to copy. Default: the one running this code. */
  nodeBinary?: string
  /**
   * Directory for a cache of file digests (by path, size, mtime, ctime, inode), so that an unchanged
   * rebuild re-reads no file. Without it every app file is read and hashed on each call.
   */
  cacheDir?: string
  onProgress?: (event: BuildProgress) => void
}

export interface BuildResult {
  tag: string
  /** Image ID (`sha256:…`). */
  id: string
  /** True when the tag already carried an image built from the same inputs. */
  cached: boolean
  /** Hash of the inputs (the `io.docker-mcp.build-hash` label). */
  hash: string
}

interface SourceFile {
  /** Path inside the image, without the leading slash. */
  target: string
  /** Where it comes from on the host (symlinks resolved). */
  source: string
}

interface AppFile {
  rel: string
  abs: string
  mode: number
  /** size, mtime, ctime and inode: when all four are unchanged, so is the content. */
  stamp: string
}

/**
 * Build (or find cached) an image running `node /app/<entry>`. Needs Linux (the host's node binary
 * is what runs in the container) and GNU tar. Errors are `DockerMcpError`s naming what failed.
 */
export async function buildNodeImage(docker: Dockerode, options: NodeImageOptions): Promise<BuildResult> {
  const {tag} = options
  const progress = (phase: BuildProgress['phase'], message: string) =>
    options.onProgress?.({tag, phase, message})
  if (process.platform !== 'linux') {
    throw new DockerMcpError(
      `Cannot build ${tag} locally: the local image builder copies the host's node binary, so it needs Linux.`,
    )
  }
  const {repo, tag: tagPart} = splitTag(tag)
  const appDir = path.resolve(options.appDir)
  const entry = normaliseEntry(options.entry, tag)

  progress('hash', 'hashing inputs')
  const node = await realpathOrFail(options.nodeBinary ?? process.execPath, `the node binary for ${tag}`)
  const nodeVersion = options.nodeBinary ? await nodeVersionOf(node) : process.version
  const libs = await sharedLibraries(node)
  const appFiles = await listAppFiles(appDir, tag)
  if (!appFiles.some((f) => f.rel === entry)) {
    throw new DockerMcpError(
      `Cannot build ${tag}: the entry point ${path.join(appDir, entry)} does not exist.`,
      {suggestions: ['The entry point is relative to the app directory; build the server into it first']},
    )
  }
  const caCerts = await caBundle(options.caCerts)
  const user = options.user ?? 'node'
  const env: Record<string, string> = {
    ...(caCerts ? {NODE_EXTRA_CA_CERTS: `/${CA_TARGET}`} : {}),
    ...options.env,
  }
  const config = {
    entrypoint: ['/usr/bin/node', `/app/${entry}`],
    cmd: options.args ?? [],
    env,
    user,
    labels: {...options.labels, [BUILDER_LABEL]: 'local-image', 'io.docker-mcp.node-version': nodeVersion},
  }
  const systemFiles: SourceFile[] = [
    {target: 'usr/bin/node', source: node},
    ...libs,
    ...(caCerts ? [{target: CA_TARGET, source: caCerts}] : []),
    ...(options.extraFiles ?? []).map((f) => ({
      target: f.target.replace(/^\/+/, ''),
      source: path.resolve(f.source),
    })),
  ]
  const digests = await digestFiles(appFiles, options.cacheDir, appDir)
  const hash = await hashInputs({config, nodeVersion, systemFiles, appFiles, digests})

  const previous = await inspectImage(docker, tag)
  if (previous?.Config?.Labels?.[BUILD_HASH_LABEL] === hash) {
    progress('cached', `up to date (${previous.Id.slice(7, 19)})`)
    return {tag, id: previous.Id, cached: true, hash}
  }

  const changes = [
    `ENTRYPOINT ${JSON.stringify(config.entrypoint)}`,
    ...(config.cmd.length > 0 ? [`CMD ${JSON.stringify(config.cmd)}`] : []),
    'WORKDIR /app',
    `USER ${user}`,
    ...Object.entries(env).map(([k, v]) => `ENV ${k}=${JSON.stringify(v)}`),
    ...Object.entries({...config.labels, [BUILD_HASH_LABEL]: hash}).map(
      ([k, v]) => `LABEL ${JSON.stringify(k)}=${JSON.stringify(v)}`,
    ),
  ]

  await assertEngineRunsHostBinaries(docker, tag)
  const staging = await mkdtemp(path.join(tmpdir(), 'docker-mcp-image-'))
  try {
    progress('archive', `staging root filesystem (${appFiles.length} app files, ${libs.length} libraries)`)
    const rootfs = path.join(staging, 'rootfs')
    await stageRootfs(rootfs, {systemFiles, appDir})
    progress('import', 'importing into the engine')
    const id = await importRootfs(docker, rootfs, {repo, tag: tagPart, changes, image: tag})
    if (previous && previous.Id !== id) await removeIfDangling(docker, previous.Id)
    progress('done', `built ${id.slice(7, 19)}`)
    return {tag, id, cached: false, hash}
  } finally {
    await rm(staging, {recursive: true, force: true})
  }
}

const DOCKER_ARCH: Partial<Record<NodeJS.Architecture, string>> = {
  x64: 'amd64',
  arm64: 'arm64',
  arm: 'arm',
  ia32: '386',
  ppc64: 'ppc64le',
  s390x: 's390x',
  riscv64: 'riscv64',
}

/**
 * The image holds the host's node binary, so the engine must run Linux containers on the host's CPU
 * architecture (a remote engine may not). Checked on a cache miss only: one API call.
 */
async function assertEngineRunsHostBinaries(docker: Dockerode, tag: string): Promise<void> {
  let version: {Os?: string; Arch?: string}
  try {
    version = (await docker.version()) as {Os?: string; Arch?: string}
  } catch (err) {
    throw new DockerMcpError(`Cannot build ${tag}: the engine did not answer: ${engineMessage(err)}`, {
      cause: err,
    })
  }
  const want = DOCKER_ARCH[process.arch] ?? process.arch
  if (version.Os !== 'linux' || version.Arch !== want) {
    throw new DockerMcpError(
      `Cannot build ${tag} locally: the engine runs ${version.Os}/${version.Arch} containers, but this machine's node binary is linux/${want}.`,
      {suggestions: ['Use a local Linux engine (docker context use default)']},
    )
  }
}

/**
 * Parse `ldd` output into library paths. Lines look like `libc.so.6 => /lib/x86_64-linux-gnu/libc.so.6
 * (0x…)`, `/lib64/ld-linux-x86-64.so.2 (0x…)` (the loader) or `linux-vdso.so.1 (0x…)` (in the kernel, no
 * file); `=> not found` lines are reported as missing.
 */
export function parseLdd(output: string): {libs: string[]; missing: string[]} {
  const libs: string[] = []
  const missing: string[] = []
  for (const line of output.split('\n')) {
    const text = line.trim()
    if (!text) continue
    const arrow = /^(\S+)\s+=>\s+(.*)$/.exec(text)
    if (arrow) {
      const target = arrow[2]!.trim()
      if (target.startsWith('not found')) missing.push(arrow[1]!)
      else {
        const file = /^(\/\S+)/.exec(target)?.[1]
        if (file) libs.push(file)
      }
      continue
    }
    const direct = /^(\/\S+)\s+\(0x[0-9a-f]+\)$/i.exec(text)
    if (direct) libs.push(direct[1]!)
  }
  return {libs: [...new Set(libs)], missing}
}

/** `name[:tag]` → repo and tag (a registry port is not a tag: `localhost:5000/x`). */
export function splitTag(reference: string): {repo: string; tag: string} {
  const slash = reference.lastIndexOf('/')
  const colon = reference.lastIndexOf(':')
  const [repo, tag] =
    colon > slash ? [reference.slice(0, colon), reference.slice(colon + 1)] : [reference, 'latest']
  if (
    !/^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?::[0-9]+)?(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*$/.test(
      repo,
    )
  )
    throw new DockerMcpError(
      `Invalid image name "${reference}": use lowercase letters, digits, ".", "_", "-" and "/".`,
    )
  if (!/^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/.test(tag))
    throw new DockerMcpError(`Invalid image tag in "${reference}".`)
  return {repo, tag}
}

const CA_TARGET = 'etc/ssl/certs/ca-certificates.crt'

// glibc without nsswitch.conf resolves hosts with "dns [!UNAVAIL=return] files", so a name that DNS
// does not know never reaches /etc/hosts and `--add-host` entries would be ignored.
const NSSWITCH = 'passwd: files\ngroup: files\nhosts: files dns\n'
const PASSWD = 'root:x:0:0:root:/root:/sbin/nologin\nnode:x:1000:1000:node:/home/node:/sbin/nologin\n'
const GROUP = 'root:x:0:\nnode:x:1000:\n'

function normaliseEntry(entry: string, tag: string): string {
  const rel = path.posix.normalize(entry.split(path.sep).join('/')).replace(/^\.\//, '')
  if (!rel || rel.startsWith('../') || rel === '..' || path.posix.isAbsolute(rel))
    throw new DockerMcpError(
      `Cannot build ${tag}: the entry point "${entry}" must be a path inside the app directory.`,
    )
  return rel
}

async function realpathOrFail(file: string, what: string): Promise<string> {
  try {
    return await realpath(file)
  } catch (err) {
    throw new DockerMcpError(`Cannot find ${what} (${file}): ${(err as Error).message}`)
  }
}

const execFileAsync = promisify(execFile)

async function nodeVersionOf(node: string): Promise<string> {
  try {
    return (await execFileAsync(node, ['--version'])).stdout.trim()
  } catch (err) {
    throw new DockerMcpError(`Cannot run ${node} --version: ${(err as Error).message}`)
  }
}

/** The shared libraries (and loader) the node binary needs, each at the path the loader looks for it. */
async function sharedLibraries(node: string): Promise<SourceFile[]> {
  let output: string
  try {
    output = (await execFileAsync('ldd', [node])).stdout
  } catch (err) {
    const e = err as NodeJS.ErrnoException & {stdout?: string; stderr?: string}
    if (e.code === 'ENOENT') throw new DockerMcpError('Cannot build images locally: `ldd` is not installed.')
    // A statically linked binary: ldd says so and exits 1. Nothing to copy.
    if (/not a dynamic executable|statically linked/.test(`${e.stdout ?? ''}${e.stderr ?? ''}`)) return []
    throw new DockerMcpError(
      `Cannot list the shared libraries of ${node} (ldd failed): ${e.stderr || e.message}`,
    )
  }
  const {libs, missing} = parseLdd(output)
  if (missing.length > 0)
    throw new DockerMcpError(
      `Cannot build images locally: ${node} needs ${missing.join(', ')}, which ldd cannot find.`,
    )
  return Promise.all(
    libs.map(async (lib) => ({
      target: lib.slice(1),
      source: await realpathOrFail(lib, `the library ${lib}`),
    })),
  )
}

async function caBundle(option: string | false | undefined): Promise<string | undefined> {
  if (option === false) return undefined
  const file = option ?? DEFAULT_CA_BUNDLE
  try {
    return await realpath(file)
  } catch (err) {
    if (option === undefined) return undefined
    throw new DockerMcpError(`Cannot read the CA bundle ${file}: ${(err as Error).message}`)
  }
}

/** Every file under `appDir`, following symlinks as `tar --dereference` will, sorted. */
async function listAppFiles(appDir: string, tag: string): Promise<AppFile[]> {
  const rootStat = await stat(appDir).catch(() => undefined)
  if (!rootStat?.isDirectory())
    throw new DockerMcpError(`Cannot build ${tag}: the app directory ${appDir} does not exist.`)
  const files: AppFile[] = []
  const walk = async (dir: string, rel: string, ancestors: Set<string>): Promise<void> => {
    const entries = await readdir(dir, {withFileTypes: true})
    // Directories are walked concurrently: a node_modules tree has thousands of files.
    await Promise.all(
      entries.map(async (entry) => {
        const abs = path.join(dir, entry.name)
        const childRel = rel ? `${rel}/${entry.name}` : entry.name
        const info = await stat(abs).catch(() => undefined)
        if (!info) throw new DockerMcpError(`Cannot build ${tag}: ${abs} is a broken symbolic link.`)
        if (info.isDirectory()) {
          const real = entry.isSymbolicLink() ? await realpath(abs) : abs
          if (ancestors.has(real))
            throw new DockerMcpError(`Cannot build ${tag}: ${abs} is a symbolic link loop.`)
          await walk(abs, childRel, entry.isSymbolicLink() ? new Set([...ancestors, real]) : ancestors)
        } else if (info.isFile()) {
          const stamp = `${info.size}:${info.mtimeMs}:${info.ctimeMs}:${info.ino}`
          files.push({rel: childRel, abs, mode: info.mode & 0o7777, stamp})
        }
      }),
    )
  }
  await walk(appDir, '', new Set([await realpath(appDir)]))
  return files.sort((a, b) => (a.rel < b.rel ? -1 : a.rel > b.rel ? 1 : 0))
}

interface DigestCache {
  version: 1
  /** rel → [stamp, sha256]. */
  files: Record<string, [string, string]>
}

/**
 * sha256 of every app file, reusing digests from `cacheDir` for files whose stamp (size, mtime,
 * ctime, inode) is unchanged. ctime cannot be set back by tools that preserve mtimes (cp -p, tar), so
 * a stale digest would need a changed file with an unchanged ctime.
 */
async function digestFiles(
  files: AppFile[],
  cacheDir: string | undefined,
  appDir: string,
): Promise<string[]> {
  const cacheFile = cacheDir
    ? path.join(
        cacheDir,
        `${createHash('sha256')
          .update(await realpath(appDir))
          .digest('hex')
          .slice(0, 32)}.json`,
      )
    : undefined
  let cache: DigestCache = {version: 1, files: {}}
  if (cacheFile) {
    try {
      const parsed = JSON.parse(await readFile(cacheFile, 'utf8')) as DigestCache
      if (parsed.version === 1 && parsed.files) cache = parsed
    } catch {
      // No cache yet, or unreadable: hash everything.
    }
  }
  let misses = 0
  const digests = new Array<string>(files.length)
  let next = 0
  const worker = async () => {
    while (next < files.length) {
      const index = next++
      const file = files[index]!
      const cached = cache.files[file.rel]
      if (cached && cached[0] === file.stamp) {
        digests[index] = cached[1]
        continue
      }
      misses++
      digests[index] = createHash('sha256')
        .update(await readFile(file.abs))
        .digest('hex')
    }
  }
  await Promise.all(Array.from({length: 8}, worker))
  if (cacheFile && (misses > 0 || Object.keys(cache.files).length !== files.length)) {
    const fresh: DigestCache = {version: 1, files: {}}
    files.forEach((file, i) => (fresh.files[file.rel] = [file.stamp, digests[i]!]))
    // 0600 in 0700 directories, as every file under ~/.docker/mcp.
    await writeFileAtomic(cacheFile, JSON.stringify(fresh), {mode: 0o600, dirMode: 0o700}).catch(
      () => undefined,
    )
  }
  return digests
}

/**
 * Hash of everything that ends up in the image. App files are hashed by content; the node binary and
 * system libraries (100 MB and more, owned by the package manager) by path, size and mtime, which
 * change whenever they are upgraded, so that a cache hit costs milliseconds.
 */
async function hashInputs(inputs: {
  config: unknown
  nodeVersion: string
  systemFiles: SourceFile[]
  appFiles: AppFile[]
  digests: string[]
}): Promise<string> {
  const hash = createHash('sha256')
  hash.update(`layout ${LAYOUT_VERSION}\n${JSON.stringify(inputs.config)}\nnode ${inputs.nodeVersion}\n`)
  for (const file of inputs.systemFiles) {
    const info = await stat(file.source)
    hash.update(`sys ${file.target} ${file.source} ${info.size} ${info.mtimeMs} ${info.mode & 0o7777}\n`)
  }
  inputs.appFiles.forEach((file, i) => {
    hash.update(`app ${file.rel} ${(file.mode & 0o111) !== 0 ? 'x' : '-'} ${inputs.digests[i]}\n`)
  })
  return hash.digest('hex')
}

async function inspectImage(docker: Dockerode, tag: string): Promise<Dockerode.ImageInspectInfo | undefined> {
  try {
    return await docker.getImage(tag).inspect()
  } catch (err) {
    if ((err as {statusCode?: number}).statusCode === 404) return undefined
    throw new DockerMcpError(`Cannot inspect image ${tag}: ${engineMessage(err)}`, {cause: err})
  }
}

/**
 * Lay out the root filesystem as symlinks to the host files (plus the few generated ones), so that
 * `tar --dereference` copies the real files without a 100 MB copy to a temp dir first.
 */
async function stageRootfs(
  rootfs: string,
  inputs: {systemFiles: SourceFile[]; appDir: string},
): Promise<void> {
  const dir = async (rel: string, mode: number) => {
    const p = path.join(rootfs, rel)
    await mkdir(p, {recursive: true})
    // chmod explicitly: mkdir's mode is filtered by the umask, and /tmp needs its sticky bit.
    await chmod(p, mode)
  }
  await dir('.', 0o755)
  for (const d of ['etc', 'usr/bin', 'root']) await dir(d, d === 'root' ? 0o700 : 0o755)
  await dir('tmp', 0o1777)
  // Everything in the archive belongs to root (--owner=0), so the node user's home is world-writable
  // with the sticky bit, like /tmp, rather than owned by uid 1000.
  await dir('home/node', 0o1777)
  const file = async (rel: string, content: string) => {
    await writeFile(path.join(rootfs, rel), content)
    await chmod(path.join(rootfs, rel), 0o644)
  }
  await file('etc/passwd', PASSWD)
  await file('etc/group', GROUP)
  await file('etc/nsswitch.conf', NSSWITCH)
  for (const f of inputs.systemFiles) {
    const link = path.join(rootfs, f.target)
    await mkdir(path.dirname(link), {recursive: true})
    await symlink(f.source, link)
  }
  await symlink(path.resolve(inputs.appDir), path.join(rootfs, 'app'))
}

/** Stream the root filesystem through `tar` into the engine's image import; resolves to the image ID. */
async function importRootfs(
  docker: Dockerode,
  rootfs: string,
  options: {repo: string; tag: string; changes: string[]; image: string},
): Promise<string> {
  // --mode=a+rX: the server runs as an unprivileged user, so everything must be readable (and every
  // directory searchable) whatever the host modes were: a mkdtemp'd app dir is 0700. It only adds
  // bits, so /tmp keeps its 1777.
  const tar = spawn(
    'tar',
    [
      '--create',
      '--file=-',
      '--dereference',
      '--numeric-owner',
      '--owner=0',
      '--group=0',
      '--mode=a+rX',
      '--sort=name',
      '-C',
      rootfs,
      '.',
    ],
    {stdio: ['ignore', 'pipe', 'pipe']},
  )
  let tarError = ''
  tar.stderr.setEncoding('utf8').on('data', (d: string) => (tarError += d))
  const tarDone = new Promise<void>((resolve, reject) => {
    tar.on('error', (err) =>
      reject(
        new DockerMcpError(
          (err as NodeJS.ErrnoException).code === 'ENOENT'
            ? 'Cannot build images locally: GNU tar is not installed.'
            : `Cannot run tar: ${err.message}`,
        ),
      ),
    )
    tar.on('close', (code) =>
      code === 0
        ? resolve()
        : reject(
            new DockerMcpError(`Cannot build ${options.image}: tar exited with ${code}: ${tarError.trim()}`),
          ),
    )
  })
  // The engine must not see the end of the archive before tar has succeeded, or a truncated archive
  // could become an image: the body ends only once tar's exit status is known.
  const body = new PassThrough()
  tar.stdout.pipe(body, {end: false})
  // 'close' comes after tar's stdout has ended, so every byte has been handed to the body by then.
  tarDone.then(
    () => body.end(),
    (err: Error) => body.destroy(err),
  )

  let response: Readable
  try {
    response = (await docker.importImage(body, {
      repo: options.repo,
      tag: options.tag,
      changes: options.changes,
      message: 'docker-mcp local image builder',
    })) as Readable
  } catch (err) {
    tar.kill()
    await tarDone.catch(() => undefined)
    throw new DockerMcpError(`Cannot import ${options.image} into the engine: ${engineMessage(err)}`, {
      cause: err,
    })
  }
  const [result, tarResult] = await Promise.allSettled([readImportResponse(response, options.image), tarDone])
  if (tarResult.status === 'rejected') {
    if (result.status === 'fulfilled') await removeIfDangling(docker, result.value)
    throw tarResult.reason
  }
  if (result.status === 'rejected') throw result.reason
  return result.value
}

/** The import answers with a JSON stream: progress, then `{"status":"sha256:…"}`, or `{"error":…}`. */
async function readImportResponse(response: Readable, image: string): Promise<string> {
  let text = ''
  for await (const chunk of response) text += chunk.toString()
  let id: string | undefined
  for (const line of text.split(/\r?\n/)) {
    if (!line.trim()) continue
    let event: {status?: string; error?: string; errorDetail?: {message?: string}}
    try {
      event = JSON.parse(line) as typeof event
    } catch {
      continue
    }
    if (event.error || event.errorDetail)
      throw new DockerMcpError(
        `The engine refused to import ${image}: ${event.errorDetail?.message ?? event.error}`,
      )
    const match = /sha256:[0-9a-f]{64}/.exec(event.status ?? '')
    if (match) id = match[0]
  }
  if (!id)
    throw new DockerMcpError(`The engine did not report an image ID when importing ${image}: ${text.trim()}`)
  return id
}

/** Remove an image we replaced, unless something still uses it (another tag, a container). */
async function removeIfDangling(docker: Dockerode, id: string): Promise<void> {
  try {
    const info = await docker.getImage(id).inspect()
    if ((info.RepoTags ?? []).filter((t) => t !== '<none>:<none>').length > 0) return
    await docker.getImage(id).remove({noprune: false})
  } catch {
    // In use by a container, already gone: leaving an untagged image behind is harmless.
  }
}

function engineMessage(err: unknown): string {
  const e = err as {json?: {message?: string}; message?: string}
  return e?.json?.message ?? e?.message ?? String(err)
}
