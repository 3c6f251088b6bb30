import {Flags} from '@oclif/core'

import {BaseCommand} from '../../src/cli/base-command.js'
import {installPlugin, type PluginInstall} from '../../src/plugin/install.js'
import {selfExecutable} from '../../src/plugin/self.js'

export default class PluginInstallCommand extends BaseCommand {
  static override description =
    'install this docker-mcp as the docker CLI plugin ($DOCKER_CONFIG/cli-plugins/docker-mcp), so that `docker mcp` runs it'
  static override enableJsonFlag = true
  static override examples = [
    'docker-mcp plugin install',
    'DOCKER_CONFIG=/tmp/docker docker-mcp plugin install',
  ]
  static override flags = {
    force: Flags.boolean({
      description: 'replace a docker-mcp plugin that this one did not install',
      default: false,
    }),
  }

  async run(): Promise<PluginInstall> {
    const {flags} = await this.parse(PluginInstallCommand)
    const result = await installPlugin(this.ctx.paths, {
      executable: selfExecutable(),
      root: this.config.root,
      version: this.config.version,
      homepage: this.config.pjson.homepage,
      force: flags.force,
    })
    this.log(
      result.kind === 'unchanged' ? `${result.path} is this executable already` : `Installed ${result.path}`,
    )
    return result
  }
}
