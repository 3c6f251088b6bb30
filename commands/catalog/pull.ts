import {Args, Flags} from '@oclif/core'

import {pullCatalog, type CatalogPullResult} from '../../src/catalog/oci.js'
import {BaseCommand} from '../../src/cli/base-command.js'
import {canPrompt, confirm} from '../../src/cli/confirm.js'
import {createTransferReporter} from '../../src/oci/progress.js'

export default class CatalogPull extends BaseCommand {
  static override description =
    'pull a catalog from an OCI registry (pushed by docker mcp catalog push, ours or the original), check its digests, and add it to your catalogs'
  static override enableJsonFlag = true
  static override examples = [
    'docker mcp catalog pull registry.example.com/team/mcp-catalog:v1',
    'docker mcp catalog pull myuser/mcp-catalog --name team',
    'docker mcp catalog pull registry.example.com/team/mcp-catalog@sha256:<digest>',
    'docker mcp catalog pull localhost:5000/mcp-catalog --force',
  ]
  static override args = {
    ref: Args.string({
      description: 'what to pull: [registry/]repository[:tag|@sha256:<digest>] (tag latest when neither)',
      required: true,
    }),
  }
  static override flags = {
    name: Flags.string({
      description: 'catalog name to store it under (default: the last part of the repository)',
    }),
    force: Flags.boolean({
      char: 'f',
      description: 'replace a catalog of the same name (asked on a terminal, refused otherwise)',
    }),
  }

  async run(): Promise<CatalogPullResult> {
    const {args, flags} = await this.parse(CatalogPull)
    const reporter = this.jsonEnabled()
      ? undefined
      : createTransferReporter({stream: process.stderr, env: this.ctx.env, direction: 'pull'})
    let result: CatalogPullResult
    try {
      result = await pullCatalog(this.ctx, args.ref, {
        ...(flags.name ? {name: flags.name} : {}),
        force: flags.force,
        ...(canPrompt() ? {confirmReplace: (question: string) => confirm(question)} : {}),
        ...(reporter ? {progress: (e) => reporter.progress(e)} : {}),
      })
    } finally {
      reporter?.end()
    }
    for (const warning of result.warnings) this.warn(warning)
    this.log(
      `${result.replaced ? 'Replaced' : 'Pulled'} catalog "${result.name}" (${result.servers} server${result.servers === 1 ? '' : 's'}) from ${result.reference}`,
    )
    return result
  }
}
