import {Flags} from '@oclif/core'

import {BaseCommand} from '../../src/cli/base-command.js'
import {quietFlag} from '../../src/cli/flags.js'
import {listClients, type ClientList} from '../../src/clients/index.js'
import {formatClientList} from '../../src/clients/format.js'
import {homeDir} from '../../src/paths.js'

export default class ClientLs extends BaseCommand {
  static override aliases = ['client:list']
  static override description =
    'list every known MCP client: installed or not, connected to the gateway or not, and its config file'
  static override enableJsonFlag = true
  static override examples = [
    'docker mcp client ls --global',
    'docker mcp client ls',
    'docker mcp client ls --json',
    'docker mcp client ls --global -q',
  ]
  static override flags = {
    global: Flags.boolean({
      char: 'g',
      description: 'show the user-level configs (default: the project around the current directory)',
      default: false,
    }),
    quiet: quietFlag('client ids (as "client connect" takes them)'),
  }

  async run(): Promise<ClientList> {
    const {flags} = await this.parse(ClientLs)
    const list = await listClients(this.ctx, {global: flags.global})
    if (flags.quiet) {
      // The scope fell back to user-level: still worth knowing, but stdout is for the ids alone.
      if (list.note) this.logToStderr(list.note)
      this.logIds(list.clients.map((c) => c.id))
    } else this.log(formatClientList(list, homeDir(this.ctx.env)))
    return list
  }
}
