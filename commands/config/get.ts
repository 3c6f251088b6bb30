import {Args} from '@oclif/core'

import {formatConfigValue} from '../../src/catalog/format.js'
import {BaseCommand} from '../../src/cli/base-command.js'
import {getConfigValue} from '../../src/server-config/config.js'

export default class ConfigGet extends BaseCommand {
  static override description = 'print a server setting (or all settings of a server)'
  static override enableJsonFlag = true
  static override examples = [
    'docker mcp config get filesystem.paths',
    'docker mcp config get filesystem --json',
  ]
  static override args = {
    key: Args.string({description: '<server>.<key>, or <server>', required: true}),
  }

  async run(): Promise<unknown> {
    const {args} = await this.parse(ConfigGet)
    const {value} = await getConfigValue(this.ctx, args.key)
    this.log(formatConfigValue(value))
    return value
  }
}
