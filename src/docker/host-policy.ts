/**
 * The host side of the bind policy (src/docker/bind-policy.ts): reading the user's environment variables
 * and resolving real paths on this machine. Kept apart so that the policy itself stays pure.
 */
import {realpathSync} from 'node:fs'
import {tmpdir} from 'node:os'
import path from 'node:path'

import {homeDir, type McpPaths} from '../paths.js'
import {parsePathList, type BindPolicy} from './bind-policy.js'
import {resolveEngineFromDisk} from './engine.js'

/** Env var: host paths binds must be under (plus the temp dirs), like the original gateway's. */
export const ENV_ALLOWED_PATHS = 'MCP_GATEWAY_DOCKER_BIND_ALLOWED_PATHS'
/** Env var: host paths under which a bind may stay writable. */
export const ENV_WRITABLE_PATHS = 'MCP_GATEWAY_DOCKER_BIND_ALLOW_WRITABLE_PATHS'
/** Env var: same as `--allow-root-containers`. */
export const ENV_ALLOW_ROOT = 'MCP_GATEWAY_ALLOW_ROOT_CONTAINERS'

/**
 * The real path of an absolute path: the longest existing prefix through `realpath` (symlinks and `..`
 * resolved by the kernel's view), the missing rest appended as written (the engine creates it).
 */
export function realpathOfExisting(absolute: string): string {
  let existing = path.resolve(absolute)
  const rest: string[] = []
  for (;;) {
    try {
      const real = realpathSync.native(existing)
      return rest.length ? path.join(real, ...rest.reverse()) : real
    } catch {
      const parent = path.dirname(existing)
      if (parent === existing) return path.resolve(absolute)
      rest.push(path.basename(existing))
      existing = parent
    }
  }
}

/** Is this flag-or-env opt-in on? `1`, `true`, `yes` (any case). */
export function envFlag(value: string | undefined): boolean {
  return /^(1|true|yes)$/i.test(value?.trim() ?? '')
}

/**
 * The bind policy for this machine and user. In container mode (the gateway in a container talking to
 * the host's engine) host paths cannot be resolved from here: they are checked as written.
 */
export function hostBindPolicy(
  env: NodeJS.ProcessEnv,
  paths: McpPaths,
  options: {allowRoot?: boolean} = {},
): BindPolicy {
  const sockets: string[] = []
  try {
    const target = resolveEngineFromDisk(env, paths)
    if (target.endpoint.kind === 'unix') sockets.push(target.endpoint.socketPath)
  } catch {
    // No usable engine configuration: the default sockets are refused anyway.
  }
  const inContainer = env.DOCKER_MCP_IN_CONTAINER === '1'
  const resolve = inContainer ? (p: string) => path.posix.resolve(p) : realpathOfExisting
  return {
    allowedPaths: parsePathList(env[ENV_ALLOWED_PATHS]),
    writablePaths: parsePathList(env[ENV_WRITABLE_PATHS]) ?? [],
    tempDirs: [...new Set(['/tmp', '/private/tmp', '/var/tmp', tmpdir()])],
    dockerSockets: [...new Set(sockets.flatMap((s) => [s, resolve(s)]))],
    home: resolve(homeDir(env)),
    allowRoot: options.allowRoot === true || envFlag(env[ENV_ALLOW_ROOT]),
    resolve,
  }
}
