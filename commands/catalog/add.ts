import {Args, Flags} from '@oclif/core'

import {addServerToCatalog} from '../../src/catalog/manage.js'
import {BaseCommand} from '../../src/cli/base-command.js'

export default class CatalogAdd extends BaseCommand {
  static override hiddenAliases = ['catalogs:add']
  static override description = 'copy a server definition from a YAML file (with a "registry") into a catalog'
  static override examples = [
    'docker mcp catalog add team notes-db ./notes-db.yaml',
    'docker mcp catalog add team notes-db ./notes-db.yaml --force',
  ]
  static override args = {
    catalog: Args.string({description: 'destination catalog', required: true}),
    server: Args.string({description: 'server name (a key under "registry" in the file)', required: true}),
    file: Args.string({description: 'YAML file holding the server definition', required: true}),
  }
  static override flags = {
    force: Flags.boolean({description: 'replace the server if the catalog already has it', default: false}),
  }

  async run(): Promise<void> {
    const {args, flags} = await this.parse(CatalogAdd)
    const result = await addServerToCatalog(this.ctx, args.catalog, args.server, args.file, {
      force: flags.force,
    })
    for (const warning of result.warnings) this.warn(warning)
    this.log(
      `${result.replaced ? 'Replaced' : 'Added'} server "${args.server}" in catalog "${args.catalog}".`,
    )
  }
}
