import {hostname} from 'node:os'

import {buildContainerSpec, describeSpec, type ContainerEntry} from '../docker/container-spec.js'
import type {ContainerRuntime} from '../docker/runtime.js'
import {maskSecret} from '../secrets/mask.js'
import type {Logger} from './logger.js'
import {StreamTransport} from './stdio-transport.js'
import {connectUpstream, type Upstream} from './upstream.js'

/** A container server with everything resolved: its entry, config and the secrets it declares. */
export interface ContainerServer {
  name: string
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
  logger: Logger
  onListChanged: (upstream: Upstream) => void
}

/** Start a server's container and connect an MCP client to its stdio. */
export function containerUpstreams(
  options: ContainerUpstreamOptions,
): (server: string, session: string) => Promise<Upstream> {
  return async (name, session) => {
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
    })
    // --verbose shows what runs, secrets masked to at most their first four characters.
    options.logger.debug(
      `  - ${name}: running ${describeSpec(spec, new Set(Object.keys(server.secretEnv)), maskSecret)}`,
    )
    const container = await options.runtime.start(spec)
    options.logger.debug(`  - ${name}: started container ${container.id.slice(0, 12)}`)
    const transport = new StreamTransport(container.stdout, container.stdin, {
      close: () => container.remove(),
    })
    transport.onnoise = (line) => options.logger.debug(`  - ${name}: ignored non-JSON-RPC output: ${line}`)
    let upstreamRef: Upstream | undefined
    container.stderr.setEncoding('utf8')
    container.stderr.on('data', (chunk: string) => {
      upstreamRef?.recordStderr(chunk)
      for (const line of chunk.split('\n')) if (line.trim()) options.logger.debug(`  - ${name}: ${line}`)
    })
    void container.exited.then(() => upstreamRef?.markClosed())
    return connectUpstream({
      server: name,
      transport,
      version: options.version,
      startTimeoutMs: options.startTimeoutMs,
      negotiation: 'legacy',
      rawForwarding: true,
      onCreated: (u) => (upstreamRef = u),
      onListChanged: () => {
        if (upstreamRef) options.onListChanged(upstreamRef)
      },
    })
  }
}
