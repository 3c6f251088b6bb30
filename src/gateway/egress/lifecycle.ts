/**
 * Egress proxies and their networks, for `gateway run --block-network`. One proxy per distinct policy
 * (servers whose `allowHosts` and `extraHosts` are the same share it), started on the first server that
 * needs it and removed when its last server is gone (after a short linger, so that per-call containers do
 * not build and tear down a network on every call), and all of them on shutdown.
 *
 * Each policy gets an internal network (no route out) joined by its servers and the proxy; the proxy also
 * sits on the outside network (`--egress-network`, else the network the server would have had). The proxy
 * container's stdin is held by the gateway: when the gateway dies, even SIGKILLed, the proxy exits and the
 * engine removes it; the networks it leaves are removed by the next gateway's orphan sweep
 * (EgressEngine.removeOrphanNetworks, from engine-link.ts).
 */
import type {ContainerEntry, ContainerSpec} from '../../docker/container-spec.js'
import {
  ATTACHED_STDIO,
  LABEL_GATEWAY,
  LABEL_HOST,
  LABEL_MANAGED,
  LABEL_PID,
} from '../../docker/container-spec.js'
import {LABEL_EGRESS, type EgressEngine} from '../../docker/egress-engine.js'
import type {ContainerRuntime, RunningContainer} from '../../docker/runtime.js'
import {DockerMcpError} from '../../errors.js'
import type {Logger} from '../logger.js'
import {describeRules, egressPolicy, policyKey, proxyConfig, type EgressPolicy} from './allowlist.js'
import {confineSpec, type ProxyEndpoint} from './confine.js'
import {CONFIG_ENV} from './proxy-program.js'

export interface EgressOptions {
  engine: EgressEngine
  runtime: ContainerRuntime
  /** Build the proxy image (proxy-image.ts); returns its reference. Called once. */
  buildImage: () => Promise<string>
  gatewayId: string
  gatewayPid: number
  gatewayHost: string
  /** The network proxies reach out through. */
  outsideNetwork: string
  logger: Logger
  /** How long a proxy nobody uses is kept (ms). */
  lingerMs?: number
  /** How long to wait for a proxy to listen (ms). */
  readyTimeoutMs?: number
}

interface Proxy {
  key: string
  policy: EgressPolicy
  users: number
  linger?: NodeJS.Timeout | undefined
  alive: boolean
  ready: Promise<{endpoint: ProxyEndpoint; container: RunningContainer}>
}

/** Start servers confined to their allowlists. */
export class EgressManager {
  private readonly proxies = new Map<string, Proxy>()
  private readonly teardowns = new Set<Promise<void>>()
  private image: Promise<string> | undefined
  private closed = false

  constructor(private readonly options: EgressOptions) {}

  /** Build the proxy image ahead of the first call (errors are reported when a server needs it). */
  prepareImage(): Promise<string> {
    this.image ??= this.options.buildImage()
    this.image.catch(() => (this.image = undefined))
    return this.image
  }

  /**
   * Start one server's container confined: `start` is the runtime's, called with the confined spec. The
   * proxy is held while the container runs.
   */
  async start(
    server: string,
    entry: ContainerEntry,
    spec: ContainerSpec,
    start: (spec: ContainerSpec) => Promise<RunningContainer>,
  ): Promise<RunningContainer> {
    if (spec.HostConfig.NetworkMode === 'none') return start(spec)
    let policy: EgressPolicy | undefined
    try {
      policy = egressPolicy(server, entry)
    } catch (err) {
      throw new DockerMcpError(`${(err as Error).message}`, {
        suggestions: ['Fix allowHosts in the catalog entry (host:port[/http|https|tcp])'],
      })
    }
    if (!policy) {
      this.options.logger.debug(`  - ${server}: no allowHosts: no network (--block-network)`)
      return start(confineSpec(spec, undefined))
    }
    const lease = await this.lease(policy)
    this.options.logger.debug(
      `  - ${server}: confined to ${describeRules(policy.rules)} through egress proxy ${lease.endpoint.address} (network ${lease.endpoint.network})`,
    )
    let container: RunningContainer
    try {
      container = await start(confineSpec(spec, lease.endpoint))
    } catch (err) {
      lease.release()
      throw err
    }
    void container.exited.then(lease.release)
    return container
  }

  /** Remove every proxy and network now (gateway shutdown). */
  async close(): Promise<void> {
    this.closed = true
    for (const proxy of [...this.proxies.values()]) this.teardown(proxy)
    await Promise.all([...this.teardowns])
    // Safety net: anything of this gateway's still labelled (a teardown that failed).
    const left = await this.options.engine
      .listNetworks([LABEL_EGRESS, `${LABEL_GATEWAY}=${this.options.gatewayId}`])
      .catch(() => [])
    await Promise.all(left.map((n) => this.options.engine.removeNetwork(n.name).catch(() => {})))
  }

  private async lease(policy: EgressPolicy): Promise<{endpoint: ProxyEndpoint; release: () => void}> {
    if (this.closed) throw new DockerMcpError('the gateway is shutting down')
    const key = policyKey(policy)
    let proxy = this.proxies.get(key)
    if (proxy && !proxy.alive) {
      this.teardown(proxy)
      proxy = undefined
    }
    if (!proxy) {
      // A teardown of the same key may still be removing its network: wait for it, the name is reused.
      await Promise.all([...this.teardowns])
      proxy = this.proxies.get(key)
    }
    if (!proxy) {
      proxy = {key, policy, users: 0, alive: true, ready: undefined as never}
      proxy.ready = this.startProxy(proxy)
      this.proxies.set(key, proxy)
      const created = proxy
      created.ready.catch(() => {
        if (this.proxies.get(key) === created) this.proxies.delete(key)
      })
    }
    proxy.users++
    clearTimeout(proxy.linger)
    proxy.linger = undefined
    const held = proxy
    let released = false
    const release = () => {
      if (released) return
      released = true
      held.users--
      if (held.users > 0 || this.proxies.get(key) !== held) return
      held.linger = setTimeout(() => {
        if (held.users === 0) this.teardown(held)
      }, this.options.lingerMs ?? 5000)
      held.linger.unref()
    }
    try {
      const {endpoint} = await proxy.ready
      return {endpoint, release}
    } catch (err) {
      release()
      throw err
    }
  }

  private teardown(proxy: Proxy): void {
    clearTimeout(proxy.linger)
    if (this.proxies.get(proxy.key) === proxy) this.proxies.delete(proxy.key)
    const done = (async () => {
      const started = await proxy.ready.catch(() => undefined)
      if (!started) return
      await started.container.remove()
      await this.options.engine.removeNetwork(started.endpoint.network).catch((err: Error) => {
        this.options.logger.warn(
          `  - cannot remove egress network ${started.endpoint.network}: ${err.message}`,
        )
      })
      this.options.logger.debug(`  - egress proxy for ${describeRules(proxy.policy.rules)} removed`)
    })()
    this.teardowns.add(done)
    void done.finally(() => this.teardowns.delete(done))
  }

  private async startProxy(proxy: Proxy): Promise<{endpoint: ProxyEndpoint; container: RunningContainer}> {
    const o = this.options
    const image = await this.prepareImage()
    const config = proxyConfig(proxy.policy)
    const network = `docker-mcp-egress-${o.gatewayId}-${proxy.key}`
    const labels = {
      [LABEL_MANAGED]: 'true',
      [LABEL_EGRESS]: proxy.key,
      [LABEL_GATEWAY]: o.gatewayId,
      [LABEL_PID]: String(o.gatewayPid),
      [LABEL_HOST]: o.gatewayHost,
    }
    await o.engine.createNetwork(network, labels, true)
    let container: RunningContainer | undefined
    try {
      container = await o.runtime.start({
        name: `docker-mcp-egress-proxy-${o.gatewayId}-${proxy.key}`,
        Image: image,
        Cmd: [],
        Env: [`${CONFIG_ENV}=${JSON.stringify(config)}`],
        Labels: {...labels, 'docker-mcp-tool-type': 'egress-proxy'},
        // The proxy lives as long as the gateway's attach: a dead gateway closes its stdin, and it exits.
        ...ATTACHED_STDIO,
        HostConfig: {
          Init: true,
          AutoRemove: true,
          SecurityOpt: ['no-new-privileges'],
          NetworkMode: o.outsideNetwork,
          CapDrop: ['ALL'],
          PidsLimit: 64,
          ReadonlyRootfs: true,
          Memory: 256 * 1024 * 1024,
          ...(proxy.policy.extraHosts.length > 0 ? {ExtraHosts: proxy.policy.extraHosts} : {}),
        },
      })
      const running = container
      void running.exited.then(() => (proxy.alive = false))
      const address = await o.engine.connect(network, running.id)
      await waitReady(running, o.readyTimeoutMs ?? 30_000, (line) =>
        o.logger.info(`  - egress proxy (${describeRules(proxy.policy.rules)}): ${line}`),
      )
      const endpoint: ProxyEndpoint = {
        key: proxy.key,
        network,
        address,
        httpPort: config.httpPort,
        tcpHosts: proxy.policy.rules.filter((r) => r.protocol === 'tcp').map((r) => r.host),
      }
      o.logger.debug(
        `  - egress proxy ${running.id.slice(0, 12)} for ${describeRules(proxy.policy.rules)} listens on ${address}:${config.httpPort}`,
      )
      return {endpoint, container: running}
    } catch (err) {
      await container?.remove()
      await o.engine.removeNetwork(network).catch(() => {})
      throw new DockerMcpError(
        `cannot start the egress proxy for ${describeRules(proxy.policy.rules)}: ${(err as Error).message}`,
        {
          cause: err,
        },
      )
    }
  }
}

/** Wait for the proxy's `ready` line; its stderr lines (refusals) go to `onLog` from then on. */
function waitReady(
  container: RunningContainer,
  timeoutMs: number,
  onLog: (line: string) => void,
): Promise<void> {
  container.stderr.setEncoding('utf8')
  let partial = ''
  let said = ''
  container.stderr.on('data', (chunk: string) => {
    const lines = (partial + chunk).split('\n')
    partial = lines.pop() ?? ''
    for (const line of lines) {
      if (!line.trim()) continue
      said += `${line}\n`
      onLog(line)
    }
  })
  return new Promise<void>((resolve, reject) => {
    let out = ''
    const timer = setTimeout(
      () => reject(new Error(`it did not start within ${timeoutMs / 1000}s`)),
      timeoutMs,
    )
    container.stdout.setEncoding('utf8')
    container.stdout.on('data', (chunk: string) => {
      out += chunk
      if (out.includes('ready\n')) {
        clearTimeout(timer)
        resolve()
      }
    })
    void container.exited.then(() => {
      clearTimeout(timer)
      reject(new Error(`it exited${said ? `: ${said.trim().split('\n').slice(-3).join(' / ')}` : ''}`))
    })
  })
}
