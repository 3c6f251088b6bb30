import {Args, Flags} from '@oclif/core'

import {importCatalog, type ImportResult} from '../../src/catalog/manage.js'
import {BaseCommand} from '../../src/cli/base-command.js'
import {canPrompt, confirm} from '../../src/cli/confirm.js'

export default class CatalogImport extends BaseCommand {
  static override hiddenAliases = ['catalogs:import']
  static override description =
    'import a catalog from a file or an http(s) URL ("docker-mcp" downloads Docker\'s published catalog)'
  static override enableJsonFlag = true
  static override examples = [
    'docker mcp catalog import ./team-catalog.yaml',
    'docker mcp catalog import https://example.com/mcp/catalog.yaml',
    'docker mcp catalog import ./servers.yaml --name team',
    'docker mcp catalog import docker-mcp',
    'docker mcp catalog import ./team-catalog.yaml --force',
  ]
  static override args = {
    source: Args.string({description: 'catalog file, http(s) URL, or docker-mcp', required: true}),
  }
  static override flags = {
    name: Flags.string({
      description: 'catalog name, when the file has none (or to import under another name)',
    }),
    force: Flags.boolean({
      char: 'f',
      description: 'replace a catalog of the same name (asked on a terminal, refused otherwise)',
    }),
    'allow-insecure': Flags.boolean({
      description: 'allow a plain http:// URL to another host (anyone on the network path can alter it)',
    }),
  }

  async run(): Promise<ImportResult> {
    const {args, flags} = await this.parse(CatalogImport)
    const result = await importCatalog(this.ctx, args.source, {
      ...(flags.name ? {name: flags.name} : {}),
      allowInsecure: flags['allow-insecure'],
      force: flags.force,
      ...(canPrompt() ? {confirmReplace: (question: string) => confirm(question)} : {}),
    })
    for (const warning of result.warnings) this.warn(warning)
    this.log(
      `${result.replaced ? 'Replaced' : 'Imported'} catalog "${result.name}" (${result.servers} server${result.servers === 1 ? '' : 's'}).`,
    )
    return result
  }
}
