import {BaseCommand} from '../../src/cli/base-command.js'
import {profileFormatFlag, quietFlag} from '../../src/cli/flags.js'
import {listProfiles, type ProfileSummary} from '../../src/profiles/index.js'
import {formatProfileList, toYaml} from '../../src/profiles/render.js'
import {hasProfileDatabase} from '../../src/profiles/sqlite-import.js'

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
    // Nothing here yet but the original's database is there: say how to bring its profiles over.
    if (!this.jsonEnabled() && profiles.length === 1 && profiles[0]!.servers.length === 0)
      if (await hasProfileDatabase(this.ctx))
        this.logToStderr(
          "Hint: Docker's original keeps profiles in ~/.docker/mcp/mcp-toolkit.db: `docker mcp profile import-db` imports them",
        )
    if (flags.quiet) this.logIds(profiles.map((p) => p.id))
    else if (flags.format === 'yaml') this.log(toYaml(profiles))
    else this.log(formatProfileList(profiles))
    return profiles
  }
}
