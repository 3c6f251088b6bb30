import {BaseCommand} from '../src/cli/base-command.js'
import {runDoctor, type Check} from '../src/doctor/index.js'

const SYMBOL: Record<Check['status'], string> = {ok: '✓', warn: '▲', fail: '✗'}

export default class Doctor extends BaseCommand {
  static override description =
    'check the Docker engine, the plugin, catalogs, enabled servers, secrets and client configs, and say what to fix'
  static override enableJsonFlag = true
  static override examples = ['docker mcp doctor', 'docker mcp doctor --json']

  async run(): Promise<Check[]> {
    await this.parse(Doctor)
    const checks = await runDoctor(this.ctx)
    for (const c of checks) {
      this.log(`${SYMBOL[c.status]} ${c.area.padEnd(8)} ${c.message}`)
      if (c.fix && c.status !== 'ok') this.log(`  ${' '.repeat(8)} → ${c.fix}`)
    }
    if (checks.some((c) => c.status === 'fail')) process.exitCode = 1
    return checks
  }
}
