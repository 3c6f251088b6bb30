import {BaseCommand} from '../../src/cli/base-command.js'
import {gatewayClientFlags} from '../../src/cli/flags.js'
import {withProgress} from '../../src/cli/progress.js'
import {listGatewayTools} from '../../src/gateway/cli-client.js'

export default class ToolsCount extends BaseCommand {
  static override description = 'count the tools the gateway exposes'
  static override enableJsonFlag = true
  static override examples = ['docker mcp tools count', 'docker mcp tools count --json']
  static override flags = {
    ...gatewayClientFlags,
  }

  async run(): Promise<{count: number}> {
    const {flags} = await this.parse(ToolsCount)
    const count = (
      await withProgress(
        'Starting the gateway and listing tools',
        async () =>
          (await listGatewayTools(this.ctx, {gatewayArgs: flags['gateway-arg'], verbose: flags.verbose}))
            .tools,
        {quiet: this.jsonEnabled()},
      )
    ).length
    this.log(`${count} tools`)
    return {count}
  }
}
