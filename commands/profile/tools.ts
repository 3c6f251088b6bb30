import {Args, Flags} from '@oclif/core'

import {BaseCommand} from '../../src/cli/base-command.js'
import {updateProfileTools, type ToolsUpdate} from '../../src/profiles/index.js'
import {formatToolsUpdate} from '../../src/profiles/render.js'

export default class ProfileTools extends BaseCommand {
  static override description =
    'enable and disable tools of the servers of a profile (a server with no list exposes every tool)'
  static override enableJsonFlag = true
  static override examples = [
    'docker mcp profile tools dice-demo --disable dice.flip_coin',
    'docker mcp profile tools dice-demo --disable-all time --enable time.get_current_time',
    'docker mcp profile tools dice-demo --enable-all dice',
  ]
  static override args = {id: Args.string({description: 'profile id', required: true})}
  static override flags = {
    enable: Flags.string({description: 'enable <server>.<tool> (repeatable)', multiple: true}),
    disable: Flags.string({description: 'disable <server>.<tool> (repeatable)', multiple: true}),
    'enable-all': Flags.string({description: 'enable every tool of <server> (repeatable)', multiple: true}),
    'disable-all': Flags.string({description: 'disable every tool of <server> (repeatable)', multiple: true}),
  }

  async run(): Promise<ToolsUpdate> {
    const {args, flags} = await this.parse(ProfileTools)
    const result = await updateProfileTools(this.ctx, args.id, {
      enable: flags.enable,
      disable: flags.disable,
      enableAll: flags['enable-all'],
      disableAll: flags['disable-all'],
    })
    this.log(formatToolsUpdate(args.id, result))
    return result
  }
}
