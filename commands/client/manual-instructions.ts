import {BaseCommand} from '../../src/cli/base-command.js'
import {manualCommandLine} from '../../src/clients/entry.js'

export default class ClientManualInstructions extends BaseCommand {
  static override description =
    'print the command an MCP client not listed by "client ls" runs to start the gateway over stdio'
  static override enableJsonFlag = true
  static override examples = [
    'docker mcp client manual-instructions',
    'docker mcp client manual-instructions --json',
  ]

  async run(): Promise<string[]> {
    await this.parse(ClientManualInstructions)
    const argv = manualCommandLine(this.ctx.env)
    this.log(argv.join(' '))
    return argv
  }
}
