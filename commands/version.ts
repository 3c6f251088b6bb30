import {BaseCommand} from '../src/cli/base-command.js'
import {versionInfo, type VersionInfo} from '../src/version.js'

export default class Version extends BaseCommand {
  static override description = 'show the version of the docker mcp plugin'
  static override enableJsonFlag = true
  static override examples = ['docker mcp version', 'docker mcp version --json']

  async run(): Promise<VersionInfo> {
    await this.parse(Version)
    const info = versionInfo(this.config.version)
    this.log(info.version)
    return info
  }
}
