import {Args, Flags} from '@oclif/core'

import {BaseCommand} from '../../src/cli/base-command.js'
import {formatClientChange, formatVerify} from '../../src/clients/format.js'
import {clientIds, connectClient, verifyClient, type ClientChange} from '../../src/clients/index.js'
import {homeDir} from '../../src/paths.js'
import {getProfile} from '../../src/profiles/index.js'

export default class ClientConnect extends BaseCommand {
  static override description =
    'add the Docker MCP gateway (MCP_DOCKER: docker mcp gateway run) to an MCP client, changing nothing else in its config'
  static override enableJsonFlag = true
  static override examples = [
    'docker mcp client connect cursor --global',
    'docker mcp client connect vscode',
    'docker mcp client connect claude-desktop --global --verify',
    '# serve one profile to this client (writes: docker mcp gateway run --profile research)\ndocker mcp client connect cursor --global --profile research',
    '# GUI apps may not have docker on their PATH: write an absolute path instead of "docker"\nDOCKER_MCP_CLIENT_COMMAND=/usr/local/bin/docker docker mcp client connect claude-desktop --global',
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
    profile: Flags.string({
      char: 'p',
      description:
        'the profile the gateway serves this client (writes "docker mcp gateway run --profile <id>")',
    }),
    verify: Flags.boolean({
      description:
        'then start the entry as the client would and check that it answers MCP (initialize, tools/list)',
      default: false,
    }),
    timeout: Flags.integer({
      description: 'seconds to wait for the server with --verify',
      default: 60,
      min: 1,
    }),
  }

  async run(): Promise<ClientChange> {
    const {args, flags} = await this.parse(ClientConnect)
    // A profile that does not exist would make the client's gateway fail at every start: check it first.
    if (flags.profile) await getProfile(this.ctx, flags.profile)
    const result = await connectClient(this.ctx, args.client, {global: flags.global, profile: flags.profile})
    if (flags.verify)
      result.verify = await verifyClient(this.ctx, args.client, {
        global: flags.global,
        timeoutMs: flags.timeout * 1000,
      })
    if (!flags.quiet) {
      this.log(formatClientChange(result, homeDir(this.ctx.env)))
      if (result.verify) this.log(formatVerify(result.verify))
    } else if (result.verify && !result.verify.ok) this.logToStderr(formatVerify(result.verify))
    if (result.verify && !result.verify.ok) process.exitCode = 1
    return result
  }
}
