import {Args} from '@oclif/core'

import {updateCatalogs, type UpdateResult} from '../../src/catalog/manage.js'
import {BaseCommand} from '../../src/cli/base-command.js'
import {withProgress} from '../../src/cli/progress.js'
import {DockerMcpError} from '../../src/errors.js'

export default class CatalogUpdate extends BaseCommand {
  static override hiddenAliases = ['catalogs:update']
  static override description =
    'refresh catalogs from where they were imported (URL or file); a failed download keeps the existing copy'
  static override enableJsonFlag = true
  static override examples = ['docker mcp catalog update', 'docker mcp catalog update docker-mcp']
  static override args = {
    name: Args.string({description: 'catalog to update (default: every catalog with a source)'}),
  }

  async run(): Promise<UpdateResult[]> {
    const {args} = await this.parse(CatalogUpdate)
    const results = await withProgress('Updating catalogs', () => updateCatalogs(this.ctx, args.name), {
      quiet: this.jsonEnabled(),
    })
    for (const r of results) {
      if (r.status === 'updated') this.log(`updated: ${r.name} (${r.servers} servers)`)
      else if (r.status === 'skipped') this.log(`skipped: ${r.name} (${r.detail})`)
    }
    const failed = results.filter((r) => r.status === 'failed')
    if (failed.length === 1)
      throw new DockerMcpError(`failed to update catalog "${failed[0]!.name}": ${failed[0]!.detail}`)
    if (failed.length > 1)
      throw new DockerMcpError(
        `failed to update ${failed.length} catalogs:\n${failed.map((f) => `  ${f.name}: ${f.detail}`).join('\n')}`,
      )
    return results
  }
}
