import {Args} from '@oclif/core'

import {createCatalog} from '../../src/catalog/manage.js'
import {BaseCommand} from '../../src/cli/base-command.js'

export default class CatalogCreate extends BaseCommand {
  static override hiddenAliases = ['catalogs:create']
  static override description = 'create an empty catalog, to add servers to with "catalog add"'
  static override examples = ['docker mcp catalog create team']
  static override args = {
    name: Args.string({description: 'catalog name (letters, digits, ".", "_", "-")', required: true}),
  }

  async run(): Promise<void> {
    const {args} = await this.parse(CatalogCreate)
    await createCatalog(this.ctx, args.name)
    this.log(`created empty catalog ${args.name}`)
  }
}
