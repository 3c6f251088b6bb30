import {Args, Flags} from '@oclif/core'

import {BaseCommand} from '../../../src/cli/base-command.js'
import {UsageError} from '../../../src/errors.js'
import {removeProfileServers} from '../../../src/profiles/index.js'

export default class ProfileServerRm extends BaseCommand {
  static override aliases = ['profile:server:remove']
  static override description = 'remove servers from a profile, by name'
  static override enableJsonFlag = true
  static override strict = false
  static override examples = [
    'docker mcp profile server rm research fetch',
    'docker mcp profile server rm research --name fetch --name memory',
  ]
  static override args = {
    id: Args.string({description: 'profile id', required: true}),
    names: Args.string({description: 'server names'}),
  }
  static override flags = {
    name: Flags.string({description: 'server name to remove (repeatable)', multiple: true}),
  }

  async run(): Promise<{removed: string[]}> {
    const {args, argv, flags} = await this.parse(ProfileServerRm)
    const names = [...(argv as string[]).slice(1), ...(flags.name ?? [])]
    if (names.length === 0) throw new UsageError('at least one server must be specified')
    const removed = await removeProfileServers(this.ctx, args.id, names)
    this.log(`Removed ${removed.length} server(s) from profile ${args.id}`)
    return {removed}
  }
}
