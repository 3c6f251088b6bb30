import {BaseCommand} from '../../../src/cli/base-command.js'
import {quietFlag} from '../../../src/cli/flags.js'
import {formatTokenList} from '../../../src/gateway/http/token-format.js'
import {listTokens, type TokenListing} from '../../../src/gateway/http/named-tokens.js'

export default class GatewayTokenLs extends BaseCommand {
  static override aliases = ['gateway:token:list']
  static override description = 'list the named gateway tokens: names and creation times (never the tokens)'
  static override enableJsonFlag = true
  static override examples = ['docker mcp gateway token ls', 'docker mcp gateway token ls --json']
  static override flags = {quiet: quietFlag('token names')}

  async run(): Promise<TokenListing[]> {
    const {flags} = await this.parse(GatewayTokenLs)
    const tokens = await listTokens(this.ctx.paths)
    if (flags.quiet) this.logIds(tokens.map((t) => t.name))
    else this.log(formatTokenList(tokens))
    return tokens
  }
}
