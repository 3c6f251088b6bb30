import {formatServerList} from '../../src/catalog/format.js'
import {NO_SECRETS} from '../../src/catalog/status.js'
import {BaseCommand} from '../../src/cli/base-command.js'
import {quietFlag} from '../../src/cli/flags.js'
import {listEnabledServers, type ServerListEntry} from '../../src/registry/index.js'
import {lazySecretPresence} from '../../src/registry/secret-presence.js'

export default class ServerLs extends BaseCommand {
  static override aliases = ['server:list']
  static override description = 'list enabled servers with the state of their secrets and config'
  static override enableJsonFlag = true
  static override examples = [
    'docker mcp server ls',
    'docker mcp server ls --json',
    'docker mcp server ls -q',
  ]
  static override flags = {
    quiet: quietFlag('the names of the enabled servers'),
  }

  async run(): Promise<ServerListEntry[]> {
    const {flags} = await this.parse(ServerLs)
    // Names only: no secret store to open, so no keychain round trip and no warning about it.
    const secrets = flags.quiet
      ? {presence: NO_SECRETS, warning: () => undefined}
      : lazySecretPresence(this.ctx)
    const {presence} = secrets
    const {servers, warnings} = await listEnabledServers(this.ctx, presence)
    for (const w of [...warnings, ...(secrets.warning() && servers.length ? [secrets.warning()!] : [])])
      this.warn(w)
    if (flags.quiet) this.logIds(servers.map((s) => s.name))
    else this.log(formatServerList(servers))
    return servers
  }
}
