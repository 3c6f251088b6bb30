import {readFile} from 'node:fs/promises'
import path from 'node:path'

import {Args, Flags} from '@oclif/core'

import {BaseCommand} from '../../src/cli/base-command.js'
import {DockerMcpError} from '../../src/errors.js'
import {importProfile} from '../../src/profiles/index.js'

export default class ProfileImport extends BaseCommand {
  static override description =
    "import a profile from a file in the original's export format (YAML or JSON); a profile of the same id is replaced"
  static override enableJsonFlag = true
  static override examples = [
    'docker mcp profile import research.yaml',
    'docker mcp profile import exported-by-docker-desktop.json --id team',
  ]
  static override args = {
    file: Args.string({description: 'profile file (.yaml, .yml or .json)', required: true}),
  }
  static override flags = {
    id: Flags.string({description: 'import under this id instead of the one in the file'}),
  }

  async run(): Promise<{id: string; action: string}> {
    const {args, flags} = await this.parse(ProfileImport)
    const file = path.resolve(this.ctx.cwd, args.file)
    let text: string
    try {
      text = await readFile(file, 'utf8')
    } catch (err) {
      throw new DockerMcpError(`failed to read profile file ${args.file}: ${(err as Error).message}`)
    }
    const result = await importProfile(this.ctx, text, {source: file, ...(flags.id ? {id: flags.id} : {})})
    this.log(`Imported profile ${result.id}`)
    return {id: result.id, action: result.action}
  }
}
