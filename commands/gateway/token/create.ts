import {Args} from '@oclif/core'

import {BaseCommand} from '../../../src/cli/base-command.js'
import {createToken} from '../../../src/gateway/http/named-tokens.js'

export default class GatewayTokenCreate extends BaseCommand {
  static override description =
    'create a named gateway token (caller token:NAME for --policy, rate limits and the audit log); it is shown once, only its hash is kept'

  static override enableJsonFlag = true
  static override examples = [
    'docker mcp gateway token create ci',
    'TOKEN=$(docker mcp gateway token create ci --json | jq -r .token)',
  ]

  static override args = {
    name: Args.string({description: 'the token name (letters, digits, ".", "_", "-")', required: true}),
  }

  async run(): Promise<{name: string; token: string; created: string}> {
    const {args} = await this.parse(GatewayTokenCreate)
    const created = await createToken(this.ctx.paths, args.name)
    if (!this.jsonEnabled()) {
      this.log(created.token)
      this.logToStderr(
        `Created gateway token "${created.name}". Copy it now: it is not shown again (only its hash is kept).\nClients send it as "Authorization: Bearer <token>"; policies name it token:${created.name}.`,
      )
    }
    return created
  }
}
