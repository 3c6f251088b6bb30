import {Args, Flags} from '@oclif/core'

import {BaseCommand} from '../../src/cli/base-command.js'
import {profileFormatFlag} from '../../src/cli/flags.js'
import {clientsUsingProfile} from '../../src/clients/index.js'
import {getProfile, showData} from '../../src/profiles/index.js'
import {toYaml} from '../../src/profiles/render.js'

export default class ProfileShow extends BaseCommand {
  static override description = 'show a profile: its servers, each with its config, tools and catalog entry'
  static override enableJsonFlag = true
  static override examples = [
    'docker mcp profile show research',
    'docker mcp profile show default --json',
    'docker mcp profile show research --clients',
  ]
  static override args = {id: Args.string({description: 'profile id', required: true})}
  static override flags = {
    format: profileFormatFlag,
    clients: Flags.boolean({
      description: 'also list the MCP clients connected to this profile',
      default: false,
    }),
  }

  async run(): Promise<Record<string, unknown>> {
    const {args, flags} = await this.parse(ProfileShow)
    const {profile, warnings} = await getProfile(this.ctx, args.id)
    for (const w of warnings) this.warn(w)
    const clients = flags.clients
      ? Object.fromEntries(
          (await clientsUsingProfile(this.ctx, args.id)).map((c) => [c.id, {scope: c.scope, path: c.path}]),
        )
      : undefined
    const data = showData(profile, clients)
    // Human and yaml are the same: the profile as its file reads.
    this.log(toYaml(data))
    return data
  }
}
