import {BaseCommand} from '../../src/cli/base-command.js'
import {profileFormatFlag} from '../../src/cli/flags.js'
import {formatTemplates, toYaml} from '../../src/profiles/render.js'
import {TEMPLATES, type Template} from '../../src/profiles/templates.js'

export default class TemplateLs extends BaseCommand {
  static override aliases = ['template:list']
  static override description =
    'list the starter profiles shipped with the plugin (servers of the shipped catalog: work offline)'
  static override enableJsonFlag = true
  static override examples = ['docker mcp template ls', 'docker mcp template ls --format yaml']
  static override flags = {format: profileFormatFlag}

  async run(): Promise<readonly Template[]> {
    const {flags} = await this.parse(TemplateLs)
    this.log(flags.format === 'yaml' ? toYaml(TEMPLATES) : formatTemplates(TEMPLATES))
    return TEMPLATES
  }
}
