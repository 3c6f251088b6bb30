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
import {closestMatches} from '../../src/text/suggest.js'

export default class ToolsCall extends BaseCommand {
  static override description =
    'call a tool through the gateway; arguments as key=value, typed by the tool schema'
  static override enableJsonFlag = true
  static override strict = false
  static override examples = [
    'docker mcp tools call roll_dice sides=20',
    'docker mcp tools call roll_dice sides=6 count=3',
    `docker mcp tools call roll_dice --json-args '{"sides": 12}'`,
    'docker mcp tools call roll_dice sides=20 --format json',
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
      let parsed: unknown
      try {
        parsed = JSON.parse(flags['json-args'])
      } catch (err) {
        throw new UsageError(`--json-args is not valid JSON: ${(err as Error).message}`)
      }
      // Tool arguments are an object by name; anything else only earned a raw validation dump from the SDK.
      if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
        throw new UsageError(
          `--json-args must be a JSON object of arguments by name, like '{"sides": 6}'; got ${Array.isArray(parsed) ? 'an array' : parsed === null ? 'null' : `a ${typeof parsed}`}`,
        )
      jsonArgs = parsed as Record<string, unknown>
    }
    const {result, ms} = await withProgress(
      `Calling ${args.tool}`,
      () =>
        withGatewayClient(
          this.ctx,
          {gatewayArgs: flags['gateway-arg'], verbose: flags.verbose},
          async (client, gateway) => {
            let tools = await availableTools(client)
            let tool = tools.find((t) => t.name === args.tool)
            if (!tool) {
              // Not among the tools the catalog declares: it may come with the server's live listing.
              await gateway.waitForServers()
              tools = await availableTools(client)
              tool = tools.find((t) => t.name === args.tool)
            }
            if (!tool) {
              const names = tools.map((t) => t.name)
              throw new DockerMcpError(`no tool "${args.tool}"`, {
                suggestions: [
                  ...closestMatches(args.tool, names, 3).map((c) => `did you mean "${c}"?`),
                  ...gateway.failedServers().map((f) => `server "${f.server}" failed to start: ${f.reason}`),
                  'Run "docker mcp tools ls" to list the tools.',
                ],
              })
            }
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
