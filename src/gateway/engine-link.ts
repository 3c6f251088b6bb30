/**
 * The gateway's link to the Docker engine: connects (ping, orphan sweep, images), starts server containers,
 * and survives the engine going away and coming back (issue #14). While the engine is down, every start
 * fails at once with a message that names the engine and says how to start it; when it is back, the link
 * connects again, removes this gateway's containers that no call holds any more (a long-lived container
 * that survived an engine restart is replaced, never doubled) and tells `onEngineBack`.
 */
import {hostname} from 'node:os'

import type {Context} from '../context.js'
import type {ContainerRuntime} from '../docker/runtime.js'
import {DockerMcpError} from '../errors.js'
import {ContainerExits} from './container-exits.js'
import type {ContainerUpstreamOptions} from './containers.js'
import {EngineWatch, isEngineUnreachable} from './engine-watch.js'
import type {EgressManager} from './egress/lifecycle.js'
import {inContainer, ownContainerRefs, shareableNetworks} from './in-container.js'
import type {Logger} from './logger.js'
import type {Upstream, UpstreamClient} from './upstream.js'

export interface EngineLink {
  watch: EngineWatch
  runtime: ContainerRuntime
  /** The first connection: rejects when the engine cannot be reached (the watch then retries). */
  ready: Promise<void>
  startContainer(server: string, session: string, client?: UpstreamClient): Promise<Upstream>
  /** `--block-network`'s proxies (undefined without the flag): closed at shutdown, after the servers. */
  egress?: EgressManager | undefined
  close(): void
}

export interface EngineLinkOptions extends Omit<
  ContainerUpstreamOptions,
  'runtime' | 'exits' | 'liveIds' | 'egress'
> {
  /** Make the images present (pull what is missing); runs at every (re)connection. */
  ensureImages: (runtime: ContainerRuntime) => Promise<void>
  /** The engine is back and connected: list again what could not be listed. */
  onEngineBack: () => void
  logger: Logger
  /** `--block-network` (and `--egress-network`): see src/gateway/egress/. */
  blockNetwork?: {outsideNetwork?: string | undefined} | undefined
}

/** Create the link; throws only for a configuration the engine cannot even be addressed with. */
export async function linkEngine(ctx: Context, options: EngineLinkOptions): Promise<EngineLink> {
  const [
    {createDocker, engineTarget, freshConnectionClient, pingDocker},
    {ContainerRuntime},
    {containerUpstreams},
    {EgressEngine},
  ] = await Promise.all([
    import('../docker/engine.js'),
    import('../docker/runtime.js'),
    import('./containers.js'),
    import('../docker/egress-engine.js'),
  ])
  const docker = createDocker(ctx.env, ctx.paths)
  const runtime = new ContainerRuntime(docker)
  const egressEngine = new EgressEngine(docker)
  const egress = options.blockNetwork
    ? await (
        await import('./egress/setup.js')
      ).createEgress(ctx, egressEngine, runtime, options, options.blockNetwork)
    : undefined
  const pinger = freshConnectionClient(docker)
  const watch = new EngineWatch({
    host: engineTarget(docker)?.host ?? 'the default address',
    ping: () => pingDocker(pinger, {timeoutMs: 5000}),
    logger: options.logger,
  })
  const exits = new ContainerExits(runtime, options.gatewayId, watch)
  const liveIds = new Set<string>()
  // In the gateway image, filled at each connection with the gateway container's own networks; read by every
  // container start. Empty: the engine's default (bridge).
  const networks: string[] = [...(options.networks ?? [])]
  const start = containerUpstreams({...options, networks, runtime, exits, liveIds, egress})

  let first = true
  let downSince = Date.now()
  watch.onDown(() => (downSince = Date.now()))
  const connect = async (): Promise<void> => {
    try {
      await pingDocker(docker)
    } catch (err) {
      watch.reportDown(err)
      throw err
    }
    watch.reportUp()
    const orphans = await runtime.removeOrphans(isProcessAlive, options.gatewayId, hostname()).catch(() => 0)
    if (orphans > 0)
      options.logger.info(`  - Removed ${orphans} container(s) left by a gateway that is no longer running`)
    const orphanNetworks = await egressEngine
      .removeOrphanNetworks(isProcessAlive, options.gatewayId, hostname())
      .catch(() => 0)
    if (orphanNetworks > 0)
      options.logger.info(
        `  - Removed ${orphanNetworks} egress network(s) left by a gateway that is no longer running`,
      )
    if (!first) {
      // Ours, but no call holds them: they survived the engine's restart (live-restore) after their attach
      // broke. Their replacements start on the next call; these would only double them.
      // Only those created before the engine went away: a container being started right now is not held yet.
      const stale = (await runtime.listManaged({gatewayId: options.gatewayId}).catch(() => []))
        .filter((c) => !liveIds.has(c.Id) && c.Created * 1000 < downSince)
        .map((c) => c.Id)
      if (stale.length > 0) {
        await runtime.removeContainers(stale)
        options.logger.info(`  - Removed ${stale.length} container(s) of this gateway that the engine kept`)
      }
    }
    first = false
    if (inContainer(ctx.env) && !options.networks?.length) {
      const found = await findOwnNetworks(ctx.env, runtime).catch((err: Error) => {
        options.logger.warn(`  - ${err.message}`)
        return []
      })
      networks.splice(0, networks.length, ...found)
      options.logger.info(
        found.length > 0
          ? `  - Server containers join this container's networks: ${found.join(', ')}`
          : '  - This container was not found on the engine: server containers use the default network',
      )
    }
    await options.ensureImages(runtime)
    await exits.subscribe()
  }
  let connected = connect()
  // Whoever waits for the connection sees the failure; nobody waiting must not end the process.
  connected.catch(() => {})
  watch.onUp(() => {
    connected = connect()
    connected.then(options.onEngineBack, () => {})
  })

  const engineDown = (server: string) =>
    new DockerMcpError(
      `server "${server}" cannot start: ${watch.problem ?? 'the Docker engine is unreachable'}`,
    )

  return {
    watch,
    runtime,
    ready: connected,
    egress,
    async startContainer(server, session, client) {
      const down = () => watch.state === 'down'
      // The engine may be back before the watch's next retry: ask now rather than refuse.
      if (down() && (await watch.check()) === 'down') throw engineDown(server)
      try {
        await connected
      } catch (err) {
        if (down()) throw engineDown(server)
        throw err
      }
      try {
        return await start(server, session, client)
      } catch (err) {
        if (watch.reportDownIfUnreachable(err)) throw engineDown(server)
        throw err
      }
    },
    close() {
      watch.close()
      exits.close()
    },
  }
}

/** The gateway container's networks, by the first reference to it that the engine knows. */
async function findOwnNetworks(env: NodeJS.ProcessEnv, runtime: ContainerRuntime): Promise<string[]> {
  for (const ref of await ownContainerRefs(env)) {
    const found = await runtime.containerNetworks(ref)
    if (found) return shareableNetworks(found)
  }
  return []
}

function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM'
  }
}

export {isEngineUnreachable}
