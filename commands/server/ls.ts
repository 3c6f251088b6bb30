import {formatServerList} from '../../src/catalog/format.js'
import {BaseCommand} from '../../src/cli/base-command.js'
import {listEnabledServers, type ServerListEntry} from '../../src/registry/index.js'
import {lazySecretPresence} from '../../src/registry/secret-presence.js'

export default class ServerLs extends BaseCommand {
  static override aliases = ['server:list']
  static override description = 'list enabled servers with the state of their secrets and config'
  static override enableJsonFlag = true
  static override examples = ['docker mcp server ls', 'docker mcp server ls --json']

  async run(): Promise<ServerListEntry[]> {
    await this.parse(ServerLs)
    const secrets = lazySecretPresence(this.ctx)
    const {presence} = secrets
    const {servers, warnings} = await listEnabledServers(this.ctx, presence)
    for (const w of [...warnings, ...(secrets.warning() && servers.length ? [secrets.warning()!] : [])])
      this.warn(w)
    this.log(formatServerList(servers))
    return servers
  }
}
