import {Args, Flags} from '@oclif/core'

import {BaseCommand} from '../../src/cli/base-command.js'
import {findOAuthServer, openOAuthStore} from '../../src/oauth/index.js'
import {readSecretValue} from '../../src/secrets/input.js'

export default class OAuthRegister extends BaseCommand {
  static override description = `use a client you registered with the server's authorization server (providers without dynamic registration)

Register a client with the provider first, with the redirect URI http://127.0.0.1:<port>/callback and
MCP_GATEWAY_OAUTH_PORT=<port> set when you authorize. A confidential client's secret is read from stdin
with --client-secret-stdin (never from the command line, where process listings show it).`
  static override examples = [
    'docker mcp oauth register linear --client-id 0oa1b2c3',
    'docker mcp oauth register linear --client-id 0oa1b2c3 --client-secret-stdin < secret.txt',
  ]
  static override args = {
    server: Args.string({description: 'the remote server', required: true}),
  }
  static override flags = {
    'client-id': Flags.string({description: 'the client id the provider gave you', required: true}),
    'client-secret': Flags.string({
      description: 'the client secret (prefer --client-secret-stdin: a flag shows in process listings)',
      exclusive: ['client-secret-stdin'],
    }),
    'client-secret-stdin': Flags.boolean({description: 'read the client secret from stdin'}),
  }

  async run(): Promise<void> {
    const {args, flags} = await this.parse(OAuthRegister)
    const server = await findOAuthServer(this.ctx, args.server)
    const secret = flags['client-secret-stdin']
      ? await readSecretValue(process.stdin, {name: 'client secret', prompt: (t) => process.stderr.write(t)})
      : flags['client-secret']
    const store = await openOAuthStore(this.ctx, (m) => this.logToStderr(`warning: ${m}`))
    await store.saveClient(server.name, {
      client_id: flags['client-id'],
      ...(secret ? {client_secret: secret} : {}),
      registration: 'manual',
    })
    this.log(`registered client for ${server.name}: run "docker mcp oauth authorize ${server.name}"`)
  }
}
