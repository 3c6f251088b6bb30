import {Args, Flags} from '@oclif/core'

import {BaseCommand} from '../../src/cli/base-command.js'
import {UsageError} from '../../src/errors.js'
import {
  assertSecretName,
  openSecretStores,
  removeSecrets,
  SECRET_STORE_MODES,
  type SecretListing,
} from '../../src/secrets/index.js'
import type {SecretStoreMode} from '../../src/secrets/index.js'

export default class SecretRm extends BaseCommand {
  static override aliases = ['secret:remove']
  static override description = 'remove secrets from the keychain and the fallback file'
  static override enableJsonFlag = true
  static override strict = false
  static override examples = [
    'docker mcp secret rm github.personal_access_token',
    'docker mcp secret rm postgres.url postgres.password',
    'docker mcp secret rm --all',
  ]
  static override args = {
    name: Args.string({description: 'secret name(s)'}),
  }
  static override flags = {
    all: Flags.boolean({description: 'remove every secret', default: false}),
    store: Flags.string({
      description:
        'remove only from this store (default: $DOCKER_MCP_SECRET_STORE, else auto: keychain and file)',
      options: [...SECRET_STORE_MODES],
    }),
  }

  async run(): Promise<SecretListing[]> {
    const {argv, flags} = await this.parse(SecretRm)
    const names = argv as string[]
    if (names.length === 0 && !flags.all)
      throw new UsageError('either provide a secret name or use --all to remove all secrets')
    if (names.length > 0 && flags.all) throw new UsageError('give secret names or --all, not both')
    for (const name of names) assertSecretName(name)
    const sources = await openSecretStores(this.ctx, {
      ...(flags.store ? {store: flags.store as SecretStoreMode} : {}),
      onWarning: (msg) => this.logToStderr(`warning: ${msg}`),
    })
    const removed = await removeSecrets(sources, {names, all: flags.all})
    for (const r of removed) this.log(`removed ${r.name} from ${r.store}`)
    return removed
  }
}
