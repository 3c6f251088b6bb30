import {Args} from '@oclif/core'

import {BaseCommand} from '../../src/cli/base-command.js'
import {gatewayClientFlags} from '../../src/cli/flags.js'
import {withProgress} from '../../src/cli/progress.js'
import {listGatewayTools} from '../../src/gateway/cli-client.js'
import {DockerMcpError} from '../../src/errors.js'
import {closestMatches} from '../../src/text/suggest.js'

export default class ToolsInspect extends BaseCommand {
  static override description = 'show a tool: its description and input schema'
  static override enableJsonFlag = true
  static override examples = [
    'docker mcp tools inspect roll_dice',
    'docker mcp tools inspect roll_dice --json',
    'docker mcp tools inspect roll_dice --format json',
  ]
  static override args = {tool: Args.string({description: 'tool name', required: true})}
  static override flags = {
    ...gatewayClientFlags,
  }

  async run(): Promise<unknown> {
    const {args, flags} = await this.parse(ToolsInspect)
    const {tools} = await withProgress(
      'Starting the gateway and listing tools',
      () =>
        listGatewayTools(this.ctx, {
          gatewayArgs: flags['gateway-arg'],
          verbose: flags.verbose,
        }),
      {quiet: this.jsonEnabled()},
    )
    const tool = tools.find((t) => t.name === args.tool)
    if (!tool) {
      const close = closestMatches(
        args.tool,
        tools.map((t) => t.name),
      )
      throw new DockerMcpError(`no tool "${args.tool}"`, {
        suggestions: [
          ...close.map((c) => `docker mcp tools inspect ${c}`),
          'Run "docker mcp tools ls" to list the tools.',
        ],
      })
    }
    this.log(`Name: ${tool.name}`)
    if (tool.title) this.log(`Title: ${tool.title}`)
    this.log(`Description: ${tool.description ?? ''}`)
    this.log(`Input schema: ${JSON.stringify(tool.inputSchema, null, 2)}`)
    return tool
  }
}
