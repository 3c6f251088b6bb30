import type {Context} from '../../context.js'
import type {GatewayFlags} from '../configuration.js'
import type {Logger} from '../logger.js'
import {Reloader, type ReloaderOptions} from './apply.js'
import {ConfigWatcher, watchTargets} from './watch.js'

export {Reloader} from './apply.js'
export {describeDiff, diffConfigurations} from './diff.js'
export {ConfigWatcher, watchTargets} from './watch.js'

/**
 * Hot reload (`--watch`): reload when a file the configuration is read from changes, and on SIGHUP.
 * Returns what stops it. Only called when watching is on: without it SIGHUP keeps its default meaning.
 */
export function startHotReload(
  ctx: Context,
  flags: GatewayFlags,
  logger: Logger,
  options: Omit<ReloaderOptions, 'logger'>,
): () => void {
  const reloader = new Reloader({...options, logger})
  const relative = (file: string) =>
    file.startsWith(ctx.paths.mcpDir) ? file.slice(ctx.paths.mcpDir.length + 1) || file : file
  const watcher = new ConfigWatcher(
    watchTargets(ctx, flags),
    (paths) => void reloader.request(paths.map(relative)),
  )
  const onHangup = () => void reloader.request(['SIGHUP'])
  process.on('SIGHUP', onHangup)
  logger.info('- Watching for configuration updates...')
  logger.debug(`  - watching ${watcher.watching.join(', ')}`)
  return () => {
    process.off('SIGHUP', onHangup)
    watcher.close()
  }
}
