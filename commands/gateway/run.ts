import {BaseCommand} from '../../src/cli/base-command.js'
import {booleanAssignments} from '../../src/cli/flag-spec.js'
import {toOclifFlags} from '../../src/cli/oclif-flags.js'
import {gatewayOptionsFromFlags, GATEWAY_RUN_FLAGS, type GatewayRunFlags} from '../../src/gateway/flags.js'
import {runGateway} from '../../src/gateway/run.js'

// MCP clients usually reach `gateway run` through bin/run.js's fast path (src/cli/gateway-fast-path.ts),
// which parses the same flag table without oclif; this command serves help and whatever that path declines.
export default class GatewayRun extends BaseCommand {
  static override description =
    'run the MCP gateway: one MCP endpoint for the tools, prompts and resources of every enabled server, each server in its own container'

  static override examples = [
    'docker mcp gateway run',
    'docker mcp gateway run --servers dice --dry-run',
    'docker mcp gateway run --transport streaming --port 8811',
    'docker mcp gateway run --transport sse --host 0.0.0.0 --port 8811',
    'docker mcp gateway run --secrets ./team.env --tools dice:roll_dice',
    'docker mcp gateway run --transport streaming --auth oauth --issuer https://keycloak.example.com/realms/team --audience https://mcp.example.com --required-scopes mcp:tools',
  ]

  static override flags = toOclifFlags(GATEWAY_RUN_FLAGS)

  async run(): Promise<void> {
    // `--block-secrets=false` as Docker's CLI takes it (oclif would refuse a value for a boolean).
    const {flags} = await this.parse(GatewayRun, booleanAssignments(this.argv, GATEWAY_RUN_FLAGS))
    const code = await runGateway(
      this.ctx,
      gatewayOptionsFromFlags(flags as unknown as GatewayRunFlags, this.config.version),
    )
    // The engine's sockets may keep the event loop alive; the gateway is done.
    this.exit(code)
  }
}
