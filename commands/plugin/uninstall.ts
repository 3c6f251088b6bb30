import {BaseCommand} from '../../src/cli/base-command.js'
import {uninstallPlugin} from '../../src/plugin/install.js'

export default class PluginUninstall extends BaseCommand {
  static override description =
    'remove the docker CLI plugin installed by "docker-mcp plugin install" (only if it is ours)'
  static override enableJsonFlag = true
  static override examples = ['docker-mcp plugin uninstall']

  async run(): Promise<{path: string; removed: boolean}> {
    await this.parse(PluginUninstall)
    const result = await uninstallPlugin(this.ctx.paths)
    this.log(result.removed ? `Removed ${result.path}` : `${result.path} is not installed`)
    return result
  }
}
