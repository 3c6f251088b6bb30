import type {GatewayConfiguration} from '../configuration.js'
import type {GatewayOptions, GatewayServer} from '../gateway.js'
import type {Logger} from '../logger.js'
import {describeDiff, diffConfigurations, isEmptyDiff} from './diff.js'

export interface ReloaderOptions {
  /** Read the whole configuration again (throws on a file that fails validation). */
  load: () => Promise<GatewayConfiguration>
  /**
   * The configuration the gateway runs on. Its maps are shared with the container and remote starters,
   * which look servers up at every start: a reload replaces their content in place.
   */
  live: GatewayConfiguration
  /** The configuration's servers as the gateway serves them (run-wide flags applied). */
  toGatewayServers: (configuration: GatewayConfiguration) => GatewayServer[]
  /** Make new container servers startable: link the engine if none was needed yet, pull missing images. */
  prepareContainers: () => Promise<void>
  /** After the live maps took the new content: put back what is not read from files (servers sessions added). */
  afterSwap?: (() => void) | undefined
  gateway: {
    reconfigure(
      next: {servers: GatewayServer[]; toolFilter: GatewayOptions['toolFilter']},
      restart: ReadonlySet<string>,
    ): Promise<void>
    relistFailed(): Promise<void>
  }
  logger: Logger
}

/**
 * Applies configuration changes to a running gateway, one reload at a time: a change that arrives while
 * a reload runs is applied right after it (never lost, never two at once). A configuration that cannot be
 * read keeps the running one.
 */
export class Reloader {
  private running: Promise<void> | undefined
  private again: string[] | undefined

  constructor(private readonly options: ReloaderOptions) {}

  /** Reload now (or right after the reload under way); `why` is logged (changed files, SIGHUP). */
  request(why: string[]): Promise<void> {
    if (this.running) {
      this.again = [...(this.again ?? []), ...why]
      return this.running
    }
    this.running = this.reload(why).finally(() => {
      this.running = undefined
      const next = this.again
      this.again = undefined
      if (next) void this.request(next)
    })
    return this.running
  }

  private async reload(why: string[]): Promise<void> {
    const {logger, live} = this.options
    const started = performance.now()
    logger.info('> Configuration updated, reloading...')
    logger.info(`  - because of: ${[...new Set(why)].join(', ')}`)
    let next: GatewayConfiguration
    try {
      next = await this.options.load()
    } catch (err) {
      logger.warn(`  > Configuration not reloaded: ${(err as Error).message}`)
      logger.warn('  > The gateway keeps running with the configuration it had.')
      return
    }
    for (const warning of next.warnings) if (!live.warnings.includes(warning)) logger.warn(`  - ${warning}`)
    const diff = diffConfigurations(live, next)
    // Image problems found since start-up are found again after the swap (prepareContainers).
    if (isEmptyDiff(diff)) {
      logger.info(`> Configuration reloaded in ${Math.round(performance.now() - started)}ms: nothing changed`)
      return
    }
    logger.info(`  - ${describeDiff(diff)}`)
    replaceMap(live.containers, next.containers)
    replaceMap(live.remotes, next.remotes)
    replaceMap(live.unavailable, next.unavailable)
    replaceMap(live.missingSecrets, next.missingSecrets)
    live.servers = next.servers
    live.toolFilter = next.toolFilter
    live.toolFilterKey = next.toolFilterKey
    live.warnings = next.warnings
    live.hostPolicy = next.hostPolicy
    this.options.afterSwap?.()
    try {
      await this.options.prepareContainers()
    } catch (err) {
      logger.warn(`  - ${(err as Error).message}`)
    }
    await this.options.gateway.reconfigure(
      {servers: this.options.toGatewayServers(live), toolFilter: live.toolFilter},
      new Set(diff.changed),
    )
    // A server that failed before (an image that could not be pulled) may run now.
    void this.options.gateway.relistFailed().catch(() => {})
    logger.info(`> Configuration reloaded in ${Math.round(performance.now() - started)}ms`)
  }
}

function replaceMap<K, V>(target: Map<K, V>, source: ReadonlyMap<K, V>): void {
  target.clear()
  for (const [k, v] of source) target.set(k, v)
}
