import type {Readable, Writable} from 'node:stream'

import type Dockerode from 'dockerode'

import {DockerMcpError} from '../errors.js'
import {demux} from './demux.js'
import {LABEL_GATEWAY, LABEL_HOST, LABEL_MANAGED, LABEL_PID, type ContainerSpec} from './container-spec.js'

/** A running server container with its stdio attached. */
export interface RunningContainer {
  id: string
  stdin: Writable
  stdout: Readable
  stderr: Readable
  /** Resolves when the container has exited (or been removed). */
  exited: Promise<void>
  /** Kill and remove the container. Idempotent. */
  remove(): Promise<void>
}

/** An engine event about a container: `die` (with its exit code), `oom`, `kill` (with the signal). */
export interface ContainerEvent {
  id: string
  action: string
  exitCode?: number
  signal?: string
}

/** Progress of an image pull, one event per layer update (as `docker pull` shows). */
export interface PullProgress {
  image: string
  id?: string
  status: string
  current?: number
  total?: number
}

/**
 * The handful of engine calls the gateway makes, over dockerode. Decisions live elsewhere
 * (container-spec.ts); this only executes them.
 */
/** How long a removal already in progress is waited for (see `remove` in startContainer). */
const REMOVAL_WAIT_MS = 10_000

export class ContainerRuntime {
  constructor(private readonly docker: Dockerode) {}

  /**
   * Create, attach and start a container. Attaching before starting means no early output is lost.
   * The spec never asks the engine to pull: images are made present beforehand by `ensureImages`.
   */
  async start(spec: ContainerSpec): Promise<RunningContainer> {
    return this.startContainer(spec, false)
  }

  /**
   * `start`, for a container that runs once and ends (an interceptor): also resolves with its exit code.
   * The wait is asked for before the start, on the "removed" condition, as `docker run --rm` does: an
   * auto-removed container that ends at once is otherwise gone before anyone asks how it ended.
   */
  async startTask(spec: ContainerSpec): Promise<RunningContainer & {exitCode: Promise<number>}> {
    return this.startContainer(spec, true) as Promise<RunningContainer & {exitCode: Promise<number>}>
  }

  private async startContainer(
    spec: ContainerSpec,
    waitExit: boolean,
  ): Promise<RunningContainer & {exitCode?: Promise<number>}> {
    let container: Dockerode.Container
    const {ExtraNetworks: extraNetworks, ...body} = spec
    try {
      container = await this.docker.createContainer(body as unknown as Dockerode.ContainerCreateOptions)
    } catch (err) {
      if ((err as {statusCode?: unknown}).statusCode === 404)
        throw new DockerMcpError(
          `image ${spec.Image} is missing from the Docker engine (removed since the gateway started?): ${engineMessage(err)}`,
          {cause: err, suggestions: [`Pull or build it again ("docker pull ${spec.Image}"), then retry`]},
        )
      throw new DockerMcpError(`cannot create a container from image ${spec.Image}: ${engineMessage(err)}`, {
        cause: err,
      })
    }
    const stream = (await container.attach({
      stream: true,
      stdin: true,
      stdout: true,
      stderr: true,
      hijack: true,
    })) as NodeJS.ReadWriteStream | undefined
    if (!stream) throw new DockerMcpError(`cannot attach to container ${container.id.slice(0, 12)}`)
    // Our own demultiplexer (demux.ts): no copy per chunk; it ends stdout and stderr when the stream ends.
    const {stdout, stderr} = demux(stream)
    let removed = false
    const exited = new Promise<void>((resolve) => {
      stream.on('end', resolve)
      stream.on('close', resolve)
      stream.on('error', resolve)
    })
    const remove = async () => {
      if (removed) return
      removed = true
      stream.end()
      // Never rejects: already gone (AutoRemove raced us) is the normal case, and an engine that went away
      // took the container with it (AutoRemove removes it when the engine is back). A rejection here once
      // reached no handler and ended the gateway when dockerd stopped (issue #14).
      await container.remove({force: true}).catch(async (err: {statusCode?: unknown}) => {
        // 409: AutoRemove is removing it already (its process ended at the end of its input). It still
        // exists until then, and it still holds its place under the caps: resolve once it is gone, within
        // REMOVAL_WAIT_MS (a removal the engine never finishes must not hold up a call or a shutdown).
        if (err.statusCode !== 409) return
        let timer: NodeJS.Timeout | undefined
        await Promise.race([
          container.wait({condition: 'removed'}).catch(() => {}),
          new Promise((resolve) => (timer = setTimeout(resolve, REMOVAL_WAIT_MS))),
        ])
        clearTimeout(timer)
      })
    }
    const exitCode = waitExit
      ? (container.wait({condition: 'removed'}) as Promise<{StatusCode?: number}>).then(
          (r) => r.StatusCode ?? -1,
          () => -1,
        )
      : undefined
    try {
      // The gateway's other networks (container mode, e.g. a compose project's several networks).
      for (const network of extraNetworks ?? [])
        await this.docker.getNetwork(network).connect({Container: container.id})
      await container.start()
    } catch (err) {
      await remove().catch(() => {})
      throw new DockerMcpError(`cannot start container for ${spec.Image}: ${engineMessage(err)}`, {
        cause: err,
      })
    }
    const running = {id: container.id, stdin: stream as unknown as Writable, stdout, stderr, exited, remove}
    return exitCode ? {...running, exitCode} : running
  }

  /**
   * The networks a container is attached to, by name, or undefined when no container has this id or name.
   * The gateway in its image asks this about itself, to attach server containers to the same networks.
   */
  async containerNetworks(ref: string): Promise<string[] | undefined> {
    try {
      const info = await this.docker.getContainer(ref).inspect()
      return Object.keys(info.NetworkSettings?.Networks ?? {})
    } catch (err) {
      if ((err as {statusCode?: unknown}).statusCode === 404) return undefined
      throw new DockerMcpError(`cannot inspect container ${ref}: ${engineMessage(err)}`, {cause: err})
    }
  }

  /**
   * Follow the engine's events about one gateway's containers (`die`, `oom`, `kill`), to say why a server's
   * container ended. `ended` resolves when the stream ends: the engine stopped, or closed it.
   */
  async watchContainerEvents(
    gatewayId: string,
    onEvent: (event: ContainerEvent) => void,
  ): Promise<{close(): void; ended: Promise<void>}> {
    const stream = (await this.docker.getEvents({
      filters: {type: ['container'], event: ['die', 'oom', 'kill'], label: [`${LABEL_GATEWAY}=${gatewayId}`]},
    })) as NodeJS.ReadableStream & {destroy(): void}
    let partial = ''
    stream.setEncoding('utf8')
    stream.on('data', (chunk: string) => {
      const lines = (partial + chunk).split('\n')
      partial = lines.pop() ?? ''
      for (const line of lines) {
        if (!line.trim()) continue
        try {
          const e = JSON.parse(line) as {
            Action?: string
            Actor?: {ID?: string; Attributes?: Record<string, string>}
          }
          const attributes = e.Actor?.Attributes ?? {}
          if (!e.Actor?.ID || !e.Action) continue
          const event: ContainerEvent = {id: e.Actor.ID, action: e.Action}
          if (attributes.exitCode !== undefined) event.exitCode = Number(attributes.exitCode)
          if (attributes.signal !== undefined) event.signal = attributes.signal
          onEvent(event)
        } catch {
          // Not an event line: skipped.
        }
      }
    })
    const ended = new Promise<void>((resolve) => {
      stream.on('end', () => resolve())
      stream.on('close', () => resolve())
      stream.on('error', () => resolve())
    })
    return {close: () => stream.destroy(), ended}
  }

  /** Which of these images are missing locally. */
  async missingImages(images: readonly string[]): Promise<string[]> {
    const missing: string[] = []
    await Promise.all(
      images.map(async (image) => {
        try {
          await this.docker.getImage(image).inspect()
        } catch {
          missing.push(image)
        }
      }),
    )
    return missing.sort()
  }

  /** Pull an image, reporting per-layer progress. Fails with a clear error when no registry is reachable. */
  async pull(image: string, onProgress?: (p: PullProgress) => void): Promise<void> {
    let stream: NodeJS.ReadableStream
    try {
      stream = await this.docker.pull(image)
    } catch (err) {
      throw new DockerMcpError(`cannot pull image ${image}: ${engineMessage(err)}`, {
        suggestions: [
          `Build or load the image locally (docker build / docker load), or check your registry access.`,
        ],
        cause: err,
      })
    }
    // The engine reports some failures (an unknown blob, a digest mismatch) as an event in a stream that
    // otherwise ends normally: the first such error fails the pull, with the engine's own words.
    let streamError: string | undefined
    await new Promise<void>((resolve, reject) => {
      this.docker.modem.followProgress(
        stream,
        (err: Error | null) => {
          if (err)
            reject(new DockerMcpError(`cannot pull image ${image}: ${engineMessage(err)}`, {cause: err}))
          else if (streamError) reject(new DockerMcpError(`cannot pull image ${image}: ${streamError}`))
          else resolve()
        },
        (event: {
          id?: string
          status?: string
          progressDetail?: {current?: number; total?: number}
          error?: string
        }) => {
          if (event.error) {
            streamError ??= event.error
            return
          }
          onProgress?.({
            image,
            ...(event.id ? {id: event.id} : {}),
            status: event.status ?? '',
            ...(event.progressDetail?.current === undefined ? {} : {current: event.progressDetail.current}),
            ...(event.progressDetail?.total === undefined ? {} : {total: event.progressDetail.total}),
          })
        },
      )
    })
  }

  /** Containers we started, optionally those of one gateway instance. */
  async listManaged(filter: {gatewayId?: string} = {}): Promise<Dockerode.ContainerInfo[]> {
    const labels = [`${LABEL_MANAGED}=true`]
    if (filter.gatewayId) labels.push(`${LABEL_GATEWAY}=${filter.gatewayId}`)
    return this.docker.listContainers({all: true, filters: {label: labels}})
  }

  /**
   * Remove containers left behind by gateways that no longer run (e.g. one that was SIGKILLed). A container
   * belongs to a dead gateway when it was started from this host (or container) and the gateway pid it
   * recorded is not alive here. Containers of gateways elsewhere are never touched.
   */
  async removeOrphans(
    isAlive: (pid: number) => boolean,
    currentGatewayId: string,
    host: string,
  ): Promise<number> {
    const containers = await this.listManaged()
    let removed = 0
    await Promise.all(
      containers.map(async (c) => {
        if (c.Labels[LABEL_GATEWAY] === currentGatewayId) return
        if (c.Labels[LABEL_HOST] !== host) return
        const pid = Number(c.Labels[LABEL_PID])
        if (Number.isInteger(pid) && pid > 0 && isAlive(pid)) return
        try {
          await this.docker.getContainer(c.Id).remove({force: true})
          removed++
        } catch {
          // Removed concurrently: fine.
        }
      }),
    )
    return removed
  }

  /** Remove these containers (by force); those already gone are skipped. */
  async removeContainers(ids: readonly string[]): Promise<void> {
    await Promise.all(
      ids.map((id) =>
        this.docker
          .getContainer(id)
          .remove({force: true})
          .catch(() => {}),
      ),
    )
  }

  /** Remove every container of one gateway instance (shutdown safety net). */
  async removeGatewayContainers(gatewayId: string): Promise<number> {
    const containers = await this.listManaged({gatewayId})
    await Promise.all(
      containers.map((c) =>
        this.docker
          .getContainer(c.Id)
          .remove({force: true})
          .catch(() => {}),
      ),
    )
    return containers.length
  }
}

function engineMessage(err: unknown): string {
  const e = err as {json?: {message?: string}; reason?: string; message?: string}
  return e?.json?.message ?? e?.message ?? e?.reason ?? String(err)
}
