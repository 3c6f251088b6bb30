import {hostname} from 'node:os'

import {applyHostPolicy, type BindPolicy} from '../docker/bind-policy.js'
import {buildContainerSpec, describeSpec, type ContainerEntry} from '../docker/container-spec.js'
import type {ContainerRuntime} from '../docker/runtime.js'
import {SecretMasker} from '../secrets/mask.js'
import type {ContainerExits} from './container-exits.js'
import type {EgressManager} from './egress/lifecycle.js'
import type {Logger} from './logger.js'
import {StreamTransport} from './stdio-transport.js'
import {connectStreamUpstream, type Upstream, type UpstreamClient} from './upstream.js'

/** A container server with everything resolved: its entry, config and the secrets it declares. */
export interface ContainerServer {
  name: string
  /** Replica containers per session (catalog `replicas`, `--server-replicas`; src/gateway/balance/). */
  replicas?: number | undefined
  entry: ContainerEntry
  /** Evaluates the catalog's `{{…}}` templates against this server's config. */
  evaluate: (expr: string) => string[]
  secretEnv: Record<string, string>
}

export interface ContainerUpstreamOptions {
  runtime: ContainerRuntime
  servers: ReadonlyMap<string, ContainerServer>
  gatewayId: string
  version: string
  cpus: number
  memoryBytes: number
  startTimeoutMs: number
  networks?: string[] | undefined
  /** Host protection: which volumes and users are allowed (src/docker/bind-policy.ts). */
  hostPolicy: BindPolicy
  /** `--pids-limit` (0 = none). */
  pidsLimit?: number | undefined
  /** `--read-only-root`. */
  readOnlyRoot?: boolean | undefined
  /** `--network-default none` (or the `strict-network` feature): undeclared means no network. */
  strictNetwork?: boolean | undefined
  logger: Logger
  onListChanged: (upstream: Upstream) => void
  /** Why a container ended (the engine's events); without it, a dead server's message only says it exited. */
  exits?: ContainerExits | undefined
  /** Ids of the containers this gateway holds right now (an engine that comes back may still run others). */
  liveIds?: Set<string> | undefined
  /** `--block-network`: servers start confined to their `allowHosts` (src/gateway/egress/). */
  egress?: EgressManager | undefined
}

/** Start a server's container and connect an MCP client to its stdio. */
export function containerUpstreams(
  options: ContainerUpstreamOptions,
): (server: string, session: string, client?: UpstreamClient) => Promise<Upstream> {
  return async (name, session, client) => {
    const server = options.servers.get(name)
    if (!server) throw new Error(`server "${name}" is not enabled`)
    const spec = buildContainerSpec({
      server: name,
      entry: server.entry,
      secretEnv: server.secretEnv,
      evaluate: server.evaluate,
      gatewayId: options.gatewayId,
      gatewayPid: process.pid,
      gatewayHost: hostname(),
      sessionId: session.startsWith('\u0000') ? undefined : session,
      cpus: options.cpus,
      memoryBytes: options.memoryBytes,
      ...(options.networks ? {networks: options.networks} : {}),
      ...(options.pidsLimit === undefined ? {} : {pidsLimit: options.pidsLimit}),
      ...(options.readOnlyRoot ? {readOnlyRoot: true} : {}),
      ...(options.strictNetwork ? {strictNetwork: true} : {}),
    })
    // Checked here, right before every start, with the paths resolved now: templated volumes depend on
    // config that may have changed, and a symlink may have been changed since the gateway started.
    const binds = applyHostPolicy(name, spec.HostConfig.Binds ?? [], spec.User, options.hostPolicy)
    if (binds.length > 0) spec.HostConfig.Binds = binds
    // --verbose shows what runs: env names only, and the logger masks any secret value in the line.
    options.logger.debug(`  - ${name}: running ${describeSpec(spec)}`)
    const start = (s: typeof spec) => options.runtime.start(s)
    const container = await (options.egress?.start(name, server.entry, spec, start) ?? start(spec))
    options.logger.debug(`  - ${name}: started container ${container.id.slice(0, 12)}`)
    const transport = new StreamTransport(container.stdout, container.stdin, {
      close: () => container.remove(),
    })
    transport.onnoise = (line) => options.logger.debug(`  - ${name}: ignored non-JSON-RPC output: ${line}`)
    let upstreamRef: Upstream | undefined
    // A server may print a secret it was given: its stderr is masked line by line (a value split across
    // two chunks is still whole in its line) before it is logged or kept for error messages.
    const secrets = options.logger.secrets ?? new SecretMasker()
    let partial = ''
    const stderrLines = (text: string) => {
      const masked = secrets.mask(text)
      upstreamRef?.recordStderr(masked)
      for (const line of masked.split('\n')) if (line.trim()) options.logger.debug(`  - ${name}: ${line}`)
    }
    container.stderr.setEncoding('utf8')
    container.stderr.on('data', (chunk: string) => {
      const text = partial + chunk
      const cut = text.lastIndexOf('\n') + 1
      partial = text.slice(cut)
      if (cut > 0) stderrLines(text.slice(0, cut))
    })
    container.stderr.on('end', () => {
      if (partial) stderrLines(partial)
      partial = ''
    })
    options.liveIds?.add(container.id)
    options.exits?.track(container.id)
    void container.exited.then(() => {
      options.liveIds?.delete(container.id)
      const upstream = upstreamRef
      // Ended by the gateway (its call is over, its session closed): nothing to explain.
      if (!upstream?.isOpen) {
        options.exits?.forget(container.id)
        return
      }
      let explained: Promise<string> | undefined
      upstream.explainExit = () =>
        (explained ??= (async () => {
          const why =
            (await options.exits?.explain(container.id, options.memoryBytes)) ?? 'its container exited'
          // The message says what happened; the verbose log keeps what the server said last.
          const tail = upstream.stderrTail()
          options.logger.debug(
            `  - ${name}: container ${container.id.slice(0, 12)} ended: ${why}${tail ? `. Its last stderr lines:\n${tail}` : ''}`,
          )
          return why
        })())
      upstream.markClosed()
    })
    return connectStreamUpstream({
      server: name,
      transport,
      version: options.version,
      startTimeoutMs: options.startTimeoutMs,
      client,
      onCreated: (u) => {
        upstreamRef = u
        u.label = container.id.slice(0, 12)
      },
      onListChanged: options.onListChanged,
    })
  }
}
