import {Args} from '@oclif/core'

import {BaseCommand} from '../../src/cli/base-command.js'
import {FEATURES, setFeature, type FeatureState} from '../../src/features/index.js'
import {formatFeatureChange} from '../../src/features/format.js'

export default class FeatureDisable extends BaseCommand {
  static override description =
    "disable an experimental feature in ~/.docker/config.json (shared with Docker's plugin)"
  static override enableJsonFlag = true
  static override examples = [
    'docker mcp feature disable tool-name-prefix',
    'docker mcp feature disable dynamic-tools',
  ]
  static override args = {
    feature: Args.string({
      description: `feature name: ${FEATURES.map((f) => f.name).join(', ')}`,
      required: true,
    }),
  }

  async run(): Promise<FeatureState> {
    const {args} = await this.parse(FeatureDisable)
    const state = await setFeature(this.ctx, args.feature, false)
    this.log(formatFeatureChange(state))
    return state
  }
}
