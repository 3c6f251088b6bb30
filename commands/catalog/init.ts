import {initCatalogs} from '../../src/catalog/manage.js'
import {BaseCommand} from '../../src/cli/base-command.js'

export default class CatalogInit extends BaseCommand {
  static override hiddenAliases = ['catalogs:init']
  static override description =
    'set up the Docker MCP Catalog (the copy shipped with docker-mcp; no download, see "catalog update")'
  static override enableJsonFlag = true
  static override examples = ['docker mcp catalog init']

  async run(): Promise<Awaited<ReturnType<typeof initCatalogs>>> {
    await this.parse(CatalogInit)
    const result = await initCatalogs(this.ctx)
    const where = result.source === 'shipped' ? 'shipped with docker-mcp' : `from ${result.file}`
    this.log(`Docker MCP Catalog ready: ${result.servers} servers (${where}).`)
    if (result.source === 'shipped')
      this.log('Run "docker mcp catalog update docker-mcp" to fetch the latest catalog published by Docker.')
    return result
  }
}
