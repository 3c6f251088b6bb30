import {Flags} from '@oclif/core'

/** Flags of every command that starts a gateway to talk to it (`docker mcp tools …`). */
export const gatewayClientFlags = {
  'gateway-arg': Flags.string({description: 'argument passed to "gateway run" (repeatable)', multiple: true}),
  verbose: Flags.boolean({description: 'show the gateway log', default: false}),
}

/**
 * `-q, --quiet` of a listing, as in `docker ps -q`: only the identifiers, one per line, for scripts.
 * `identifiers` completes the help text ("only print <identifiers>, one per line"). Like docker, it cannot
 * be combined with `--json` (nor with the command's other output flags, `otherOutputFlags`): a usage error,
 * exit 125, rather than silently preferring one shape of output over the other.
 */
export function quietFlag(identifiers: string, otherOutputFlags: readonly string[] = []) {
  return Flags.boolean({
    char: 'q',
    description: `only print ${identifiers}, one per line`,
    default: false,
    exclusive: ['json', ...otherOutputFlags],
  })
}
