import {Flags} from '@oclif/core'

import {BaseCommand} from '../../src/cli/base-command.js'
import {clientIds, connectClient, findClient} from '../../src/clients/index.js'
import {createProfile, type Profile} from '../../src/profiles/index.js'
import {useTemplate} from '../../src/profiles/templates.js'

export default class ProfileCreate extends BaseCommand {
  static override description = 'create a profile: a named set of servers with their own config and tools'
  static override enableJsonFlag = true
  static override examples = [
    'docker mcp profile create --name "Dev tools" --server catalog://docker-mcp/filesystem+memory',
    'docker mcp profile create --name demo --id demo --server catalog://docker-mcp/dice --server docker://mcp/time:latest',
    'docker mcp profile create --name Research --from-template research --connect cursor',
    'docker mcp profile create --name mine --server file://./my-server.yaml',
  ]
  static override flags = {
    name: Flags.string({description: 'name of the profile', required: true}),
    id: Flags.string({
      description: 'id of the profile (default: the name, lower-cased, non-alphanumerics as "-")',
    }),
    server: Flags.string({
      description:
        'a server: catalog://<catalog>/<server>[+<server>…], docker://<image>, file://<path> or an https:// endpoint (repeatable)',
      multiple: true,
    }),
    'from-template': Flags.string({description: 'start from a template ("docker mcp template ls")'}),
    connect: Flags.string({
      description: `connect these clients (user-level config) to the profile (repeatable): ${clientIds().join(', ')}`,
      multiple: true,
    }),
  }

  async run(): Promise<Profile> {
    const {flags} = await this.parse(ProfileCreate)
    const options = {name: flags.name, id: flags.id, servers: flags.server ?? []}
    // An unknown client fails before the profile is written, as the original checks them first.
    for (const client of flags.connect ?? []) findClient(client)
    const profile = flags['from-template']
      ? await useTemplate(this.ctx, flags['from-template'], options)
      : await createProfile(this.ctx, options)
    this.log(`Created profile ${profile.id} with ${profile.servers.length} servers`)
    for (const client of flags.connect ?? []) {
      await connectClient(this.ctx, client, {global: true, profile: profile.id})
    }
    if (flags.connect?.length) this.log(`Connected to clients: ${flags.connect.join(', ')}`)
    return profile
  }
}
