import {Args} from '@oclif/core'

import {formatSetupHints} from '../../src/catalog/format.js'
import {BaseCommand} from '../../src/cli/base-command.js'
import {UsageError} from '../../src/errors.js'
import {enableServers} from '../../src/registry/index.js'
import {openSecretPresence} from '../../src/registry/secret-presence.js'

export default class ServerAdd extends BaseCommand {
  static override aliases = ['server:enable']
  static override description = 'enable servers from any configured catalog'
  static override enableJsonFlag = true
  static override strict = false
  static override examples = ['docker mcp server add dice', 'docker mcp server enable fetch duckduckgo']
  static override args = {
    name: Args.string({description: 'server name(s)', required: true}),
  }

  async run(): Promise<{enabled: string[]; alreadyEnabled: string[]}> {
    const {argv} = await this.parse(ServerAdd)
    const names = argv as string[]
    if (names.length === 0) throw new UsageError('name at least one server to enable')
    const result = await enableServers(
      this.ctx,
      names,
      async () => (await openSecretPresence(this.ctx)).presence,
    )
    for (const w of result.warnings) this.warn(w)
    for (const name of result.enabled) this.log(`enabled ${name}`)
    for (const name of result.alreadyEnabled) this.log(`${name} is already enabled`)
    for (const line of formatSetupHints(result.setup)) this.log(line)
    return {enabled: result.enabled, alreadyEnabled: result.alreadyEnabled}
  }
}
