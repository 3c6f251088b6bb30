import {Args} from '@oclif/core'

import {exportCatalog} from '../../src/catalog/manage.js'
import {BaseCommand} from '../../src/cli/base-command.js'

export default class CatalogExport extends BaseCommand {
  static override hiddenAliases = ['catalogs:export']
  static override description = 'write a copy of a catalog file (comments included) to a file'
  static override examples = ['docker mcp catalog export team ./team-catalog.yaml']
  static override args = {
    name: Args.string({description: 'catalog name', required: true}),
    file: Args.string({description: 'destination file', required: true}),
  }

  async run(): Promise<void> {
    const {args} = await this.parse(CatalogExport)
    const {file} = await exportCatalog(this.ctx, args.name, args.file)
    this.log(`Exported catalog "${args.name}" to ${file}`)
  }
}
