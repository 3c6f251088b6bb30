import {Args, Flags} from '@oclif/core'

import {BaseCommand} from '../../src/cli/base-command.js'
import {canPrompt, confirm} from '../../src/cli/confirm.js'
import {clientsUsingProfile} from '../../src/clients/index.js'
import {DockerMcpError} from '../../src/errors.js'
import {DEFAULT_PROFILE, getProfile, removeProfile} from '../../src/profiles/index.js'

export default class ProfileRm extends BaseCommand {
  static override aliases = ['profile:remove']
  static override description =
    'remove a profile; when MCP clients are connected to it, asks first (or needs --force) and names them'
  static override enableJsonFlag = true
  static override examples = ['docker mcp profile rm research', 'docker mcp profile rm research --force']
  static override args = {id: Args.string({description: 'profile id', required: true})}
  static override flags = {
    force: Flags.boolean({
      char: 'f',
      description: 'remove even when clients are connected to it',
      default: false,
    }),
  }

  async run(): Promise<{removed: string; clients: string[]}> {
    const {args, flags} = await this.parse(ProfileRm)
    if (args.id === DEFAULT_PROFILE) await removeProfile(this.ctx, args.id) // refused, with why
    await getProfile(this.ctx, args.id) // not found → the error, before asking anything
    const users = await clientsUsingProfile(this.ctx, args.id)
    const names = users.map((u) => `${u.id} (${u.path})`)
    if (users.length > 0 && !flags.force) {
      const question = `Profile ${args.id} is used by ${names.join(', ')}: their gateway will fail to start. Remove it? [y/N] `
      if (!canPrompt() || !(await confirm(question)))
        throw new DockerMcpError(`profile ${args.id} is used by ${names.join(', ')}: not removed`, {
          suggestions: [
            `Connect them elsewhere first (docker mcp client connect <client> --profile <other>), or remove it anyway: docker mcp profile rm ${args.id} --force`,
          ],
        })
    }
    await removeProfile(this.ctx, args.id)
    this.log(`Removed profile ${args.id}`)
    if (users.length > 0) this.warn(`still connected to it: ${names.join(', ')}`)
    return {removed: args.id, clients: users.map((u) => u.id)}
  }
}
