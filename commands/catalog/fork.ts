import {Args} from '@oclif/core'

import {forkCatalog} from '../../src/catalog/manage.js'
import {BaseCommand} from '../../src/cli/base-command.js'

export default class CatalogFork extends BaseCommand {
  static override hiddenAliases = ['catalogs:fork']
  static override description = 'copy a catalog under a new name (e.g. to edit servers of the Docker catalog)'
  static override examples = ['docker mcp catalog fork docker-mcp my-servers']
  static override args = {
    source: Args.string({description: 'catalog to copy', required: true}),
    name: Args.string({description: 'name of the new catalog', required: true}),
  }

  async run(): Promise<void> {
    const {args} = await this.parse(CatalogFork)
    const result = await forkCatalog(this.ctx, args.source, args.name)
    this.log(`Forked catalog "${args.source}" as "${result.name}" (${result.servers} servers).`)
  }
}
