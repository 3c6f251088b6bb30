import {BaseCommand} from '../../src/cli/base-command.js'
import {formatOAuthList, listOAuthStatus, openOAuthStore, type OAuthStatusRow} from '../../src/oauth/index.js'

export default class OAuthLs extends BaseCommand {
  static override aliases = ['oauth:list']
  static override description =
    'list remote servers that use OAuth: status, token expiry, scopes (never tokens)'
  static override enableJsonFlag = true
  static override examples = ['docker mcp oauth ls', 'docker mcp oauth ls --json']

  async run(): Promise<OAuthStatusRow[]> {
    await this.parse(OAuthLs)
    const store = await openOAuthStore(this.ctx, (m) => this.logToStderr(`warning: ${m}`))
    const rows = await listOAuthStatus(this.ctx, store)
    this.log(formatOAuthList(rows))
    return rows
  }
}
