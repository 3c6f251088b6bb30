import {Args} from '@oclif/core'

import {BaseCommand} from '../../src/cli/base-command.js'
import {readBackup, restoreConfiguration, type RestoreResult} from '../../src/server-config/backup.js'

export default class ConfigRestore extends BaseCommand {
  static override description =
    'replace the whole configuration with a "config dump" backup (validated first: a bad backup changes nothing)'
  static override enableJsonFlag = true
  static override examples = [
    'docker mcp config restore backup.json',
    'docker mcp config dump | docker mcp config restore -',
  ]
  static override args = {
    file: Args.string({description: 'backup file, or - for stdin', required: true}),
  }

  async run(): Promise<RestoreResult> {
    const {args} = await this.parse(ConfigRestore)
    const {text, name} = await readBackup(this.ctx, args.file, process.stdin)
    const result = await restoreConfiguration(this.ctx, text, name)
    for (const w of result.warnings) this.warn(w)
    this.log(
      `Restored ${result.written.length} files${result.removed.length ? `, removed ${result.removed.length} catalog files` : ''}`,
    )
    return result
  }
}
