import {BaseCommand} from '../../src/cli/base-command.js'
import {gatewayClientFlags, quietFlag} from '../../src/cli/flags.js'
import {withProgress} from '../../src/cli/progress.js'
import {listGatewayTools, toolSummary} from '../../src/gateway/cli-client.js'

export default class ToolsLs extends BaseCommand {
  static override aliases = ['tools:list']
  static override description = 'list the tools the gateway exposes (starts a gateway over stdio)'
  static override enableJsonFlag = true
  static override examples = [
    'docker mcp tools ls',
    'docker mcp tools ls --json',
    'docker mcp tools ls -q',
    'docker mcp tools ls --gateway-arg=--servers=dice',
    'docker mcp tools ls --format json',
  ]
  static override flags = {
    ...gatewayClientFlags,
    quiet: quietFlag('the names of the tools', ['format']),
  }

  async run(): Promise<unknown> {
    const {flags} = await this.parse(ToolsLs)
    const {tools, failed} = await withProgress(
      'Starting the gateway and listing tools',
      () =>
        listGatewayTools(this.ctx, {
          gatewayArgs: flags['gateway-arg'],
          verbose: flags.verbose,
        }),
      {quiet: this.jsonEnabled() || flags.quiet},
    )
    // A server that could not start has no tools here: say so, or the listing reads as complete.
    for (const {server, reason} of failed)
      this.logToStderr(`warning: server "${server}" failed to start: ${reason}`)
    if (flags.quiet) {
      this.logIds(tools.map((tool) => tool.name))
      return tools
    }
    this.log(`${tools.length} tools:`)
    for (const tool of tools) this.log(` - ${tool.name} - ${toolSummary(tool)}`)
    return tools
  }
}
