import {Args, Flags} from '@oclif/core'

import {BaseCommand} from '../../src/cli/base-command.js'
import {createTransferReporter} from '../../src/oci/progress.js'
import {pullProfile} from '../../src/profiles/oci.js'

export default class ProfilePull extends BaseCommand {
  static override description =
    'pull a profile from an OCI registry (pushed by profile push, ours or the original), check its digests, and store it as profile import does'
  static override enableJsonFlag = true
  static override examples = [
    'docker mcp profile pull registry.example.com/team/research:v1',
    'docker mcp profile pull localhost:5000/profiles/coding@sha256:<digest> --id coding',
  ]
  static override args = {
    ref: Args.string({
      description: 'what to pull: [registry/]repository[:tag|@sha256:<digest>] (tag latest when neither)',
      required: true,
    }),
  }
  static override flags = {
    id: Flags.string({description: "store it under this profile id (default: the artifact's own)"}),
  }

  async run(): Promise<Awaited<ReturnType<typeof pullProfile>>> {
    const {args, flags} = await this.parse(ProfilePull)
    const reporter = this.jsonEnabled()
      ? undefined
      : createTransferReporter({stream: process.stderr, env: this.ctx.env, direction: 'pull'})
    try {
      const result = await pullProfile(this.ctx, args.ref, {
        ...(flags.id ? {id: flags.id} : {}),
        ...(reporter ? {progress: (e) => reporter.progress(e)} : {}),
      })
      reporter?.end()
      this.log(
        `${result.action === 'created' ? 'Pulled' : 'Replaced'} profile ${result.id} (${result.servers} server${result.servers === 1 ? '' : 's'}) from ${result.reference}`,
      )
      return result
    } catch (err) {
      reporter?.end()
      throw err
    }
  }
}
