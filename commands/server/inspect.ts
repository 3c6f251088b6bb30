import {Args} from '@oclif/core'

import {formatServerInspection} from '../../src/catalog/format.js'
import {BaseCommand} from '../../src/cli/base-command.js'
import {formatGrants} from '../../src/registry/grants.js'
import {inspectServer, type ServerInspection} from '../../src/registry/index.js'
import {lazySecretPresence} from '../../src/registry/secret-presence.js'

export default class ServerInspect extends BaseCommand {
  static override description = 'show a server: catalog entry, tools, secrets and config it needs'
  static override enableJsonFlag = true
  static override examples = [
    'docker mcp server inspect github-official',
    'docker mcp server inspect dice --json',
  ]
  static override args = {
    name: Args.string({description: 'server name', required: true}),
  }

  async run(): Promise<ServerInspection> {
    const {args} = await this.parse(ServerInspect)
    const secrets = lazySecretPresence(this.ctx)
    const {presence} = secrets
    const {server, warnings} = await inspectServer(this.ctx, args.name, presence)
    for (const w of [
      ...warnings,
      ...(secrets.warning() && server.secrets.length ? [secrets.warning()!] : []),
    ])
      this.warn(w)
    this.log(formatServerInspection(server))
    const access = formatGrants(server.access)
    this.log('')
    this.log(
      access.length
        ? 'Host access (what the gateway gives it):'
        : 'Host access: none (no mounts, no network, no root)',
    )
    for (const line of access) this.log(line)
    return server
  }
}
