import {BaseCommand} from '../../src/cli/base-command.js'
import {dumpConfiguration} from '../../src/server-config/backup.js'

export default class ConfigDump extends BaseCommand {
  static override description =
    "print the whole configuration (config, registry, tools, catalog.json and catalog files) as one JSON backup, in Docker's format; no secrets"
  static override examples = ['docker mcp config dump > backup.json']

  async run(): Promise<void> {
    await this.parse(ConfigDump)
    this.log(JSON.stringify(await dumpConfiguration(this.ctx), null, 2))
  }
}
