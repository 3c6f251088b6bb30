import {spawn} from 'node:child_process'

import {Args, Flags} from '@oclif/core'

import {BaseCommand} from '../../src/cli/base-command.js'
import {isFeatureEnabled} from '../../src/features/index.js'
import {authorize, callbackPort, findOAuthServer, openOAuthStore} from '../../src/oauth/index.js'

/** Best effort: the URL is printed as well, so a browser that does not open is no dead end. */
function openBrowser(url: string): void {
  const [cmd, args] =
    process.platform === 'darwin'
      ? ['open', [url]]
      : process.platform === 'win32'
        ? ['cmd', ['/c', 'start', '""', url]]
        : ['xdg-open', [url]]
  try {
    const child = spawn(cmd as string, args as string[], {stdio: 'ignore', detached: true})
    child.on('error', () => {})
    child.unref()
  } catch {
    // No opener: the printed URL is the way.
  }
}

export default class OAuthAuthorize extends BaseCommand {
  static override description = `authorize a remote MCP server with OAuth (opens the browser, or prints the URL)

Discovers the server's authorization server (RFC 9728, RFC 8414), registers this CLI as a public client
when the server allows it (RFC 7591; otherwise run "docker mcp oauth register" first), and runs the
authorization code flow with PKCE and a resource indicator. The browser comes back to a listener on
127.0.0.1 (any free port, or MCP_GATEWAY_OAUTH_PORT). Tokens go to the secret store, never to the screen.`
  static override examples = [
    'docker mcp oauth authorize notion-remote',
    'docker mcp oauth authorize linear --scopes "read write"',
    'docker mcp oauth authorize notion-remote --no-browser',
  ]
  static override args = {
    server: Args.string({description: 'the remote server, as the catalog names it', required: true}),
  }
  static override flags = {
    scopes: Flags.string({
      description: "scopes to request, space separated (default: the catalog's, else the server's)",
    }),
    'no-browser': Flags.boolean({
      description: 'print the URL instead of opening a browser (headless machines)',
    }),
    'open-browser': Flags.boolean({
      hidden: true,
      description: "the original's flag; opening is the default here",
    }),
  }

  async run(): Promise<void> {
    const {args, flags} = await this.parse(OAuthAuthorize)
    const server = await findOAuthServer(this.ctx, args.server)
    const store = await openOAuthStore(this.ctx, (m) => this.logToStderr(`warning: ${m}`))
    const result = await authorize(store, {
      server: server.name,
      url: server.url,
      scopes: flags.scopes ?? server.scopes?.join(' '),
      port: callbackPort(this.ctx.env),
      dynamicRegistration: await isFeatureEnabled(this.ctx, 'mcp-oauth-dcr', (m) =>
        this.logToStderr(`warning: ${m}`),
      ),
      onAuthorizationUrl: (url) => {
        this.logToStderr(`Open this URL in a browser to authorize ${server.name}:\n\n  ${url.href}\n`)
        this.logToStderr('Waiting for the browser to come back...')
        if (!flags['no-browser']) openBrowser(url.href)
      },
    })
    const expiry = result.expiresAt ? `, expires ${new Date(result.expiresAt).toISOString()}` : ''
    this.log(
      `authorized ${server.name} with ${result.issuer}${result.scope ? ` (scopes: ${result.scope})` : ''}${expiry}`,
    )
  }
}
