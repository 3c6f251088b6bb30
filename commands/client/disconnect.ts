import {Args, Flags} from '@oclif/core'

import {BaseCommand} from '../../src/cli/base-command.js'
import {formatClientChange} from '../../src/clients/format.js'
import {clientIds, disconnectClient, type ClientChange} from '../../src/clients/index.js'
import {homeDir} from '../../src/paths.js'

export default class ClientDisconnect extends BaseCommand {
  static override description =
    "remove the Docker MCP gateway's entry (MCP_DOCKER) from an MCP client's config, and nothing else"
  static override enableJsonFlag = true
  static override examples = [
    'docker mcp client disconnect cursor --global',
    'docker mcp client disconnect vscode',
  ]
  static override args = {
    client: Args.string({description: `client: ${clientIds().join(', ')}`, required: true}),
  }
  static override flags = {
    global: Flags.boolean({
      char: 'g',
      description:
        "edit the client's user-level config (default: the project's, found from the nearest .git)",
      default: false,
    }),
    quiet: Flags.boolean({char: 'q', description: 'print nothing but errors', default: false}),
  }

  async run(): Promise<ClientChange> {
    const {args, flags} = await this.parse(ClientDisconnect)
    const result = await disconnectClient(this.ctx, args.client, {global: flags.global})
    if (!flags.quiet) this.log(formatClientChange(result, homeDir(this.ctx.env)))
    return result
  }
}
