import {Args, Flags} from '@oclif/core'

import {BaseCommand} from '../../src/cli/base-command.js'
import {clientIds, connectClient, findClient} from '../../src/clients/index.js'
import type {Profile} from '../../src/profiles/index.js'
import {useTemplate} from '../../src/profiles/templates.js'

export default class TemplateUse extends BaseCommand {
  static override description =
    'create a profile from a starter template (the same as "docker mcp profile create --from-template <id>")'
  static override enableJsonFlag = true
  static override examples = [
    'docker mcp template use dice-demo',
    'docker mcp template use research --name "My research"',
    'docker mcp template use dev-tools --connect cursor --connect claude-code',
  ]
  static override args = {
    id: Args.string({description: 'template id ("docker mcp template ls")', required: true}),
  }
  static override flags = {
    name: Flags.string({description: 'name of the profile (default: the template title)'}),
    connect: Flags.string({
      description: `connect these clients (user-level config) to the new profile (repeatable): ${clientIds().join(', ')}`,
      multiple: true,
    }),
  }

  async run(): Promise<Profile> {
    const {args, flags} = await this.parse(TemplateUse)
    for (const client of flags.connect ?? []) findClient(client)
    const profile = await useTemplate(this.ctx, args.id, {name: flags.name})
    this.log(`Created profile ${profile.id} with ${profile.servers.length} servers`)
    for (const client of flags.connect ?? [])
      await connectClient(this.ctx, client, {global: true, profile: profile.id})
    if (flags.connect?.length) this.log(`Connected to clients: ${flags.connect.join(', ')}`)
    return profile
  }
}
