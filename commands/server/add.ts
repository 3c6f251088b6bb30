import {Args, Flags} from '@oclif/core'

import {formatSetupHints} from '../../src/catalog/format.js'
import type {SecretPresence} from '../../src/catalog/index.js'
import {BaseCommand} from '../../src/cli/base-command.js'
import {canPrompt, confirm} from '../../src/cli/confirm.js'
import {DockerMcpError, UsageError} from '../../src/errors.js'
import {previewServerAdd} from '../../src/registry/add-preview.js'
import {formatGrants, hasGrants, needsConfirmation, type ServerGrants} from '../../src/registry/grants.js'
import {enableServers} from '../../src/registry/index.js'
import {openSecretPresence} from '../../src/registry/secret-presence.js'

export default class ServerAdd extends BaseCommand {
  static override aliases = ['server:enable']
  static override description = `enable servers from any configured catalog

Before enabling, prints (to stderr) what each server will get: host mounts, network, a root user, added
capabilities, and secrets already stored for another server. Host mounts, root, capabilities and another
server's secrets need a yes: asked on a terminal; a script must pass --yes, or nothing is enabled.`
  static override enableJsonFlag = true
  static override strict = false
  static override examples = [
    'docker mcp server add dice',
    'docker mcp server enable fetch duckduckgo',
    'docker mcp server add filesystem --yes',
  ]
  static override args = {
    name: Args.string({description: 'server name(s)', required: true}),
  }
  static override flags = {
    yes: Flags.boolean({
      char: 'y',
      description: 'accept what the servers ask for without asking',
      default: false,
    }),
  }

  async run(): Promise<{enabled: string[]; alreadyEnabled: string[]; grants: ServerGrants[]}> {
    const {argv, flags} = await this.parse(ServerAdd)
    const names = argv as string[]
    if (names.length === 0) throw new UsageError('name at least one server to enable')
    let presence: Promise<SecretPresence> | undefined
    const openSecrets = () => (presence ??= openSecretPresence(this.ctx).then((p) => p.presence))
    const grants = await previewServerAdd(this.ctx, names, openSecrets)
    for (const g of grants.filter(hasGrants)) {
      this.logToStderr(`${g.server} will get:`)
      for (const line of formatGrants(g)) this.logToStderr(line)
    }
    const risky = grants.filter(needsConfirmation).map((g) => g.server)
    if (risky.length > 0 && !flags.yes) {
      const list = risky.map((n) => `"${n}"`).join(', ')
      if (!canPrompt()) {
        // A script gets no silent grant: the entry may have changed upstream since the script was written.
        throw new DockerMcpError(
          `${list} asks for access to the host or another server's secrets: nothing enabled`,
          {
            suggestions: [
              `Read the lines above, then re-run with --yes: docker mcp server add ${names.join(' ')} --yes`,
            ],
          },
        )
      }
      if (!(await confirm(`Enable ${list} with this access? [y/N] `)))
        throw new DockerMcpError('nothing enabled', {suggestions: ['Re-run and answer "y", or pass --yes.']})
    }
    const result = await enableServers(this.ctx, names, openSecrets)
    for (const w of result.warnings) this.warn(w)
    for (const name of result.enabled) this.log(`enabled ${name}`)
    for (const name of result.alreadyEnabled) this.log(`${name} is already enabled`)
    for (const line of formatSetupHints(result.setup)) this.log(line)
    return {enabled: result.enabled, alreadyEnabled: result.alreadyEnabled, grants}
  }
}
