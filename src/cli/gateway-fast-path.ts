import {readFileSync} from 'node:fs'
import path from 'node:path'

import {createContext} from '../context.js'
import {gatewayOptionsFromFlags, GATEWAY_RUN_FLAGS} from '../gateway/flags.js'
import {runGateway} from '../gateway/run.js'
import {parseFlagsFast} from './flag-spec.js'

/**
 * `gateway run` without oclif. MCP clients start the gateway on every launch and give up on a slow
 * `initialize`, and loading oclif costs more than the rest of start-up. Returns false, having done
 * nothing, when the arguments need oclif (help, anything the fast parser declines).
 */
export async function runGatewayFast(argv: readonly string[], root: string): Promise<boolean> {
  const flags = parseFlagsFast(argv, GATEWAY_RUN_FLAGS)
  if (!flags) return false
  const {version} = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as {version: string}
  let code: number
  try {
    code = await runGateway(createContext({root}), gatewayOptionsFromFlags(flags, version))
  } catch (err) {
    // Rendered exactly as the oclif command renders it (oclif is loaded only now, on the error path).
    // Through an ES module that imports oclif: oclif is bundled (scripts/bundle.mjs), and a dynamic
    // import() of a bundled CommonJS package yields only its `default`.
    const {handleError} = await import('./base-command.js')
    await handleError(err)
    return true
  }
  process.exit(code)
}
