import {Args, Flags} from '@oclif/core'

import {BaseCommand} from '../../src/cli/base-command.js'
import {UsageError} from '../../src/errors.js'
import {disableTools, type ToolsChange} from '../../src/server-config/tools.js'

export default class ToolsDisable extends BaseCommand {
  static override description = "disallow tools of a server (edits the server's allowlist in tools.yaml)"
  static override enableJsonFlag = true
  static override strict = false
  static override examples = [
    'docker mcp tools disable merge_pull_request',
    'docker mcp tools disable flip_coin --server dice',
  ]
  static override args = {
    tool: Args.string({description: 'tool name(s)', required: true}),
  }
  static override flags = {
    server: Flags.string({description: 'the server the tools belong to (default: found in the catalogs)'}),
  }

  async run(): Promise<ToolsChange[]> {
    const {argv, flags} = await this.parse(ToolsDisable)
    const tools = argv as string[]
    if (tools.length === 0) throw new UsageError('name at least one tool to disable')
    const {changes, warnings} = await disableTools(this.ctx, tools, {server: flags.server})
    for (const w of warnings) this.warn(w)
    for (const c of changes)
      this.log(`${c.server}: disabled ${c.tools.join(', ')}; allowed: ${c.allowlist?.join(', ') || 'none'}`)
    return changes
  }
}
