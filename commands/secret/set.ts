import {Args, Flags} from '@oclif/core'

import {BaseCommand} from '../../src/cli/base-command.js'
import {UsageError} from '../../src/errors.js'
import {openSecretStores, parseSetArgument, SECRET_STORE_MODES, setSecret} from '../../src/secrets/index.js'
import {readSecretValue} from '../../src/secrets/input.js'
import type {SecretStoreMode} from '../../src/secrets/index.js'

export default class SecretSet extends BaseCommand {
  static override description = `store a secret in the OS keychain (or a file only you can read, when there is no keychain)

With NAME=VALUE the value is split off at the first "=" (it may contain "=" and may be empty). With NAME
alone the value is read from stdin, which keeps it out of shell history and process listings: piped input
is read to its end and exactly one trailing newline is removed; at a terminal it is typed hidden.`
  static override examples = [
    'docker mcp secret set github.personal_access_token=ghp_xxx',
    'echo "$TOKEN" | docker mcp secret set github.personal_access_token',
    'docker mcp secret set postgres.url --store file < url.txt',
  ]
  // Not strict: oclif would echo an unexpected argument, and `secret set NAME VALUE` puts a value there.
  static override strict = false
  static override args = {
    secret: Args.string({description: 'NAME=VALUE, or NAME to read the value from stdin', required: true}),
  }
  static override flags = {
    store: Flags.string({
      description:
        'where to store it (default: $DOCKER_MCP_SECRET_STORE, else auto: keychain when available)',
      options: [...SECRET_STORE_MODES],
    }),
  }

  async run(): Promise<void> {
    const {argv, flags} = await this.parse(SecretSet)
    if (argv.length !== 1)
      throw new UsageError(
        'secret set takes exactly one argument: NAME=VALUE, or NAME with the value on stdin',
      )
    const {name, value: given} = parseSetArgument(argv[0] as string)
    const warn = (msg: string) => this.logToStderr(`warning: ${msg}`)
    const sources = await openSecretStores(this.ctx, {
      ...(flags.store ? {store: flags.store as SecretStoreMode} : {}),
      onWarning: warn,
    })
    const value =
      given ?? (await readSecretValue(process.stdin, {name, prompt: (t) => process.stderr.write(t)}))
    const store = await setSecret(sources, name, value, warn)
    this.log(
      `stored secret ${name} in ${store.kind === 'keychain' ? store.location : `file ${store.location}`}`,
    )
  }
}
