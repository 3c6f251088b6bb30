import {Flags} from '@oclif/core'

import {BaseCommand} from '../../src/cli/base-command.js'
import {quietFlag} from '../../src/cli/flags.js'
import {openSecretStores, SECRET_STORE_MODES, type SecretListing} from '../../src/secrets/index.js'
import {formatSecretList, secretNames} from '../../src/secrets/format.js'
import type {SecretStoreMode} from '../../src/secrets/index.js'

export default class SecretLs extends BaseCommand {
  static override aliases = ['secret:list']
  static override description = 'list secret names and the store holding each (never their values)'
  static override enableJsonFlag = true
  static override examples = [
    'docker mcp secret ls',
    'docker mcp secret ls --json',
    'docker mcp secret ls -q',
    'docker mcp secret ls --quiet --store file',
  ]
  static override flags = {
    store: Flags.string({
      description: 'which stores to list (default: $DOCKER_MCP_SECRET_STORE, else auto: keychain and file)',
      options: [...SECRET_STORE_MODES],
    }),
    quiet: quietFlag('secret names (never values)'),
  }

  async run(): Promise<SecretListing[]> {
    const {flags} = await this.parse(SecretLs)
    const sources = await openSecretStores(this.ctx, {
      ...(flags.store ? {store: flags.store as SecretStoreMode} : {}),
      onWarning: (msg) => this.logToStderr(`warning: ${msg}`),
    })
    const secrets = await sources.list()
    if (flags.quiet) this.logIds(secretNames(secrets))
    else this.log(formatSecretList(secrets))
    return secrets
  }
}
