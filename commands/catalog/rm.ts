import {Args} from '@oclif/core'

import {removeCatalog} from '../../src/catalog/manage.js'
import {BaseCommand} from '../../src/cli/base-command.js'

export default class CatalogRm extends BaseCommand {
  static override aliases = ['catalog:remove']
  static override hiddenAliases = ['catalogs:rm', 'catalogs:remove']
  static override description =
    'remove a catalog and its file ("docker-mcp": restore the Docker MCP Catalog shipped with docker-mcp)'
  static override examples = ['docker mcp catalog rm team', 'docker mcp catalog rm docker-mcp']
  static override args = {
    name: Args.string({description: 'catalog name', required: true}),
  }

  async run(): Promise<void> {
    const {args} = await this.parse(CatalogRm)
    const result = await removeCatalog(this.ctx, args.name)
    this.log(
      result.restored
        ? `restored the Docker MCP Catalog shipped with docker-mcp (your copy of "${args.name}" was removed)`
        : `removed catalog "${args.name}"`,
    )
  }
}
