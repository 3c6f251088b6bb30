import {Args} from '@oclif/core'

import {BaseCommand} from '../../../src/cli/base-command.js'
import {UsageError} from '../../../src/errors.js'
import {checkTokenName, removeTokens} from '../../../src/gateway/http/named-tokens.js'

export default class GatewayTokenRm extends BaseCommand {
  static override aliases = ['gateway:token:remove']
  static override description =
    'remove named gateway tokens: a running gateway refuses them from its next request on'

  static override enableJsonFlag = true
  static override strict = false
  static override examples = ['docker mcp gateway token rm ci', 'docker mcp gateway token rm ci deploy']
  static override args = {name: Args.string({description: 'token name(s)'})}

  async run(): Promise<{removed: string[]}> {
    const {argv} = await this.parse(GatewayTokenRm)
    const names = argv as string[]
    if (names.length === 0)
      throw new UsageError('give the name of the token to remove (docker mcp gateway token ls)')
    for (const name of names) checkTokenName(name)
    await removeTokens(this.ctx.paths, names)
    for (const name of names) this.log(`removed gateway token ${name}`)
    return {removed: names}
  }
}
