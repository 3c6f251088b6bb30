import {Args, Flags} from '@oclif/core'

import {BaseCommand} from '../../../src/cli/base-command.js'
import {addProfileServers} from '../../../src/profiles/index.js'

export default class ProfileServerAdd extends BaseCommand {
  static override description =
    'add servers to a profile (a server of the same name is replaced, keeping its config and tools)'
  static override enableJsonFlag = true
  static override examples = [
    'docker mcp profile server add research --server catalog://docker-mcp/fetch',
    'docker mcp profile server add research --server docker://mcp/time:latest --server https://mcp.example.com/mcp',
    '# "default" is registry.yaml: the same as "docker mcp server add dice"\ndocker mcp profile server add default --server catalog://docker-mcp/dice',
  ]
  static override args = {id: Args.string({description: 'profile id', required: true})}
  static override flags = {
    server: Flags.string({
      description:
        'catalog://<catalog>/<server>[+<server>…], docker://<image>, file://<path> or an https:// endpoint (repeatable)',
      multiple: true,
      required: true,
    }),
  }

  async run(): Promise<{added: string[]; replaced: string[]}> {
    const {args, flags} = await this.parse(ProfileServerAdd)
    const result = await addProfileServers(this.ctx, args.id, flags.server)
    for (const name of result.replaced) this.log(`Replaced server ${name} in profile ${args.id}`)
    this.log(
      `Added ${result.added.length} server(s) to profile ${args.id}${result.replaced.length ? ` (replaced ${result.replaced.length})` : ''}`,
    )
    return result
  }
}
