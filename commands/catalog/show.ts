import {Args, Flags} from '@oclif/core'

import {formatCatalogShow, formatStructured} from '../../src/catalog/format.js'
import {showCatalog} from '../../src/catalog/manage.js'
import {DOCKER_CATALOG} from '../../src/catalog/names.js'
import type {CatalogEntry} from '../../src/catalog/schema.js'
import {BaseCommand} from '../../src/cli/base-command.js'
import {quietFlag} from '../../src/cli/flags.js'

export default class CatalogShow extends BaseCommand {
  static override hiddenAliases = ['catalogs:show']
  static override description = 'show the servers of a catalog'
  static override enableJsonFlag = true
  static override examples = [
    'docker mcp catalog show',
    'docker mcp catalog show my-catalog',
    'docker mcp catalog show docker-mcp --format yaml',
    'docker mcp catalog show my-catalog -q',
  ]
  static override args = {
    name: Args.string({description: 'catalog name', default: DOCKER_CATALOG}),
  }
  static override flags = {
    format: Flags.option({options: ['json', 'yaml'] as const, description: 'print as JSON or YAML'})(),
    quiet: quietFlag('the names of its servers, sorted', ['format']),
  }

  async run(): Promise<{name: string; displayName: string; registry: Record<string, CatalogEntry>}> {
    const {args, flags} = await this.parse(CatalogShow)
    const details = await showCatalog(this.ctx, args.name)
    const data = {name: details.name, displayName: details.displayName, registry: details.registry}
    if (flags.quiet) this.logIds(Object.keys(details.registry).sort())
    else this.log(flags.format ? formatStructured(data, flags.format) : formatCatalogShow(details))
    return data
  }
}
