import {Args, Flags} from '@oclif/core'

import {BaseCommand} from '../../src/cli/base-command.js'
import {DockerMcpError} from '../../src/errors.js'
import {openOAuthStore, revoke} from '../../src/oauth/index.js'

export default class OAuthRevoke extends BaseCommand {
  static override description = `revoke a server's OAuth tokens (at the authorization server when it can) and delete them`
  static override examples = [
    'docker mcp oauth revoke notion-remote',
    'docker mcp oauth revoke notion-remote --all',
  ]
  static override args = {
    server: Args.string({description: 'the remote server', required: true}),
  }
  static override flags = {
    all: Flags.boolean({description: 'also delete the client registration'}),
  }

  async run(): Promise<void> {
    const {args, flags} = await this.parse(OAuthRevoke)
    const store = await openOAuthStore(this.ctx, (m) => this.logToStderr(`warning: ${m}`))
    const result = await revoke(store, args.server, {client: flags.all})
    if (result.warning) this.logToStderr(`warning: ${result.warning}`)
    if (!result.removed && !flags.all)
      throw new DockerMcpError(`server "${args.server}" has no OAuth tokens stored`, {
        suggestions: ['docker mcp oauth ls'],
      })
    this.log(
      result.removed
        ? `revoked ${args.server}${result.revokedAtServer ? ' at the authorization server and' : ''} deleted its tokens`
        : `no tokens for ${args.server}; client registration deleted`,
    )
  }
}
