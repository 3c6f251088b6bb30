import {openSync, writeSync} from 'node:fs'
import path from 'node:path'

import {DockerMcpError, UsageError} from '../errors.js'

/**
 * Flags of Docker's `docker mcp gateway run` for features this gateway does not have (yet). The rule: a
 * flag is accepted with one clear warning only when ignoring it is safe; a flag asking for something we
 * cannot honour that would change what runs or how safely fails closed, naming what to use instead.
 */

/** The profile `gateway run` serves without selection flags: the legacy files (src/profiles/legacy.ts). */
export const DEFAULT_PROFILE = 'default'

/** The legacy selection flags `--profile` cannot be combined with, as in the original (option → flag). */
const LEGACY_SELECTION: ReadonlyArray<[string, string]> = [
  ['servers', '--servers'],
  ['enableAllServers', '--enable-all-servers'],
  ['catalog', '--catalog'],
  ['additionalCatalog', '--additional-catalog'],
  ['registry', '--registry'],
  ['additionalRegistry', '--additional-registry'],
  ['config', '--config'],
  ['additionalConfig', '--additional-config'],
  ['toolsConfig', '--tools-config'],
  ['additionalToolsConfig', '--additional-tools-config'],
]

/**
 * `--profile <id>` picks the servers, their config and tool lists: it cannot be combined with the flags
 * that pick them from files (the original's rule). `--profile default` is the legacy files themselves.
 */
export function checkProfile(options: Record<string, unknown> & {profile?: string | undefined}): void {
  if (options.profile === undefined) return
  if (options.profile === '') throw new UsageError('--profile needs a profile id')
  const set = (v: unknown) =>
    Array.isArray(v) ? v.length > 0 : v === true || (typeof v === 'string' && v !== '')
  const conflicts = LEGACY_SELECTION.filter(([key]) => set(options[key])).map(([, flag]) => flag)
  if (conflicts.length > 0)
    throw new UsageError(
      `cannot use --profile with ${conflicts.join(', ')}: a profile already says which servers run, with their config and tools`,
      {
        suggestions: [
          `Drop ${conflicts.length === 1 ? conflicts[0] : 'those flags'}, or drop --profile to select servers with them.`,
          `Change the profile instead: docker mcp profile server add ${options.profile} --server catalog://docker-mcp/<server>`,
        ],
      },
    )
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
