import {lookup} from 'node:dns/promises'
import net from 'node:net'

import {SSEClientTransport, StreamableHTTPClientTransport} from '@modelcontextprotocol/client'

import {expandEnvRefs} from '../docker/container-spec.js'
import {DockerMcpError} from '../errors.js'
import {connectUpstream, type Upstream} from './upstream.js'

/** A catalog entry of `type: remote`, resolved. */
export interface RemoteServer {
  name: string
  url: string
  /** `sse`, or `http`/`streamable`/`streaming`/`streamable-http`. */
  transport: string
  /** Header values may use `${VAR}` from the server's declared secrets. */
  headers: Record<string, string>
  secretEnv: Record<string, string>
}

/** Is this address one that a remote server must not point us at (loopback, private, link-local, metadata)? */
export function isInternalAddress(address: string): boolean {
  const ip = address.startsWith('[') ? address.slice(1, -1) : address
  if (net.isIPv4(ip)) {
    const [a, b] = ip.split('.').map(Number) as [number, number]
    return (
      a === 0 ||
      a === 10 ||
      a === 127 ||
      (a === 100 && b >= 64 && b <= 127) ||
      (a === 169 && b === 254) ||
      (a === 172 && b >= 16 && b <= 31) ||
      (a === 192 && b === 168) ||
      a >= 224
    )
  }
  if (net.isIPv6(ip)) {
    const v = ip.toLowerCase()
    if (v === '::' || v === '::1') return true
    const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(v)
    if (mapped) return isInternalAddress(mapped[1]!)
    return /^(fc|fd|fe8|fe9|fea|feb|ff)/.test(v)
  }
  return false
}

/**
 * Check a remote server URL: public https only, unless `DOCKER_MCP_ALLOW_INSECURE_REMOTE_URLS=1` (as in
 * the original). Host names are resolved and every address checked, so a DNS name cannot smuggle a
 * private target.
 */
export async function validateRemoteUrl(raw: string, env: NodeJS.ProcessEnv): Promise<URL> {
  let url: URL
  try {
    url = new URL(raw)
  } catch {
    throw new DockerMcpError(`invalid remote server URL "${raw}"`)
  }
  if (url.username || url.password)
    throw new DockerMcpError(`remote server URL must not carry credentials: ${url.origin}`)
  if (env.DOCKER_MCP_ALLOW_INSECURE_REMOTE_URLS === '1') {
    if (url.protocol !== 'https:' && url.protocol !== 'http:')
      throw new DockerMcpError(`unsupported URL scheme in ${raw}`)
    return url
  }
  const hint = 'Set DOCKER_MCP_ALLOW_INSECURE_REMOTE_URLS=1 to allow it (for local development only).'
  if (url.protocol !== 'https:')
    throw new DockerMcpError(`refusing remote server URL ${url.origin}: only https is allowed. ${hint}`)
  const host = url.hostname
  const addresses = net.isIP(host.replace(/^\[|\]$/g, ''))
    ? [host]
    : (await lookup(host, {all: true}).catch(() => [])).map((a) => a.address)
  if (host === 'localhost' || addresses.some(isInternalAddress)) {
    throw new DockerMcpError(
      `refusing remote server URL ${url.origin}: it points at a private or local address. ${hint}`,
    )
  }
  return url
}

/** fetch that re-validates every target (redirects included) and never follows a redirect by itself. */
function guardedFetch(env: NodeJS.ProcessEnv): typeof fetch {
  return async (input, init) => {
    const target = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url
    await validateRemoteUrl(target, env)
    return fetch(input, {...init, redirect: 'manual'})
  }
}

export interface RemoteUpstreamOptions {
  servers: ReadonlyMap<string, RemoteServer>
  version: string
  startTimeoutMs: number
  env: NodeJS.ProcessEnv
  onListChanged: (upstream: Upstream) => void
}

/** Connect MCP clients to remote servers, no container involved. */
export function remoteUpstreams(
  options: RemoteUpstreamOptions,
): (server: string, session: string) => Promise<Upstream> {
  return async (name) => {
    const server = options.servers.get(name)
    if (!server) throw new Error(`server "${name}" is not enabled`)
    const url = await validateRemoteUrl(server.url, options.env)
    const headers: Record<string, string> = {}
    for (const [key, value] of Object.entries(server.headers))
      headers[key] = expandEnvRefs(value, server.secretEnv)
    const kind = server.transport.toLowerCase()
    const common = {requestInit: {headers}, fetch: guardedFetch(options.env)}
    let transport
    if (kind === 'sse') transport = new SSEClientTransport(url, common)
    else if (['http', 'streamable', 'streaming', 'streamable-http'].includes(kind)) {
      transport = new StreamableHTTPClientTransport(url, common)
    } else {
      throw new DockerMcpError(
        `server "${name}": unknown remote transport_type "${server.transport}" (use sse or http)`,
      )
    }
    let upstreamRef: Upstream | undefined
    return connectUpstream({
      server: name,
      transport,
      version: options.version,
      startTimeoutMs: options.startTimeoutMs,
      // Remote servers may speak either era: probe for 2026-07-28 first, fall back to initialize.
      negotiation: 'auto',
      onCreated: (u) => (upstreamRef = u),
      onListChanged: () => {
        if (upstreamRef) options.onListChanged(upstreamRef)
      },
    })
  }
}
