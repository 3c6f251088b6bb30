import {Args} from '@oclif/core'

import {BaseCommand} from '../../src/cli/base-command.js'
import {UsageError} from '../../src/errors.js'
import {disableServers} from '../../src/registry/index.js'

export default class ServerRm extends BaseCommand {
  static override aliases = ['server:remove', 'server:disable']
  static override description = 'disable servers'
  static override enableJsonFlag = true
  static override strict = false
  static override examples = ['docker mcp server rm dice', 'docker mcp server disable fetch duckduckgo']
  static override args = {
    name: Args.string({description: 'server name(s)', required: true}),
  }

  async run(): Promise<{disabled: string[]; notEnabled: string[]}> {
    const {argv} = await this.parse(ServerRm)
    const names = argv as string[]
    if (names.length === 0) throw new UsageError('name at least one server to disable')
    const result = await disableServers(this.ctx, names)
    for (const name of result.disabled) this.log(`disabled ${name}`)
    for (const name of result.notEnabled) {
      const close = result.suggestions[name]
      this.log(`${name} is not enabled${close?.length ? ` (did you mean "${close[0]}"?)` : ''}`)
    }
    return {disabled: result.disabled, notEnabled: result.notEnabled}
  }
}
