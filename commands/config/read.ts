import {BaseCommand} from '../../src/cli/base-command.js'
import {readConfigText, type ServerConfigMap} from '../../src/server-config/config.js'

export default class ConfigRead extends BaseCommand {
  static override description = 'print config.yaml (per-server settings) as it is on disk'
  static override enableJsonFlag = true
  static override examples = ['docker mcp config read', 'docker mcp config read --json']

  async run(): Promise<ServerConfigMap> {
    await this.parse(ConfigRead)
    const {text, config} = await readConfigText(this.ctx)
    if (text !== '') this.log(text.replace(/\n$/, ''))
    return config
  }
}
