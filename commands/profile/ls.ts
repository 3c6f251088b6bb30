import {BaseCommand} from '../../src/cli/base-command.js'
import {profileFormatFlag, quietFlag} from '../../src/cli/flags.js'
import {listProfiles, type ProfileSummary} from '../../src/profiles/index.js'
import {formatProfileList, toYaml} from '../../src/profiles/render.js'

export default class ProfileLs extends BaseCommand {
  static override aliases = ['profile:list']
  static override description =
    'list profiles: "default" (registry.yaml, config.yaml, tools.yaml) and those in ~/.docker/mcp/profiles'
  static override enableJsonFlag = true
  static override examples = [
    'docker mcp profile ls',
    'docker mcp profile ls --format yaml',
    'docker mcp profile ls --json',
    'docker mcp profile ls -q',
  ]
  static override flags = {
    format: profileFormatFlag,
    quiet: quietFlag('the profile ids', ['format']),
  }

  async run(): Promise<ProfileSummary[]> {
    const {flags} = await this.parse(ProfileLs)
    const {profiles, warnings} = await listProfiles(this.ctx)
    for (const w of warnings) this.warn(w)
    if (flags.quiet) this.logIds(profiles.map((p) => p.id))
    else if (flags.format === 'yaml') this.log(toYaml(profiles))
    else this.log(formatProfileList(profiles))
    return profiles
  }
}
