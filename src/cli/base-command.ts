import {Command, Errors} from '@oclif/core'

import {createContext, type Context} from '../context.js'
import {isDockerMcpError, UsageError, type DockerMcpError} from '../errors.js'
import {closestMatches} from '../text/suggest.js'

/**
 * Base of every command: builds the library context from oclif's config and renders library errors
 * once, docker style (message, "Try this:" suggestions, exit 1 or 125), never with a stack trace.
 */
export abstract class BaseCommand extends Command {
  private contextCache: Context | undefined

  /** The library context: paths from DOCKER_CONFIG/HOME, the package root for shipped catalogs. */
  protected get ctx(): Context {
    this.contextCache ??= createContext({root: this.config.root})
    return this.contextCache
  }

  /**
   * The output of `--quiet`: one identifier per line, and nothing at all (not even an empty line) when
   * there is none, so `$(docker mcp … -q)` and `| xargs` see exactly the identifiers.
   */
  protected logIds(ids: Iterable<string>): void {
    for (const id of ids) this.log(id)
  }

  /**
   * `--json`, or `--format json` on commands that take Docker's `--format` flag (`docker mcp tools ls
   * --format json`): the same JSON output either way.
   */
  override jsonEnabled(): boolean {
    if (super.jsonEnabled()) return true
    const ctor = this.ctor as {enableJsonFlag?: boolean; flags?: Record<string, unknown>} | undefined
    if (!ctor?.enableJsonFlag || !ctor.flags || !Object.hasOwn(ctor.flags, 'format')) return false
    const end = this.argv.indexOf('--')
    const argv = end === -1 ? this.argv : this.argv.slice(0, end)
    return argv.some((a, i) => a === '--format=json' || (a === '--format' && argv[i + 1] === 'json'))
  }

  protected override async catch(err: Error & {exitCode?: number}): Promise<unknown> {
    if (isDockerMcpError(err)) throw toCliError(err)
    // A bad command line (`--quiet --json`, an unknown flag) is a usage error on stderr (exit 125), as in
    // docker, even with --json: oclif would print it to stdout, as a JSON dump of its parser state.
    if (!this.parsed) {
      const unknown = unknownFlagError(err, this.id, this.ctor)
      if (unknown) throw toCliError(unknown)
      throw err
    }
    return super.catch(err)
  }
}

/**
 * oclif answers a mistyped flag with "Nonexistent flag" and the whole usage (a hundred lines for
 * `gateway run`), where the one line that helps is the closest flag. Docker's way: the flag, a "did you
 * mean", and where the full list is.
 */
export function unknownFlagError(
  err: Error & {flags?: unknown},
  id: string | undefined,
  command: {flags?: Record<string, {char?: string}>; enableJsonFlag?: boolean},
): UsageError | undefined {
  if (!Array.isArray(err.flags) || !err.message.startsWith('Nonexistent flag')) return undefined
  const typed = (err.flags as string[]).map((f) => f.split('=')[0]!)
  const known = Object.keys(command.flags ?? {}).filter((name) => name !== 'json' || command.enableJsonFlag)
  if (command.enableJsonFlag && !known.includes('json')) known.push('json')
  const name = `docker mcp ${(id ?? '').replaceAll(':', ' ')}`.trim()
  const suggestions: string[] = []
  for (const flag of typed) {
    const [close] = closestMatches(flag.replace(/^-+/, ''), known, 1)
    if (close) suggestions.push(`${flag}: did you mean --${close}?`)
  }
  suggestions.push(`Run "${name} --help" to list its flags.`)
  return new UsageError(`unknown flag${typed.length === 1 ? '' : 's'} for "${name}": ${typed.join(', ')}`, {
    suggestions,
  })
}

/** A library error as oclif renders it: the message, "Try this:" suggestions, the exit code. */
export function toCliError(err: DockerMcpError): Errors.CLIError {
  const {suggestions} = err
  return new Errors.CLIError(err.message, {
    exit: err.exitCode,
    ...(suggestions.length > 0 ? {suggestions} : {}),
  })
}

/**
 * Render an error and exit as oclif does for a command (a library error with its suggestions and exit
 * code), for the paths that run a command's code without oclif (src/cli/gateway-fast-path.ts).
 */
export async function handleError(err: unknown): Promise<void> {
  await Errors.handle(isDockerMcpError(err) ? toCliError(err) : (err as Error))
}
