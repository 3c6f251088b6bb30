import {Flags} from '@oclif/core'

import {catalogIndexView, formatCatalogList, formatStructured} from '../../src/catalog/format.js'
import {catalogOverview} from '../../src/catalog/manage.js'
import {BaseCommand} from '../../src/cli/base-command.js'
import {quietFlag} from '../../src/cli/flags.js'

export default class CatalogLs extends BaseCommand {
  static override aliases = ['catalog:list']
  static override hiddenAliases = ['catalogs:ls', 'catalogs:list']
  static override description = 'list the configured catalogs (the Docker MCP Catalog first)'
  static override enableJsonFlag = true
  static override examples = [
    'docker mcp catalog ls',
    'docker mcp catalog ls --format yaml',
    'docker mcp catalog ls -q',
  ]
  static override flags = {
    format: Flags.option({options: ['json', 'yaml'] as const, description: 'print as JSON or YAML'})(),
    quiet: quietFlag('catalog names', ['format']),
  }

  async run(): Promise<ReturnType<typeof catalogIndexView>> {
    const {flags} = await this.parse(CatalogLs)
    const {catalogs} = await catalogOverview(this.ctx)
    const view = catalogIndexView(catalogs)
    if (flags.quiet) this.logIds(catalogs.map((c) => c.name))
    else this.log(flags.format ? formatStructured(view, flags.format) : formatCatalogList(catalogs))
    return view
  }
}
