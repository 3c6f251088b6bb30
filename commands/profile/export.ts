import {Args} from '@oclif/core'

import {BaseCommand} from '../../src/cli/base-command.js'
import {UsageError} from '../../src/errors.js'
import {writeFileAtomic} from '../../src/fs/atomic.js'
import {exportProfile} from '../../src/profiles/index.js'

export default class ProfileExport extends BaseCommand {
  static override description =
    'write a profile to a file in the original\'s export format (.yaml or .json), for "profile import" here or in Docker\'s plugin'
  static override examples = [
    'docker mcp profile export research research.yaml',
    'docker mcp profile export default ./default.json',
    'docker mcp profile export research -   # to stdout, as YAML',
  ]
  static override args = {
    id: Args.string({description: 'profile id', required: true}),
    file: Args.string({description: 'output file (.yaml or .json), or - for stdout', required: true}),
  }

  async run(): Promise<void> {
    const {args} = await this.parse(ProfileExport)
    const lower = args.file.toLowerCase()
    const format = lower.endsWith('.json')
      ? 'json'
      : lower.endsWith('.yaml') || lower.endsWith('.yml') || args.file === '-'
        ? 'yaml'
        : undefined
    if (!format) throw new UsageError(`unsupported file extension: ${args.file}, must be .yaml or .json`)
    const {document} = await exportProfile(this.ctx, args.id, format)
    if (args.file === '-') {
      process.stdout.write(document)
      return
    }
    const path = await import('node:path')
    await writeFileAtomic(path.resolve(this.ctx.cwd, args.file), document)
    this.log(`Exported profile ${args.id} to ${args.file}`)
  }
}
