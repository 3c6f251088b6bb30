/**
 * Wiring for `gateway run --block-network`: the manager, its image build and the outside network, from
 * the gateway's options. Loaded only with the flag.
 */
import {hostname} from 'node:os'

import type {Context} from '../../context.js'
import type {EgressEngine} from '../../docker/egress-engine.js'
import type {ContainerRuntime} from '../../docker/runtime.js'
import type {ContainerServer} from '../containers.js'
import type {Logger} from '../logger.js'
import {egressPolicy} from './allowlist.js'
import {EgressManager} from './lifecycle.js'
import {buildProxyImage} from './proxy-image.js'

export async function createEgress(
  ctx: Context,
  engine: EgressEngine,
  runtime: ContainerRuntime,
  gateway: {
    gatewayId: string
    logger: Logger
    servers: ReadonlyMap<string, ContainerServer>
    networks?: string[] | undefined
  },
  flags: {outsideNetwork?: string | undefined},
): Promise<EgressManager> {
  const outsideNetwork = flags.outsideNetwork || gateway.networks?.[0] || 'bridge'
  const manager = new EgressManager({
    engine,
    runtime,
    buildImage: () => buildProxyImage(engine, ctx.root),
    gatewayId: gateway.gatewayId,
    gatewayPid: process.pid,
    gatewayHost: hostname(),
    outsideNetwork,
    logger: gateway.logger,
  })
  const confined = [...gateway.servers.values()].filter((s) => (s.entry.allowHosts?.length ?? 0) > 0)
  // A bad allowHosts fails that server's start; say it now too, before any client calls it.
  for (const server of confined) {
    try {
      egressPolicy(server.name, server.entry)
    } catch (err) {
      gateway.logger.warn(`- ${(err as Error).message}`)
    }
  }
  gateway.logger.info(
    `- Egress blocked (--block-network): ${confined.length > 0 ? `${confined.map((s) => s.name).join(', ')} reach out only through egress proxies (via network ${outsideNetwork})` : 'no server declares allowHosts'}; the others have no network`,
  )
  // The image is built (or found up to date) now, not on the first call; a failure is said here and again
  // by the first call that needs a proxy.
  if (confined.length > 0)
    manager.prepareImage().catch((err: Error) => gateway.logger.warn(`- egress proxy image: ${err.message}`))
  return manager
}
