/**
 * The engine calls the egress proxies need (src/gateway/egress/): networks, a container's address on one,
 * and the local image build. Decisions live there; this only executes them.
 */
import type Dockerode from 'dockerode'

import {DockerMcpError} from '../errors.js'
import {LABEL_GATEWAY, LABEL_HOST, LABEL_PID} from './container-spec.js'
import {buildNodeImage, type BuildResult, type NodeImageOptions} from './local-image.js'

/** Label on every egress network and proxy container: the policy key they serve. */
export const LABEL_EGRESS = 'docker-mcp-egress'

export class EgressEngine {
  constructor(private readonly docker: Dockerode) {}

  /** Create a bridge network (internal: no route out); one that already exists is an error. */
  async createNetwork(name: string, labels: Record<string, string>, internal: boolean): Promise<void> {
    try {
      await this.docker.createNetwork({
        Name: name,
        Driver: 'bridge',
        Internal: internal,
        Labels: labels,
        CheckDuplicate: true,
      })
    } catch (err) {
      throw new DockerMcpError(`cannot create network ${name}: ${engineMessage(err)}`, {cause: err})
    }
  }

  /** Connect a container to a network; returns its IPv4 address there. */
  async connect(network: string, containerId: string): Promise<string> {
    try {
      await this.docker.getNetwork(network).connect({Container: containerId})
      const info = await this.docker.getContainer(containerId).inspect()
      const address = info.NetworkSettings.Networks[network]?.IPAddress
      if (!address) throw new Error(`no address on ${network}`)
      return address
    } catch (err) {
      throw new DockerMcpError(
        `cannot connect the egress proxy to network ${network}: ${engineMessage(err)}`,
        {
          cause: err,
        },
      )
    }
  }

  /** Whether a network exists. */
  async hasNetwork(name: string): Promise<boolean> {
    return this.docker
      .getNetwork(name)
      .inspect()
      .then(
        () => true,
        () => false,
      )
  }

  /** Disconnect whatever is still attached, then remove the network. Gone already is fine. */
  async removeNetwork(name: string): Promise<void> {
    const network = this.docker.getNetwork(name)
    let info: Dockerode.NetworkInspectInfo
    try {
      info = await network.inspect()
    } catch {
      return
    }
    await Promise.all(
      Object.keys(info.Containers ?? {}).map((id) =>
        network.disconnect({Container: id, Force: true}).catch(() => {}),
      ),
    )
    await network.remove().catch((err: unknown) => {
      if ((err as {statusCode?: number}).statusCode !== 404) throw err
    })
  }

  /** Networks carrying all these labels (`key=value` or `key`). */
  async listNetworks(labels: string[]): Promise<Array<{name: string; labels: Record<string, string>}>> {
    const list = (await this.docker.listNetworks({filters: JSON.stringify({label: labels})})) as Array<{
      Name: string
      Labels?: Record<string, string>
    }>
    return list.map((n) => ({name: n.Name, labels: n.Labels ?? {}}))
  }

  /**
   * Remove egress networks left by gateways of this host that no longer run (SIGKILLed): their proxies end
   * with their gateway's attach, their networks stay until swept. Returns how many were removed.
   */
  async removeOrphanNetworks(
    isAlive: (pid: number) => boolean,
    currentGatewayId: string,
    host: string,
  ): Promise<number> {
    const networks = await this.listNetworks([LABEL_EGRESS])
    let removed = 0
    for (const n of networks) {
      if (n.labels[LABEL_GATEWAY] === currentGatewayId || n.labels[LABEL_HOST] !== host) continue
      const pid = Number(n.labels[LABEL_PID])
      if (Number.isInteger(pid) && pid > 0 && isAlive(pid)) continue
      try {
        await this.removeNetwork(n.name)
        removed++
      } catch {
        // Still in use by something we do not own, or removed concurrently: left alone.
      }
    }
    return removed
  }

  /** Build (or find cached) a local Node image: see local-image.ts. */
  buildImage(options: NodeImageOptions): Promise<BuildResult> {
    return buildNodeImage(this.docker, options)
  }
}

function engineMessage(err: unknown): string {
  const e = err as {json?: {message?: string}; reason?: string; message?: string}
  return e?.json?.message ?? e?.message ?? e?.reason ?? String(err)
}
