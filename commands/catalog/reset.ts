import {resetCatalogs} from '../../src/catalog/manage.js'
import {BaseCommand} from '../../src/cli/base-command.js'

export default class CatalogReset extends BaseCommand {
  static override aliases = ['catalog:empty']
  static override hiddenAliases = ['catalogs:reset', 'catalogs:empty']
  static override description =
    'remove every imported catalog; the Docker MCP Catalog shipped with docker-mcp remains'
  static override examples = ['docker mcp catalog reset']

  async run(): Promise<void> {
    await this.parse(CatalogReset)
    await resetCatalogs(this.ctx)
    this.log('All catalogs removed; using the Docker MCP Catalog shipped with docker-mcp.')
  }
}
