import {Args} from '@oclif/core'

import {pushCatalog, type CatalogPushResult} from '../../src/catalog/oci.js'
import {BaseCommand} from '../../src/cli/base-command.js'
import {createTransferReporter} from '../../src/oci/progress.js'

export default class CatalogPush extends BaseCommand {
  static override description =
    'push a catalog to an OCI registry (as the original docker mcp does: readable by either tool), with the credentials of docker login'
  static override enableJsonFlag = true
  static override examples = [
    'docker mcp catalog push my-catalog registry.example.com/team/mcp-catalog:v1',
    'docker mcp catalog push my-catalog myuser/mcp-catalog',
    'docker mcp catalog push my-catalog localhost:5000/mcp-catalog:latest --json',
  ]
  static override args = {
    catalog: Args.string({description: 'catalog name (see docker mcp catalog ls)', required: true}),
    ref: Args.string({
      description: 'where to push: [registry/]repository[:tag] (tag latest when none)',
      required: true,
    }),
  }

  async run(): Promise<CatalogPushResult> {
    const {args} = await this.parse(CatalogPush)
    const reporter = this.jsonEnabled()
      ? undefined
      : createTransferReporter({stream: process.stderr, env: this.ctx.env, direction: 'push'})
    try {
      const result = await pushCatalog(this.ctx, args.catalog, args.ref, {
        ...(reporter ? {progress: (e) => reporter.progress(e)} : {}),
      })
      reporter?.end()
      this.log(
        `Pushed catalog "${result.catalog}" (${result.servers} server${result.servers === 1 ? '' : 's'}) to ${result.reference}`,
      )
      return result
    } catch (err) {
      reporter?.end()
      throw err
    }
  }
}
