import {Command, Errors} from '@oclif/core'

import {createContext, type Context} from '../context.js'
import {isDockerMcpError, type DockerMcpError} from '../errors.js'

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

  protected override async catch(err: Error & {exitCode?: number}): Promise<unknown> {
    if (isDockerMcpError(err)) throw toCliError(err)
    return super.catch(err)
  }
}

/** A library error as oclif renders it: the message, "Try this:" suggestions, the exit code. */
export function toCliError(err: DockerMcpError): Errors.CLIError {
  const {suggestions} = err
  return new Errors.CLIError(err.message, {
    exit: err.exitCode,
    ...(suggestions.length > 0 ? {suggestions} : {}),
  })
}
