import {Args, Flags} from '@oclif/core'

import {BaseCommand} from '../../src/cli/base-command.js'
import {formatClientDoctor} from '../../src/clients/format.js'
import {clientIds, doctorClientConnections, type ClientDoctorReport} from '../../src/clients/index.js'
import {homeDir} from '../../src/paths.js'

export default class ClientDoctor extends BaseCommand {
  static override description =
    "start each connected client's MCP_DOCKER entry exactly as its config has it, and check that it answers MCP"
  static override enableJsonFlag = true
  static override examples = [
    'docker mcp client doctor',
    'docker mcp client doctor claude-desktop',
    'docker mcp client doctor cursor --global --timeout 120',
  ]
  static override args = {
    client: Args.string({description: `only this client: ${clientIds().join(', ')}`, required: false}),
  }
  static override flags = {
    global: Flags.boolean({
      char: 'g',
      description: 'only user-level configs, not the project around the current directory',
      default: false,
    }),
    timeout: Flags.integer({description: 'seconds to wait for each server', default: 60, min: 1}),
  }

  async run(): Promise<ClientDoctorReport> {
    const {args, flags} = await this.parse(ClientDoctor)
    const report = await doctorClientConnections(this.ctx, {
      ...(args.client ? {client: args.client} : {}),
      global: flags.global,
      timeoutMs: flags.timeout * 1000,
    })
    this.log(formatClientDoctor(report, homeDir(this.ctx.env)))
    if (!report.ok) process.exitCode = 1
    return report
  }
}
