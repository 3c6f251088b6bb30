import {readFileSync} from 'node:fs'
import path from 'node:path'

import {flush, handle, run, type Interfaces} from '@oclif/core'

/**
 * How help names the program: `docker mcp …`, whether docker started us as its plugin or the user ran
 * `docker-mcp` (a symlink, the npm bin). oclif prints `config.bin` in every USAGE line; `docker-mcp`
 * stays an alias so that oclif's own variables keep their `DOCKER_MCP_` prefix.
 */
export const HELP_BIN = 'docker mcp'

/** package.json as oclif should see it: `bin` is what help prints. */
export function helpPjson(pjson: Interfaces.PJSON): Interfaces.PJSON {
  return {...pjson, oclif: {...pjson.oclif, bin: HELP_BIN, binAliases: ['docker-mcp']}}
}

/**
 * Hand the (normalised) arguments to oclif, with oclif's own error rendering and exit codes. oclif
 * reloads a Config it is given, so what we change goes in through the load options.
 */
export async function runOclif(
  args: string[],
  options: {root: string; pjson?: Interfaces.PJSON; plugins?: Map<string, Interfaces.Plugin>},
): Promise<void> {
  // oclif reads process.argv again when it renders usage for a flag error; keep it consistent.
  process.argv = [process.argv[0]!, process.argv[1]!, ...args]
  try {
    const pjson =
      options.pjson ??
      (JSON.parse(readFileSync(path.join(options.root, 'package.json'), 'utf8')) as Interfaces.PJSON)
    await run(args, {...options, pjson: helpPjson(pjson)})
    await flush()
  } catch (err) {
    await handle(err as Error)
  }
}
