import {openSync, writeSync} from 'node:fs'
import path from 'node:path'

import {DockerMcpError, UsageError} from '../errors.js'

/**
 * Flags of Docker's `docker mcp gateway run` for features this gateway does not have (yet). The rule: a
 * flag is accepted with one clear warning only when ignoring it is safe; a flag asking for something we
 * cannot honour that would change what runs or how safely fails closed, naming what to use instead.
 */

/** The profile Docker's plugin migrates registry.yaml into: the same servers as our enabled ones. */
export const DEFAULT_PROFILE = 'default'

/**
 * `--profile`: profiles are not implemented. `default` holds what registry.yaml held when Docker's plugin
 * migrated it, i.e. our enabled servers: accepted with a warning. Any other profile names a set of servers
 * we do not know; running the enabled servers instead could start servers (and hand them secrets) the
 * user did not choose, so it fails.
 */
export function checkProfile(profile: string | undefined, warn: (message: string) => void): void {
  if (profile === undefined) return
  if (profile === DEFAULT_PROFILE) {
    warn(
      '- --profile default: profiles are not implemented yet; using the enabled servers (registry.yaml), which the default profile holds',
    )
    return
  }
  throw new UsageError(`--profile ${profile}: profiles are not implemented yet`, {
    suggestions: [
      `Name the profile's servers instead: docker mcp gateway run --servers <server>,<server>`,
      'Or enable them once ("docker mcp server add <server>") and run "docker mcp gateway run" without --profile.',
    ],
  })
}

/**
 * `--log <file>`: the gateway log is also appended to this file (created 0600: it names servers, tools and
 * paths; secret values are masked before any line is written). Relative paths are from the working
 * directory, as Docker's plugin takes them. Opened before anything else, so a bad path fails at once.
 */
export function openLogFile(file: string, cwd: string): {write(text: string): void} {
  const target = path.resolve(cwd, file)
  let fd: number
  try {
    fd = openSync(target, 'a', 0o600)
  } catch (err) {
    throw new DockerMcpError(`--log ${file}: cannot open ${target}: ${(err as Error).message}`)
  }
  // Written synchronously: the gateway ends with process.exit, which would drop a stream's pending lines.
  let failed = false
  return {
    write(text) {
      if (failed) return
      try {
        writeSync(fd, text)
      } catch {
        failed = true // a full disk must not stop the gateway; stderr still has every line
      }
    },
  }
}
