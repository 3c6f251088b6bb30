/**
 * `gateway run --static`: the servers' containers are started by someone else (a compose file), named
 * `mcp-<server>` and running `docker-mcp-bridge` (./docker-mcp-bridge.cjs) on port 4444, as with the original
 * gateway. The gateway starts no container, pulls no image and needs no Docker socket: each upstream is a TCP
 * connection to the server's bridge, which runs one server process per connection.
 */
import net from 'node:net'

import {DockerMcpError} from '../../errors.js'
import type {Logger} from '../logger.js'
import {StreamTransport} from '../stdio-transport.js'
import {connectStreamUpstream, type Upstream, type UpstreamClient} from '../upstream.js'

/** The bridge's port in every `mcp-<server>` container (the original's). */
export const STATIC_PORT = 4444

/** The host name of a server's pre-started container (its compose service name). */
export function staticHost(server: string): string {
  return `mcp-${server}`
}

export interface StaticUpstreamOptions {
  servers: ReadonlySet<string>
  version: string
  startTimeoutMs: number
  logger: Logger
  onListChanged: (upstream: Upstream) => void
  /** For tests: where a server's bridge listens (default `mcp-<server>:4444`). */
  address?: (server: string) => {host: string; port: number}
}

/** Errors that mean "not up yet": the sibling container is still starting (compose starts them in parallel). */
const NOT_YET = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ECONNRESET'])

function connectOnce(host: string, port: number): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({host, port})
    socket.once('connect', () => {
      socket.off('error', reject)
      resolve(socket)
    })
    socket.once('error', reject)
  })
}

/**
 * Connect to a server's bridge, trying again while it is not up yet, until `timeoutMs`: `depends_on` orders
 * container starts, not readiness, so the first tries may find no listener (or no DNS name) yet.
 */
export async function connectBridge(host: string, port: number, timeoutMs: number): Promise<net.Socket> {
  const deadline = Date.now() + timeoutMs
  let delay = 100
  for (;;) {
    try {
      return await connectOnce(host, port)
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code ?? ''
      if (!NOT_YET.has(code) || Date.now() + delay > deadline)
        throw new DockerMcpError(`cannot connect to ${host}:${port}: ${(err as Error).message}`, {
          cause: err,
          suggestions: [
            `--static expects a running container named ${host} (a compose service) with docker-mcp-bridge listening on port ${port}`,
          ],
        })
      await new Promise((r) => setTimeout(r, delay))
      delay = Math.min(delay * 2, 1000)
    }
  }
}

/** Connect an MCP client to a pre-started server over TCP. */
export function staticUpstreams(
  options: StaticUpstreamOptions,
): (server: string, session: string, client?: UpstreamClient) => Promise<Upstream> {
  const address = options.address ?? ((server: string) => ({host: staticHost(server), port: STATIC_PORT}))
  return async (name, _session, client) => {
    if (!options.servers.has(name)) throw new Error(`server "${name}" is not enabled`)
    const {host, port} = address(name)
    const socket = await connectBridge(host, port, options.startTimeoutMs)
    options.logger.debug(`  - ${name}: connected to ${host}:${port} (static)`)
    const transport = new StreamTransport(socket, socket, {
      close: async () => void socket.destroy(),
    })
    transport.onnoise = (line) => options.logger.debug(`  - ${name}: ignored non-JSON-RPC output: ${line}`)
    let upstreamRef: Upstream | undefined
    socket.once('close', () => {
      const upstream = upstreamRef
      if (!upstream?.isOpen) return
      upstream.explainExit = async () => `its connection to ${host}:${port} closed`
      upstream.markClosed()
    })
    return connectStreamUpstream({
      server: name,
      transport,
      version: options.version,
      startTimeoutMs: options.startTimeoutMs,
      client,
      onCreated: (u) => (upstreamRef = u),
      onListChanged: options.onListChanged,
    })
  }
}
