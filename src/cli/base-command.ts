import {Command, Errors} from '@oclif/core'

import {createContext, type Context} from '../context.js'
import {isDockerMcpError} from '../errors.js'

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
    if (isDockerMcpError(err)) {
      const {suggestions} = err
      throw new Errors.CLIError(err.message, {
        exit: err.exitCode,
        ...(suggestions.length > 0 ? {suggestions} : {}),
      })
    }
    return super.catch(err)
  }
}
