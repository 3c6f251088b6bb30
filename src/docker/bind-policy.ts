/**
 * Host protection: which volumes a catalog entry may mount and which user it may run as. A catalog entry
 * is third-party data: without this, `volumes: ["/var/run/docker.sock:/var/run/docker.sock", "/:/host"]`
 * and `user: "0"` hand the host to whoever wrote the catalog. The decision is pure (the file system is
 * reached only through the `resolve` hook), table-tested, and applied before every container start
 * (src/gateway/containers.ts) and shown by `server inspect`, `server add` and `doctor`.
 *
 * Rules, after the original's v0.43.1 (`pkg/docker` bind checks), with the differences marked:
 * - Named and anonymous volumes are allowed: they hold nothing of the host.
 * - A host path is normalised (`..` removed) and its symlinks resolved (the real path of the part that
 *   exists), and both the written path and the resolved one are checked, so `/tmp/link -> /etc` is caught.
 * - Refused always: the Docker socket (wherever the engine's socket resolves), system directories (`/`,
 *   `/etc`, `/root`, `/proc`, `/sys`, `/dev`, `/run`, `/var/run`, `/boot`, `/var/lib/docker`, ...), any path
 *   with a credential directory or file among its components (`.ssh`, `.aws`, `.docker`, `.kube`, `.gnupg`,
 *   `.config`, keychains, `id_rsa`, `.netrc`, ...), and (not in the original) any *parent* of those: the home
 *   directory and `/var` contain `.ssh` and the Docker socket, and mounting a parent mounts its children.
 *   A unix socket stays connectable through a read-only mount, so `:ro` is no defence for the socket.
 * - `MCP_GATEWAY_DOCKER_BIND_ALLOWED_PATHS` set: host paths must be under one of its paths or a temp dir.
 *   Unset (a difference: the original then allows only the temp dirs): any path not refused above is
 *   allowed, read-only, so the servers whose catalog mounts a path the user configured keep working.
 * - Host binds are read-only unless under a path of `MCP_GATEWAY_DOCKER_BIND_ALLOW_WRITABLE_PATHS` (a
 *   difference: the original wants the exact path; "under" lets a user allow a workspace once). A writable
 *   path is also an allowed one.
 * - A root user (`0`, `root`, `0:0`, `root:…`) only with the gateway's opt-in.
 */
import path from 'node:path'

import {DockerMcpError} from '../errors.js'

/** What the policy knows about the host and the user's choices. */
export interface BindPolicy {
  /** `MCP_GATEWAY_DOCKER_BIND_ALLOWED_PATHS`, or undefined when not set. */
  allowedPaths?: readonly string[] | undefined
  /** `MCP_GATEWAY_DOCKER_BIND_ALLOW_WRITABLE_PATHS`. */
  writablePaths: readonly string[]
  /** Temp directories, always allowed (`/tmp`, `/var/tmp`, the OS temp dir). */
  tempDirs: readonly string[]
  /** Paths of the Docker engine's socket (the configured one and the usual ones). */
  dockerSockets: readonly string[]
  /** The user's home directory: it and its parents are refused (they contain `.ssh`, `.docker`...). */
  home?: string | undefined
  /** Run as root allowed (`--allow-root-containers`). */
  allowRoot: boolean
  /**
   * Real path of a normalised absolute path: symlinks of the part that exists resolved, the rest appended.
   * Identity when the host file system cannot be seen (the gateway running in a container).
   */
  resolve: (absolute: string) => string
}

/** A volume as Docker reads `Binds`: `source:target[:options]`, or a bare target (anonymous volume). */
export interface ParsedVolume {
  kind: 'bind' | 'volume' | 'anonymous' | 'invalid'
  source: string
  target: string
  options: string[]
}

/** Why a volume or user is refused; `rule` is a short stable name shown in errors and `--json`. */
export interface Refusal {
  rule: string
  detail: string
  /** How the user can allow it, when they can. */
  allow: string
}

export type VolumeVerdict =
  | {ok: true; volume: string; bind: string; readOnly: boolean; resolved?: string}
  | ({ok: false; volume: string} & Refusal)

/** System paths never mounted. Compared on path components, after normalisation and symlink resolution. */
export const SYSTEM_PATHS = [
  '/',
  '/etc',
  '/root',
  '/proc',
  '/sys',
  '/dev',
  '/run',
  '/var/run',
  '/boot',
  '/var/lib/docker',
  '/var/lib/containerd',
  '/lib/modules',
  '/usr/lib/modules',
  // macOS: /etc and /var are links into /private.
  '/private/etc',
  '/private/var/run',
  '/private/var/root',
  '/Library/Keychains',
  '/System',
] as const

/** The engine's usual sockets, refused wherever the configured one lives. */
export const DOCKER_SOCKETS = ['/var/run/docker.sock', '/run/docker.sock'] as const

/** A path component that marks a credential store, anywhere in the path. */
const CREDENTIAL_NAMES = new Set([
  '.ssh',
  '.aws',
  '.azure',
  '.docker',
  '.kube',
  '.gnupg',
  '.config',
  '.password-store',
  '.netrc',
  '.npmrc',
  '.pypirc',
  '.git-credentials',
  '.vault-token',
  '.terraform.d',
  '.gcloud',
  '.oci',
  'id_rsa',
  'id_dsa',
  'id_ecdsa',
  'id_ed25519',
  'keychains',
  'keyrings',
])

/** Paths where `:ro`/`:rw` may be combined with other bind options. */
const MODE_OPTIONS = new Set(['ro', 'rw'])
/** Docker's named-volume names. */
const VOLUME_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/

/** Split a `Binds` entry. A Windows drive (`C:\x`) is not understood and reads as invalid. */
export function parseVolume(spec: string): ParsedVolume {
  const parts = spec.split(':')
  if (parts.length === 1) {
    return spec.startsWith('/')
      ? {kind: 'anonymous', source: '', target: spec, options: []}
      : {kind: 'invalid', source: spec, target: '', options: []}
  }
  const [source, target = '', rest] = parts
  const options = parts.length > 2 ? (rest ?? '').split(',').filter(Boolean) : []
  if (parts.length > 3 || !target.startsWith('/')) return {kind: 'invalid', source: source!, target, options}
  if (source!.startsWith('/')) return {kind: 'bind', source: source!, target, options}
  if (VOLUME_NAME.test(source!)) return {kind: 'volume', source: source!, target, options}
  return {kind: 'invalid', source: source!, target, options}
}

/** Is `child` equal to or below `parent` (both normalised absolute paths)? */
export function isUnder(child: string, parent: string): boolean {
  if (parent === '/') return true
  return child === parent || child.startsWith(`${parent}/`)
}

/** Split a path list as the original does: the OS path separator or commas; empty items dropped. */
export function parsePathList(value: string | undefined, delimiter = path.delimiter): string[] | undefined {
  if (value === undefined || value.trim() === '') return undefined
  return value
    .split(delimiter)
    .flatMap((p) => p.split(','))
    .map((p) => p.trim())
    .filter(Boolean)
    .map((p) => path.posix.resolve(p))
}

function credentialComponent(p: string): string | undefined {
  const parts = p.split('/').filter(Boolean)
  for (let i = 0; i < parts.length; i++) {
    const name = parts[i]!
    if (CREDENTIAL_NAMES.has(name.toLowerCase())) return parts.slice(0, i + 1).join('/')
    // Keychains and keyrings are refused under their usual parents only (`Library/Keychains` on macOS,
    // `.local/share/keyrings` on Linux), by the names above.
  }
  return undefined
}

/** The first rule that refuses this real host path, if any. */
function refusedPath(p: string, policy: BindPolicy): Refusal | undefined {
  const never =
    'this path is never mounted: copy the files the server needs into a directory of their own and mount that'
  if (p === '/') return {rule: 'system-path', detail: '/ is the whole host', allow: never}
  if (policy.home && policy.home !== '/' && isUnder(policy.home, p))
    return {
      rule: 'home-directory',
      detail: `it contains the home directory ${policy.home} (and its .ssh, .docker, .aws...)`,
      allow: 'mount a project directory below the home directory instead',
    }
  const sockets = [...new Set([...DOCKER_SOCKETS, ...policy.dockerSockets])]
  for (const socket of sockets) {
    if (p === socket || isUnder(socket, p))
      return {
        rule: 'docker-socket',
        detail:
          p === socket
            ? 'the Docker socket gives full control of the host'
            : `it contains the Docker socket ${socket}`,
        allow: never,
      }
  }
  for (const system of SYSTEM_PATHS) {
    if (system === '/') continue
    if (isUnder(p, system))
      return {rule: 'system-path', detail: `${system} is a system directory`, allow: never}
    if (isUnder(system, p))
      return {rule: 'system-path', detail: `it contains the system directory ${system}`, allow: never}
  }
  const credential = credentialComponent(p)
  if (credential)
    return {rule: 'credentials', detail: `"${credential.split('/').pop()}" holds credentials`, allow: never}
  return undefined
}

/**
 * Check one volume of a server. Allowed host binds come back rewritten: the resolved real path as source
 * (so a symlink swapped after the check is not followed by the engine) and read-only unless writable.
 */
export function checkVolume(volume: string, policy: BindPolicy): VolumeVerdict {
  const parsed = parseVolume(volume)
  if (parsed.kind === 'volume' || parsed.kind === 'anonymous')
    return {ok: true, volume, bind: volume, readOnly: parsed.options.includes('ro')}
  if (parsed.kind === 'invalid')
    return {
      ok: false,
      volume,
      rule: 'invalid',
      detail: 'expected /host/path:/container/path[:ro] or volume-name:/container/path',
      allow: 'fix the catalog entry (relative and ~ paths are not expanded)',
    }
  const written = path.posix.resolve(parsed.source)
  const resolved = policy.resolve(written)
  for (const p of new Set([written, resolved])) {
    const refusal = refusedPath(p, policy)
    if (refusal)
      return {
        ok: false,
        volume,
        ...refusal,
        ...(p === written ? {} : {detail: `${refusal.detail} (${written} resolves to ${resolved})`}),
      }
  }
  // The user's lists may name a path through a symlink (macOS: /tmp is /private/tmp): compare real paths.
  const under = (list: readonly string[]) =>
    list.some((a) => isUnder(resolved, a) || isUnder(resolved, policy.resolve(a)))
  const writable = under(policy.writablePaths)
  if (policy.allowedPaths !== undefined && !writable) {
    const allowed = under([...policy.allowedPaths, ...policy.tempDirs])
    if (!allowed)
      return {
        ok: false,
        volume,
        rule: 'not-allowed',
        detail: `${resolved} is not under MCP_GATEWAY_DOCKER_BIND_ALLOWED_PATHS or a temp directory`,
        allow: `add ${resolved} (or a parent) to MCP_GATEWAY_DOCKER_BIND_ALLOWED_PATHS`,
      }
  }
  const wantsReadOnly = parsed.options.includes('ro')
  const readOnly = wantsReadOnly || !writable
  const options = [...parsed.options.filter((o) => !MODE_OPTIONS.has(o)), ...(readOnly ? ['ro'] : [])]
  const bind = `${resolved}:${parsed.target}${options.length ? `:${options.join(',')}` : ''}`
  return {ok: true, volume, bind, readOnly, ...(resolved === written ? {} : {resolved})}
}

/** Is this `user` value root? `0`, `root`, `0:0`, `root:staff`, `0:1000` are. */
export function isRootUser(user: string | undefined): boolean {
  if (!user) return false
  const uid = user.split(':')[0]!.trim()
  return uid === 'root' || /^0+$/.test(uid)
}

export function checkUser(
  user: string | undefined,
  policy: Pick<BindPolicy, 'allowRoot'>,
): Refusal | undefined {
  if (!isRootUser(user) || policy.allowRoot) return undefined
  return {
    rule: 'root-user',
    detail: `user "${user}" is root: with a host mount or a kernel bug, root in a container is root on the host`,
    allow:
      'run the gateway with --allow-root-containers (or MCP_GATEWAY_ALLOW_ROOT_CONTAINERS=1) if you trust this image',
  }
}

/** The refusal of a server's container, naming the server, the volume or user and the rule. */
export class HostPolicyError extends DockerMcpError {
  constructor(
    readonly server: string,
    readonly subject: string,
    readonly refusal: Refusal,
  ) {
    super(
      `server "${server}" cannot start: ${subject} is refused by the host protection rule "${refusal.rule}": ${refusal.detail}. To allow it: ${refusal.allow}`,
      {suggestions: [refusal.allow]},
    )
  }
}

/**
 * Apply the policy to a server's volumes and user: the binds to pass to the engine, or a HostPolicyError
 * for the first refusal.
 */
export function applyHostPolicy(
  server: string,
  binds: readonly string[],
  user: string | undefined,
  policy: BindPolicy,
): string[] {
  const refusedUser = checkUser(user, policy)
  if (refusedUser) throw new HostPolicyError(server, `user "${user}"`, refusedUser)
  return binds.map((volume) => {
    const verdict = checkVolume(volume, policy)
    if (!verdict.ok) throw new HostPolicyError(server, `volume "${volume}"`, verdict)
    return verdict.bind
  })
}
