import {Args} from '@oclif/core'

import {removeCatalog} from '../../src/catalog/manage.js'
import {BaseCommand} from '../../src/cli/base-command.js'

export default class CatalogRm extends BaseCommand {
  static override aliases = ['catalog:remove']
  static override hiddenAliases = ['catalogs:rm', 'catalogs:remove']
  static override description = 'remove a catalog and its file'
  static override examples = ['docker mcp catalog rm team']
  static override args = {
    name: Args.string({description: 'catalog name', required: true}),
  }

  async run(): Promise<void> {
    const {args} = await this.parse(CatalogRm)
    await removeCatalog(this.ctx, args.name)
    this.log(`removed catalog "${args.name}"`)
  }
}
