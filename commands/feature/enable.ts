import {Args} from '@oclif/core'

import {BaseCommand} from '../../src/cli/base-command.js'
import {FEATURES, setFeature, type FeatureState} from '../../src/features/index.js'
import {formatFeatureChange} from '../../src/features/format.js'

export default class FeatureEnable extends BaseCommand {
  static override description =
    "enable an experimental feature in ~/.docker/config.json (shared with Docker's plugin)"
  static override enableJsonFlag = true
  static override examples = [
    'docker mcp feature enable tool-name-prefix',
    'docker mcp feature enable dynamic-tools',
  ]
  static override args = {
    feature: Args.string({
      description: `feature name: ${FEATURES.map((f) => f.name).join(', ')}`,
      required: true,
    }),
  }

  async run(): Promise<FeatureState> {
    const {args} = await this.parse(FeatureEnable)
    const state = await setFeature(this.ctx, args.feature, true)
    this.log(formatFeatureChange(state))
    return state
  }
}
