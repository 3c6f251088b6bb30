import {Args} from '@oclif/core'

import {formatInlineValue} from '../../src/catalog/format.js'
import {BaseCommand} from '../../src/cli/base-command.js'
import {setConfigValue, type ConfigAssignment} from '../../src/server-config/config.js'

export default class ConfigSet extends BaseCommand {
  static override description =
    "set a server setting, checked against the server's config schema and converted to its type"
  static override enableJsonFlag = true
  static override examples = [
    'docker mcp config set filesystem.paths=/home/me/src,/home/me/docs',
    "docker mcp config set 'filesystem.paths=[/home/me/src]'",
    'docker mcp config set github-official.toolsets=repos,issues',
  ]
  static override args = {
    assignment: Args.string({description: '<server>.<key>=<value>', required: true}),
  }

  async run(): Promise<Omit<ConfigAssignment, 'warnings'>> {
    const {args} = await this.parse(ConfigSet)
    const {warnings, ...result} = await setConfigValue(this.ctx, args.assignment)
    for (const w of warnings) this.warn(w)
    this.log(`${result.server}.${result.key} = ${formatInlineValue(result.value)}`)
    return result
  }
}
