import {Errors, type Hook} from '@oclif/core'

import {closestMatches} from '../text/suggest.js'

/**
 * oclif's default for an unknown command exits 2 with a bare message. Docker exits 1 and names the
 * closest commands; so do we.
 */
const hook: Hook.CommandNotFound = async function (options) {
  const ids = options.config.commandIDs.map((id) => id.replaceAll(':', ' '))
  const wanted = options.id.replaceAll(':', ' ')
  const close = closestMatches(wanted, ids, 3)
  throw new Errors.CLIError(`unknown command "${wanted}" for "docker mcp"`, {
    exit: 1,
    suggestions: [...close.map((c) => `docker mcp ${c}`), 'Run "docker mcp --help" to list the commands.'],
  })
}

export default hook
