import {Flags} from '@oclif/core'

/** Flags of every command that starts a gateway to talk to it (`docker mcp tools …`). */
export const gatewayClientFlags = {
  // Non-greedy: one value per --gateway-arg, so the tool name and its arguments after it stay arguments
  // (greedy, `--gateway-arg=--servers=dice roll_dice sides=6` passed all three words to the gateway).
  'gateway-arg': Flags.string({
    description: 'argument passed to "gateway run" (repeatable), e.g. --gateway-arg=--servers=dice',
    multiple: true,
    multipleNonGreedy: true,
  }),
  verbose: Flags.boolean({description: 'show the gateway log', default: false}),
  // Docker's `docker mcp tools` flags: `--format json` is `--json` (BaseCommand.jsonEnabled).
  format: Flags.string({
    description: 'output format: json (same as --json) or list (the default)',
    options: ['json', 'list'],
  }),
  version: Flags.string({
    description: "gateway version, as Docker's plugin takes it: only 2 (the gateway these commands start)",
    hidden: true,
    async parse(input) {
      if (input !== '2')
        throw new Error(
          `--version ${input}: only the version 2 gateway exists here (Docker Desktop's version 1 toolkit is not supported); drop --version`,
        )
      return input
    },
  }),
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

/**
 * `--format human|json|yaml` of the profile and template listings, as the original's. `--format json` is
 * the same as `--json` (BaseCommand.jsonEnabled); yaml is printed by the command.
 */
export const profileFormatFlag = Flags.string({
  description: 'output format: human, json or yaml',
  options: ['human', 'json', 'yaml'],
  default: 'human',
})
