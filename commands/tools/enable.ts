import {Args, Flags} from '@oclif/core'

import {BaseCommand} from '../../src/cli/base-command.js'
import {UsageError} from '../../src/errors.js'
import {enableTools, type ToolsChange} from '../../src/server-config/tools.js'

export default class ToolsEnable extends BaseCommand {
  static override description = "allow tools of a server (edits the server's allowlist in tools.yaml)"
  static override enableJsonFlag = true
  static override strict = false
  static override examples = [
    'docker mcp tools enable create_issue get_me',
    'docker mcp tools enable search --server duckduckgo',
  ]
  static override args = {
    tool: Args.string({description: 'tool name(s)', required: true}),
  }
  static override flags = {
    server: Flags.string({description: 'the server the tools belong to (default: found in the catalogs)'}),
  }

  async run(): Promise<ToolsChange[]> {
    const {argv, flags} = await this.parse(ToolsEnable)
    const tools = argv as string[]
    if (tools.length === 0) throw new UsageError('name at least one tool to enable')
    const {changes, warnings} = await enableTools(this.ctx, tools, {server: flags.server})
    for (const w of warnings) this.warn(w)
    for (const c of changes) {
      if (c.allowlist === undefined) this.log(`${c.server}: all tools are enabled already (no allowlist)`)
      else
        this.log(`${c.server}: enabled ${c.tools.join(', ')}; allowed: ${c.allowlist.join(', ') || 'none'}`)
    }
    return changes
  }
}
