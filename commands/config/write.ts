import {Args} from '@oclif/core'

import {BaseCommand} from '../../src/cli/base-command.js'
import {writeConfigText} from '../../src/server-config/config.js'

export default class ConfigWrite extends BaseCommand {
  static override description = 'replace config.yaml with the YAML given (checked before anything is written)'
  static override examples = [`docker mcp config write 'filesystem: {paths: [/home/me/src]}'`]
  static override args = {
    yaml: Args.string({description: 'the new content of config.yaml', required: true}),
  }

  async run(): Promise<void> {
    const {args} = await this.parse(ConfigWrite)
    await writeConfigText(this.ctx, args.yaml)
  }
}
