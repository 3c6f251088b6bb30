import {BaseCommand} from '../../src/cli/base-command.js'
import {resetConfig} from '../../src/server-config/config.js'

export default class ConfigReset extends BaseCommand {
  static override description = 'remove every server setting (empties config.yaml)'
  static override examples = ['docker mcp config reset']

  async run(): Promise<void> {
    await this.parse(ConfigReset)
    await resetConfig(this.ctx)
  }
}
