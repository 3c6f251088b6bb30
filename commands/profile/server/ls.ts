import {Flags} from '@oclif/core'

import {BaseCommand} from '../../../src/cli/base-command.js'
import {profileFormatFlag} from '../../../src/cli/flags.js'
import {listProfileServers, type ProfileServerRow} from '../../../src/profiles/index.js'
import {formatServerRows, toYaml} from '../../../src/profiles/render.js'

export default class ProfileServerLs extends BaseCommand {
  static override aliases = ['profile:server:list']
  static override description = 'list the servers of every profile, or of one'
  static override enableJsonFlag = true
  static override examples = [
    'docker mcp profile server ls',
    'docker mcp profile server ls --filter profile=research',
    'docker mcp profile server ls -f name=fetch --format json',
  ]
  static override flags = {
    filter: Flags.string({
      char: 'f',
      description: 'name=<text> (substring) or profile=<id> (repeatable)',
      multiple: true,
    }),
    format: profileFormatFlag,
  }

  async run(): Promise<ProfileServerRow[]> {
    const {flags} = await this.parse(ProfileServerLs)
    const rows = await listProfileServers(this.ctx, flags.filter ?? [])
    this.log(flags.format === 'yaml' ? toYaml(rows) : formatServerRows(rows))
    return rows
  }
}
