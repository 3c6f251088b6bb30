/**
 * Which Docker engine to talk to, decided the way the user's `docker` CLI decides it (docker/cli
 * `cli/command/cli.go`: `resolveContextName`, `getServerHost`; `opts/hosts.go`: `ParseHost`), so that
 * `docker mcp` and `docker ps` always see the same containers.
 *
 * The decision is the pure `resolveEngine`; `createDocker` only reads the files it needs and builds a
 * dockerode client from the result.
 */
import {createHash} from 'node:crypto'
import {existsSync, readFileSync} from 'node:fs'
import type https from 'node:https'
import {Module} from 'node:module'
import path from 'node:path'

import type Dockerode from 'dockerode'

import {DockerMcpError, FileFormatError} from '../errors.js'
import type {McpPaths} from '../paths.js'
import {lateHttp, lateHttps} from '../late-builtins.js'
import {lazyRequire} from '../lazy-require.js'

/** Where the engine listens. */
export type EngineEndpoint =
  | {kind: 'unix'; socketPath: string}
  | {kind: 'npipe'; socketPath: string}
  | {kind: 'tcp'; host: string; port: number}
  | {kind: 'ssh'; host: string; port: number; username?: string}

/** A TLS file, and whether the user named it (a named file that is missing is an error; a default is skipped). */
export interface TlsFile {
  path: string
  explicit: boolean
}

export interface EngineTls {
  /** Verify the engine's certificate chain and host name (`--tlsverify`); false for `--tls` or `SkipTLSVerify`. */
  verify: boolean
  ca?: TlsFile
  cert?: TlsFile
  key?: TlsFile
}

/** The resolved engine: what to connect to and how. */
export interface EngineTarget {
  /** Why this engine: `DOCKER_HOST`, a docker context, or docker's built-in default. */
  source: 'DOCKER_HOST' | 'context' | 'default'
  /** The docker context in effect (`default` unless a named context was used). */
  context: string
  /** The engine address as docker prints it (`unix:///var/run/docker.sock`), for messages. */
  host: string
  endpoint: EngineEndpoint
  /** TLS for tcp endpoints; absent means plain HTTP (or a socket). */
  tls?: EngineTls
  /** ssh endpoints: the agent socket (`SSH_AUTH_SOCK`) to authenticate with. */
  sshAgent?: string
}

/** What `resolveEngine` needs to know about a named context: its meta.json and the TLS files present. */
export interface ContextInfo {
  /** Parsed `contexts/meta/<sha256(name)>/meta.json`. */
  meta: unknown
  /** TLS files stored for the context's docker endpoint (`contexts/tls/<sha256(name)>/docker/*.pem`) that exist. */
  tlsFiles: {ca?: string; cert?: string; key?: string}
}

/** Looks a context up by name; undefined when the context store has no such context. */
export type ContextLookup = (name: string) => ContextInfo | undefined

export interface ResolveOptions {
  /** Docker's config directory: the default `DOCKER_CERT_PATH`. */
  dockerConfigDir: string
  /** `process.platform`: the default engine is a named pipe on Windows. */
  platform?: NodeJS.Platform
}

export const DEFAULT_UNIX_SOCKET = '/var/run/docker.sock'
export const DEFAULT_NAMED_PIPE = '//./pipe/docker_engine'
const DEFAULT_CONTEXT = 'default'

/**
 * Pick the engine the docker CLI would use. Order, as docker/cli: `DOCKER_HOST` (which forces the
 * default context), then `DOCKER_CONTEXT`, then `currentContext` from config.json, then the default
 * socket. `--context`, `-H` and the TLS flags arrive here as environment variables (see
 * `dockerOptionsToEnv` in src/plugin/argv.ts). Throws a `DockerMcpError` for an unknown context or an
 * address docker would reject.
 */
export function resolveEngine(
  env: NodeJS.ProcessEnv,
  configJson: unknown,
  contextMeta: ContextLookup,
  options: ResolveOptions,
): EngineTarget {
  const target = resolveTarget(env, configJson, contextMeta, options)
  if (target.endpoint.kind === 'ssh' && env.SSH_AUTH_SOCK) target.sshAgent = env.SSH_AUTH_SOCK
  return target
}

function resolveTarget(
  env: NodeJS.ProcessEnv,
  configJson: unknown,
  contextMeta: ContextLookup,
  options: ResolveOptions,
): EngineTarget {
  const platform = options.platform ?? process.platform
  const dockerHost = env.DOCKER_HOST?.trim()
  const currentContext = stringField(configJson, 'currentContext')
  let name = DEFAULT_CONTEXT
  let from = ''
  if (!dockerHost) {
    if (env.DOCKER_CONTEXT) [name, from] = [env.DOCKER_CONTEXT, 'DOCKER_CONTEXT (or --context)']
    else if (currentContext) [name, from] = [currentContext, 'currentContext in config.json']
  }
  if (name !== DEFAULT_CONTEXT) return resolveNamedContext(name, from, contextMeta, platform)

  // The default context: DOCKER_HOST or the built-in default, with TLS from flags and environment.
  // docker/cli treats any non-empty DOCKER_TLS_VERIFY (even "0") as on; so do we.
  const verify = Boolean(env.DOCKER_TLS_VERIFY)
  const useTls = verify || Boolean(env.DOCKER_TLS) || Boolean(env.DOCKER_MCP_TLS)
  const endpoint = parseEngineHost(dockerHost ?? '', {defaultToTls: useTls, platform, origin: 'DOCKER_HOST'})
  const target: EngineTarget = {
    source: dockerHost ? 'DOCKER_HOST' : 'default',
    context: DEFAULT_CONTEXT,
    host: formatEndpoint(endpoint),
    endpoint,
  }
  if (useTls && endpoint.kind === 'tcp') {
    const certPath = env.DOCKER_CERT_PATH || options.dockerConfigDir
    const file = (explicit: string | undefined, fallback: string): TlsFile =>
      explicit ? {path: explicit, explicit: true} : {path: path.join(certPath, fallback), explicit: false}
    target.tls = {
      verify,
      ca: file(env.DOCKER_MCP_TLSCACERT, 'ca.pem'),
      cert: file(env.DOCKER_MCP_TLSCERT, 'cert.pem'),
      key: file(env.DOCKER_MCP_TLSKEY, 'key.pem'),
    }
  }
  return target
}

function resolveNamedContext(
  name: string,
  from: string,
  contextMeta: ContextLookup,
  platform: NodeJS.Platform,
): EngineTarget {
  const info = contextMeta(name)
  if (!info) {
    throw new DockerMcpError(`Docker context "${name}" (from ${from}) does not exist.`, {
      suggestions: [
        'Run "docker context ls" to list contexts',
        'Run "docker context use default" to go back to the local engine',
      ],
    })
  }
  const docker = objectField(objectField(info.meta, 'Endpoints'), 'docker')
  const host = stringField(docker, 'Host')
  if (!host) {
    throw new DockerMcpError(
      `Docker context "${name}" has no Docker endpoint (Endpoints.docker.Host is empty).`,
      {
        suggestions: [`Run "docker context inspect ${name}" to check it`],
      },
    )
  }
  const endpoint = parseEngineHost(host, {defaultToTls: false, platform, origin: `context "${name}"`})
  const target: EngineTarget = {source: 'context', context: name, host: formatEndpoint(endpoint), endpoint}
  // As docker/cli's context endpoint: TLS when the store holds TLS material or the endpoint skips
  // verification; otherwise plain HTTP.
  const skipVerify = docker?.SkipTLSVerify === true
  const {ca, cert, key} = info.tlsFiles
  if (endpoint.kind === 'tcp' && (skipVerify || ca || cert || key)) {
    const file = (p: string | undefined): TlsFile | undefined => (p ? {path: p, explicit: false} : undefined)
    target.tls = {verify: !skipVerify}
    if (ca) target.tls.ca = file(ca)
    if (cert) target.tls.cert = file(cert)
    if (key) target.tls.key = file(key)
  }
  return target
}

/**
 * Parse an engine address like docker/cli's `ParseHost`: `unix://`, `npipe://`, `tcp://` (a bare
 * `host:port` is tcp), `ssh://`. An empty address means the platform default (tcp://localhost:2376
 * when TLS is on). Missing tcp ports default to 2375, as docker does even with TLS.
 */
export function parseEngineHost(
  value: string,
  options: {defaultToTls: boolean; platform: NodeJS.Platform; origin: string},
): EngineEndpoint {
  const raw = value.trim()
  if (!raw) {
    if (options.defaultToTls) return {kind: 'tcp', host: 'localhost', port: 2376}
    return options.platform === 'win32'
      ? {kind: 'npipe', socketPath: DEFAULT_NAMED_PIPE}
      : {kind: 'unix', socketPath: DEFAULT_UNIX_SOCKET}
  }
  const invalid = (why: string) =>
    new DockerMcpError(`Invalid Docker engine address "${raw}" (from ${options.origin}): ${why}.`, {
      suggestions: [
        'Use unix:///path/to/docker.sock, tcp://host:port, npipe:////./pipe/name or ssh://user@host',
      ],
    })
  const sep = raw.indexOf('://')
  const scheme = sep < 0 ? 'tcp' : raw.slice(0, sep).toLowerCase()
  const rest = sep < 0 ? raw : raw.slice(sep + 3)
  switch (scheme) {
    case 'unix':
      return {kind: 'unix', socketPath: rest || DEFAULT_UNIX_SOCKET}
    case 'npipe':
      return {kind: 'npipe', socketPath: rest || DEFAULT_NAMED_PIPE}
    case 'tcp': {
      let url: URL
      try {
        url = new URL(`tcp://${rest}`)
      } catch {
        throw invalid('not a host:port')
      }
      const port = url.port ? Number(url.port) : 2375
      return {kind: 'tcp', host: unbracket(url.hostname) || 'localhost', port}
    }
    case 'ssh': {
      let url: URL
      try {
        url = new URL(raw)
      } catch {
        throw invalid('not an ssh://[user@]host[:port] address')
      }
      if (!url.hostname) throw invalid('no host name')
      const endpoint: EngineEndpoint = {
        kind: 'ssh',
        host: unbracket(url.hostname),
        port: Number(url.port || 22),
      }
      if (url.username) endpoint.username = decodeURIComponent(url.username)
      return endpoint
    }
    case 'fd':
      throw invalid('fd:// is for the daemon, a client cannot connect to it')
    default:
      throw invalid(`unsupported scheme "${scheme}://"`)
  }
}

/** The address as docker prints it. */
export function formatEndpoint(endpoint: EngineEndpoint): string {
  switch (endpoint.kind) {
    case 'unix':
      return `unix://${endpoint.socketPath}`
    case 'npipe':
      return `npipe://${endpoint.socketPath}`
    case 'tcp':
      return `tcp://${bracket(endpoint.host)}:${endpoint.port}`
    case 'ssh':
      return `ssh://${endpoint.username ? `${endpoint.username}@` : ''}${bracket(endpoint.host)}:${endpoint.port}`
  }
}

/** Where docker's context store keeps a context: directories are named by the sha256 of its name. */
export function contextStorePaths(contextsDir: string, name: string): {metaFile: string; tlsDir: string} {
  const id = createHash('sha256').update(name).digest('hex')
  return {
    metaFile: path.join(contextsDir, 'meta', id, 'meta.json'),
    tlsDir: path.join(contextsDir, 'tls', id, 'docker'),
  }
}

/** A `ContextLookup` over docker's context store on disk. */
export function readContextStore(contextsDir: string): ContextLookup {
  return (name) => {
    const {metaFile, tlsDir} = contextStorePaths(contextsDir, name)
    const meta = readJson(metaFile)
    if (meta === undefined) return undefined
    const present = (file: string) => {
      const p = path.join(tlsDir, file)
      return existsSync(p) ? p : undefined
    }
    const tlsFiles: ContextInfo['tlsFiles'] = {}
    const [ca, cert, key] = [present('ca.pem'), present('cert.pem'), present('key.pem')]
    if (ca) tlsFiles.ca = ca
    if (cert) tlsFiles.cert = cert
    if (key) tlsFiles.key = key
    return {meta, tlsFiles}
  }
}

/** Resolve the engine from the user's environment and docker config directory (reads config.json and the context store). */
export function resolveEngineFromDisk(env: NodeJS.ProcessEnv, paths: McpPaths): EngineTarget {
  return resolveEngine(env, readJson(paths.dockerConfigFile), readContextStore(paths.dockerContextsDir), {
    dockerConfigDir: paths.dockerConfigDir,
  })
}

const targets = new WeakMap<Dockerode, EngineTarget>()

/**
 * A dockerode client for the engine the user's docker CLI would use. Does not connect: call
 * `pingDocker` to find out whether the engine answers.
 */
export function createDocker(env: NodeJS.ProcessEnv, paths: McpPaths): Dockerode {
  return dockerFor(resolveEngineFromDisk(env, paths))
}

/** A dockerode client for a resolved target (reads its TLS files). */
export function dockerFor(target: EngineTarget): Dockerode {
  // Every connection key is set, even to undefined: docker-modem merges its own guesses from
  // process.env underneath these options, and an absent key would let them through.
  const options: Dockerode.DockerOptions & {agent?: https.Agent; pathPrefix?: string} = {
    socketPath: undefined,
    host: undefined,
    port: undefined,
    protocol: undefined,
    ca: undefined,
    cert: undefined,
    key: undefined,
  }
  const {endpoint} = target
  switch (endpoint.kind) {
    case 'unix':
    case 'npipe':
      options.socketPath = endpoint.socketPath
      break
    case 'tcp':
      Object.assign(options, {
        host: endpoint.host,
        port: endpoint.port,
        protocol: target.tls ? 'https' : 'http',
      })
      if (target.tls) {
        options.ca = readTlsFile(target, target.tls.ca, 'CA certificate')
        options.cert = readTlsFile(target, target.tls.cert, 'client certificate')
        options.key = readTlsFile(target, target.tls.key, 'client key')
        // `--tls` without `--tlsverify` (or a context with SkipTLSVerify): encrypt, trust any certificate.
        // docker-modem has no option for it; an agent's options take precedence over the request's.
        if (!target.tls.verify) options.agent = new (lateHttps().Agent)({rejectUnauthorized: false})
      }
      break
    case 'ssh':
      Object.assign(options, {
        host: endpoint.host,
        port: endpoint.port,
        protocol: 'ssh',
        username: endpoint.username,
        sshOptions: {agent: target.sshAgent},
      })
      break
  }
  // docker-modem also parses process.env.DOCKER_HOST (and reads DOCKER_CERT_PATH files, throwing when
  // they are missing) while it is constructed. We already decided, from the env we were handed.
  const saved = process.env.DOCKER_HOST
  delete process.env.DOCKER_HOST
  let docker: Dockerode
  try {
    docker = new (loadDockerode())(options)
  } finally {
    if (saved !== undefined) process.env.DOCKER_HOST = saved
  }
  targets.set(docker, target)
  return docker
}

/**
 * A client of the same engine that opens a new connection for every request: to ask "is the engine
 * there?". An engine shutting down closes its listener first and still answers on connections it had
 * open, so a ping over a kept-alive connection would say yes to an engine that is going away.
 */
export function freshConnectionClient(docker: Dockerode): Dockerode {
  const target = targets.get(docker)
  if (!target) return docker
  const fresh = dockerFor(target)
  const modem = fresh.modem as {agent?: unknown}
  if (target.endpoint.kind === 'unix' || target.endpoint.kind === 'npipe' || target.endpoint.kind === 'tcp')
    modem.agent ??= target.tls
      ? new (lateHttps().Agent)({keepAlive: false, rejectUnauthorized: target.tls.verify})
      : new (lateHttp().Agent)({keepAlive: false})
  return fresh
}

/** The target a client from `createDocker`/`dockerFor` talks to. */
export function engineTarget(docker: Dockerode): EngineTarget | undefined {
  return targets.get(docker)
}

/**
 * Check that the engine answers `GET /_ping` within `timeoutMs`. Throws a `DockerMcpError` naming the
 * address otherwise, so "is Docker running?" is the first thing a user reads, not a socket error.
 */
export async function pingDocker(docker: Dockerode, options: {timeoutMs?: number} = {}): Promise<void> {
  const target = targets.get(docker)
  const host = target?.host ?? describeModem(docker)
  const controller = new AbortController()
  const timer = setTimeout(() => controller.abort(), options.timeoutMs ?? 10_000)
  try {
    // @types/dockerode omits ping's options; dockerode passes abortSignal through to the request.
    await (docker as unknown as {ping(opts: {abortSignal: AbortSignal}): Promise<unknown>}).ping({
      abortSignal: controller.signal,
    })
  } catch (err) {
    const why = controller.signal.aborted
      ? `no answer within ${options.timeoutMs ?? 10_000}ms`
      : errorText(err)
    const suggestions = ['Start Docker (Docker Desktop, or "sudo systemctl start docker")']
    if (target?.source === 'context')
      suggestions.push(
        `Check the "${target.context}" context with "docker context inspect ${target.context}"`,
      )
    if (target?.source === 'DOCKER_HOST') suggestions.push('Check the DOCKER_HOST environment variable')
    throw new DockerMcpError(`Cannot connect to the Docker engine at ${host}. Is dockerd running? (${why})`, {
      cause: err,
      suggestions,
    })
  } finally {
    clearTimeout(timer)
  }
}

function readTlsFile(target: EngineTarget, file: TlsFile | undefined, what: string): Buffer | undefined {
  if (!file) return undefined
  try {
    return readFileSync(file.path)
  } catch (err) {
    // docker/cli quietly drops default TLS files that do not exist; a file the user named must exist.
    if (!file.explicit && (err as NodeJS.ErrnoException).code === 'ENOENT') return undefined
    throw new DockerMcpError(
      `Cannot read the TLS ${what} ${file.path} for ${target.host}: ${errorText(err)}`,
      {
        suggestions: ['Check --tlscacert/--tlscert/--tlskey and DOCKER_CERT_PATH'],
      },
    )
  }
}

function readJson(file: string): unknown {
  let text: string
  try {
    text = readFileSync(file, 'utf8')
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT' || (err as NodeJS.ErrnoException).code === 'ENOTDIR')
      return undefined
    throw new DockerMcpError(`Cannot read ${file}: ${errorText(err)}`)
  }
  if (!text.trim()) return undefined
  try {
    return JSON.parse(text) as unknown
  } catch (err) {
    throw new FileFormatError(file, `invalid JSON: ${errorText(err)}`)
  }
}

function objectField(value: unknown, key: string): Record<string, unknown> | undefined {
  if (!value || typeof value !== 'object') return undefined
  const field = (value as Record<string, unknown>)[key]
  return field && typeof field === 'object' ? (field as Record<string, unknown>) : undefined
}

function stringField(value: unknown, key: string): string | undefined {
  if (!value || typeof value !== 'object') return undefined
  const field = (value as Record<string, unknown>)[key]
  return typeof field === 'string' && field ? field : undefined
}

const unbracket = (host: string) => (host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host)
const bracket = (host: string) => (host.includes(':') ? `[${host}]` : host)

function describeModem(docker: Dockerode): string {
  const modem = docker.modem as {socketPath?: unknown; host?: string; port?: number; protocol?: string}
  if (typeof modem.socketPath === 'string')
    return `${modem.socketPath.startsWith('//./pipe/') ? 'npipe' : 'unix'}://${modem.socketPath}`
  return modem.host
    ? `${modem.protocol ?? 'http'}://${modem.host}:${modem.port ?? ''}`
    : 'the default address'
}

function errorText(err: unknown): string {
  if (err instanceof Error) {
    const code = (err as NodeJS.ErrnoException).code
    return code && !err.message.includes(code) ? `${code}: ${err.message}` : err.message
  }
  return String(err)
}

let dockerodeClass: typeof Dockerode | undefined

/**
 * dockerode without its BuildKit session module, which loads gRPC and protobuf (half of dockerode's
 * files, ~10 MiB of the gateway's memory) for `buildImage({version: '2'})`, a call we never make.
 */
function loadDockerode(): typeof Dockerode {
  if (dockerodeClass) return dockerodeClass
  const require = lazyRequire
  const sessionFile = require.resolve('dockerode/lib/session.js')
  if (!require.cache[sessionFile]) {
    const stub = new Module(sessionFile)
    stub.filename = sessionFile
    stub.loaded = true
    stub.exports = (_docker: unknown, _auth: unknown, callback: (err: Error) => void) =>
      callback(new Error('BuildKit sessions are not supported by docker-mcp'))
    require.cache[sessionFile] = stub
  }
  dockerodeClass = require('dockerode') as typeof Dockerode
  return dockerodeClass
}
