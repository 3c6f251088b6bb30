import {BaseCommand} from '../../src/cli/base-command.js'
import {listFeatures, type FeatureListing} from '../../src/features/index.js'
import {formatFeatureList} from '../../src/features/format.js'

export default class FeatureLs extends BaseCommand {
  static override aliases = ['feature:list']
  static override description =
    "list Docker's experimental MCP features (the features map of ~/.docker/config.json) and whether they are on"
  static override enableJsonFlag = true
  static override examples = ['docker mcp feature ls', 'docker mcp feature ls --json']

  async run(): Promise<FeatureListing> {
    await this.parse(FeatureLs)
    const list = await listFeatures(this.ctx)
    this.log(formatFeatureList(list))
    return list
  }
}
