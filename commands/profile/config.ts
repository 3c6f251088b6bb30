import {Args, Flags} from '@oclif/core'

import {BaseCommand} from '../../src/cli/base-command.js'
import {profileFormatFlag} from '../../src/cli/flags.js'
import {updateProfileConfig} from '../../src/profiles/index.js'
import {formatConfigValues, toYaml} from '../../src/profiles/render.js'

export default class ProfileConfig extends BaseCommand {
  static override description =
    'get, set and delete config values of the servers of a profile (keys <server>.<key>; values may be JSON)'
  static override enableJsonFlag = true
  static override examples = [
    'docker mcp profile config dev-tools --set filesystem.paths=\'["/home/me/src"]\'',
    'docker mcp profile config dev-tools --get filesystem.paths',
    'docker mcp profile config dev-tools --del filesystem.paths',
    'docker mcp profile config dev-tools --get-all --format yaml',
  ]
  static override args = {id: Args.string({description: 'profile id', required: true})}
  static override flags = {
    set: Flags.string({description: 'set <server>.<key>=<value> (repeatable)', multiple: true}),
    get: Flags.string({description: 'get <server>.<key> (repeatable)', multiple: true}),
    del: Flags.string({description: 'delete <server>.<key> (repeatable)', multiple: true}),
    'get-all': Flags.boolean({description: 'get every config value of the profile', default: false}),
    format: profileFormatFlag,
  }

  async run(): Promise<Record<string, unknown>> {
    const {args, flags} = await this.parse(ProfileConfig)
    const values = await updateProfileConfig(this.ctx, args.id, {
      set: flags.set,
      get: flags.get,
      del: flags.del,
      getAll: flags['get-all'],
    })
    if (flags.format === 'yaml') this.log(toYaml(values))
    else if (Object.keys(values).length) this.log(formatConfigValues(values))
    return values
  }
}
