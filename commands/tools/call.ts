import {Args, Flags} from '@oclif/core'

import {BaseCommand} from '../../src/cli/base-command.js'
import {gatewayClientFlags} from '../../src/cli/flags.js'
import {withProgress} from '../../src/cli/progress.js'
import {
  availableTools,
  parseToolArguments,
  renderToolResult,
  withGatewayClient,
} from '../../src/gateway/cli-client.js'
import {DockerMcpError, UsageError} from '../../src/errors.js'

export default class ToolsCall extends BaseCommand {
  static override description =
    'call a tool through the gateway; arguments as key=value, typed by the tool schema'
  static override enableJsonFlag = true
  static override strict = false
  static override examples = [
    'docker mcp tools call roll_dice sides=20',
    'docker mcp tools call roll_dice sides=6 count=3',
    `docker mcp tools call roll_dice --json-args '{"sides": 12}'`,
  ]
  static override args = {tool: Args.string({description: 'tool name', required: true})}
  static override flags = {
    'json-args': Flags.string({description: 'arguments as one JSON object (instead of key=value words)'}),
    ...gatewayClientFlags,
  }

  async run(): Promise<unknown> {
    const {args, argv, flags} = await this.parse(ToolsCall)
    const words = (argv as string[]).slice(1)
    let jsonArgs: Record<string, unknown> | undefined
    if (flags['json-args'] !== undefined) {
      try {
        jsonArgs = JSON.parse(flags['json-args']) as Record<string, unknown>
      } catch (err) {
        throw new UsageError(`--json-args is not valid JSON: ${(err as Error).message}`)
      }
    }
    const {result, ms} = await withProgress(
      `Calling ${args.tool}`,
      () =>
        withGatewayClient(
          this.ctx,
          {gatewayArgs: flags['gateway-arg'], verbose: flags.verbose},
          async (client) => {
            const tools = await availableTools(client)
            const tool = tools.find((t) => t.name === args.tool)
            if (!tool)
              throw new DockerMcpError(`no tool "${args.tool}"`, {
                suggestions: ['Run "docker mcp tools ls" to list the tools.'],
              })
            const toolArgs = jsonArgs ?? parseToolArguments(words, tool.inputSchema as never)
            const started = performance.now()
            const result = await client.callTool({name: args.tool, arguments: toolArgs})
            return {result, ms: performance.now() - started}
          },
        ),
      {quiet: this.jsonEnabled()},
    )
    if (!this.jsonEnabled()) {
      this.logToStderr(`Tool call took: ${Math.round(ms)}ms`)
      this.log(renderToolResult(result as never))
    }
    if (result.isError) {
      if (this.jsonEnabled()) this.log(JSON.stringify(result, null, 2))
      this.exit(1)
    }
    return result
  }
}
