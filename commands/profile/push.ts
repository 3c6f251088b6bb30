import {Args} from '@oclif/core'

import {BaseCommand} from '../../src/cli/base-command.js'
import {createTransferReporter} from '../../src/oci/progress.js'
import {pushProfile} from '../../src/profiles/oci.js'

export default class ProfilePush extends BaseCommand {
  static override description =
    "push a profile to an OCI registry as the original's working-set artifact, with the credentials of docker login"
  static override enableJsonFlag = true
  static override examples = [
    'docker mcp profile push research registry.example.com/team/research:v1',
    'docker mcp profile push coding localhost:5000/profiles/coding --json',
  ]
  static override args = {
    id: Args.string({description: 'profile id (see docker mcp profile ls)', required: true}),
    ref: Args.string({
      description: 'where to push: [registry/]repository[:tag] (tag latest when none)',
      required: true,
    }),
  }

  async run(): Promise<Awaited<ReturnType<typeof pushProfile>>> {
    const {args} = await this.parse(ProfilePush)
    const reporter = this.jsonEnabled()
      ? undefined
      : createTransferReporter({stream: process.stderr, env: this.ctx.env, direction: 'push'})
    try {
      const result = await pushProfile(this.ctx, args.id, args.ref, {
        ...(reporter ? {progress: (e) => reporter.progress(e)} : {}),
      })
      reporter?.end()
      this.log(
        `Pushed profile ${result.id} (${result.servers} server${result.servers === 1 ? '' : 's'}) to ${result.reference}`,
      )
      return result
    } catch (err) {
      reporter?.end()
      throw err
    }
  }
}
