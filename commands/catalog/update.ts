import {Args, Flags} from '@oclif/core'

import {formatCatalogDiff, isEmptyDiff} from '../../src/catalog/diff.js'
import {updateCatalogs, type UpdateResult} from '../../src/catalog/manage.js'
import {BaseCommand} from '../../src/cli/base-command.js'
import {withProgress} from '../../src/cli/progress.js'
import {DockerMcpError} from '../../src/errors.js'

export default class CatalogUpdate extends BaseCommand {
  static override hiddenAliases = ['catalogs:update']
  static override description =
    'refresh catalogs from where they were imported (URL or file), showing what changed in each server; a failed download keeps the existing copy'
  static override enableJsonFlag = true
  static override examples = [
    'docker mcp catalog update',
    'docker mcp catalog update docker-mcp',
    'docker mcp catalog update team --dry-run',
  ]
  static override args = {
    name: Args.string({description: 'catalog to update (default: every catalog with a source)'}),
  }
  static override flags = {
    'dry-run': Flags.boolean({description: 'show what would change, write nothing'}),
    'allow-insecure': Flags.boolean({
      description: 'allow plain http:// URLs to other hosts (anyone on the network path can alter them)',
    }),
  }

  async run(): Promise<UpdateResult[]> {
    const {args, flags} = await this.parse(CatalogUpdate)
    const dryRun = flags['dry-run']
    const results = await withProgress(
      dryRun ? 'Checking catalogs' : 'Updating catalogs',
      () => updateCatalogs(this.ctx, args.name, {dryRun, allowInsecure: flags['allow-insecure']}),
      {quiet: this.jsonEnabled()},
    )
    for (const r of results) {
      if (r.status === 'updated') {
        const verb = dryRun ? 'would update' : 'updated'
        const unchanged = r.changes && isEmptyDiff(r.changes) ? ', no server changed' : ''
        this.log(`${verb}: ${r.name} (${r.servers} servers${unchanged})`)
        for (const line of r.changes ? formatCatalogDiff(r.changes) : []) this.log(line)
      } else if (r.status === 'skipped') this.log(`skipped: ${r.name} (${r.detail})`)
    }
    const failed = results.filter((r) => r.status === 'failed')
    if (failed.length === 1)
      throw new DockerMcpError(`failed to update catalog "${failed[0]!.name}": ${failed[0]!.detail}`, {
        suggestions: failed[0]!.suggestions ?? [],
      })
    if (failed.length > 1)
      throw new DockerMcpError(
        `failed to update ${failed.length} catalogs:\n${failed.map((f) => `  ${f.name}: ${f.detail}`).join('\n')}`,
      )
    return results
  }
}
