import {BaseCommand} from '../../src/cli/base-command.js'
import {resetRegistry} from '../../src/registry/index.js'

export default class ServerReset extends BaseCommand {
  static override description = 'disable every server (empties registry.yaml)'
  static override examples = ['docker mcp server reset']

  async run(): Promise<void> {
    await this.parse(ServerReset)
    await resetRegistry(this.ctx)
    this.log('All servers disabled.')
  }
}
