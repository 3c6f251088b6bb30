import {
  SSEClientTransport,
  StreamableHTTPClientTransport,
  type AuthProvider,
} from '@modelcontextprotocol/client'
import type {Tool} from '@modelcontextprotocol/server'

import {expandEnvRefs} from '../docker/container-spec.js'
import {DockerMcpError} from '../errors.js'
import {oauthStandIn, type RemoteAuth} from '../oauth/gateway.js'
import {tracingFetch} from './observe/tracing.js'
import {checkRemoteTarget, guardedFetch, remotePolicy, type Resolver} from './remote-fetch.js'
import {connectUpstream, type Upstream, type UpstreamClient} from './upstream.js'

export {isInternalAddress, internalReason} from './remote-address.js'
export {validateRemoteUrl, guardedFetch, checkRemoteTarget, remotePolicy} from './remote-fetch.js'

/** How long closing a remote session may wait for the server to acknowledge its DELETE. */
const TERMINATE_TIMEOUT_MS = 3000

/**
 * Streamable HTTP that ends its session when it closes. The SDK's `close()` only drops the connection:
 * the server never hears that the session is over (the gateway opened two sessions per client and closed
 * none, even after the client's DELETE and a gateway stop), so it holds them until its own timeout. The
 * spec asks a client that no longer needs a session to DELETE it; this does, once, briefly bounded.
 */
class SessionEndingTransport extends StreamableHTTPClientTransport {
  private ended = false

  override async close(): Promise<void> {
    if (!this.ended && this.sessionId !== undefined) {
      this.ended = true
      let timer: NodeJS.Timeout | undefined
      await Promise.race([
        this.terminateSession().catch(() => {}),
        new Promise<void>((resolve) => (timer = setTimeout(resolve, TERMINATE_TIMEOUT_MS))),
      ])
      clearTimeout(timer)
    }
    await super.close()
  }
}

/** A catalog entry of `type: remote`, resolved. */
export interface RemoteServer {
  name: string
  url: string
  /** Every URL of the server (`remote.url`, then `remote.urls`): replica `i` connects to `urls[i % n]`. */
  urls?: string[] | undefined
  /** Connections per session, balanced (src/gateway/balance/); default: one per URL. */
  replicas?: number | undefined
  /** `sse`, or `http`/`streamable`/`streaming`/`streamable-http`. */
  transport: string
  /** Header values may use `${VAR}` from the server's declared secrets. */
  headers: Record<string, string>
  secretEnv: Record<string, string>
  /** The catalog declares `oauth`: the gateway sends the bearer from `docker mcp oauth authorize`. */
  oauth?: boolean | undefined
  /** The catalog's tools, offered (with an "authorize first" answer) while no token is stored. */
  catalogTools?: Tool[] | undefined
}

export interface RemoteUpstreamOptions {
  servers: ReadonlyMap<string, RemoteServer>
  version: string
  startTimeoutMs: number
  env: NodeJS.ProcessEnv
  onListChanged: (upstream: Upstream) => void
  /** Name resolution (tests); default the system resolver. */
  resolve?: Resolver
  /** OAuth bearers for remote servers (src/oauth/); without it no bearer is sent. */
  auth?: RemoteAuth
}

/** Connect MCP clients to remote servers, no container involved. */
export function remoteUpstreams(
  options: RemoteUpstreamOptions,
): (server: string, session: string, client?: UpstreamClient, replica?: number) => Promise<Upstream> {
  return async (name, _session, client, replica) => {
    const configured = options.servers.get(name)
    if (!configured) throw new Error(`server "${name}" is not enabled`)
    // A replica connects to its own URL; every URL passes the remote guard (checkRemoteTarget) as it connects.
    const urls = configured.urls?.length ? configured.urls : [configured.url]
    const server = replica === undefined ? configured : {...configured, url: urls[replica % urls.length]!}
    const bearer = await options.auth?.bearerFor(name, server.oauth === true)
    if (bearer && !(await bearer.usable())) {
      return oauthStandIn({
        server: name,
        bearer,
        tools: server.catalogTools,
        version: options.version,
        startTimeoutMs: options.startTimeoutMs,
        connectReal: () => connectRemote(options, server, bearer, client),
      })
    }
    return connectRemote(options, server, bearer, client)
  }
}

async function connectRemote(
  options: RemoteUpstreamOptions,
  server: RemoteServer,
  authProvider: AuthProvider | undefined,
  client: UpstreamClient | undefined,
): Promise<Upstream> {
  const {name} = server
  // Checked here for a clear error at start; the guarded fetch checks again, per request and redirect hop,
  // and connects to the address it checked.
  const policy = remotePolicy(options.env, options.resolve)
  const {url} = await checkRemoteTarget(server.url, policy)
  const headers: Record<string, string> = {}
  for (const [key, value] of Object.entries(server.headers))
    headers[key] = expandEnvRefs(value, server.secretEnv)
  const kind = server.transport.toLowerCase()
  const common = {
    requestInit: {headers},
    // With tracing on, requests made for a call carry its trace context (src/gateway/observe/).
    fetch: tracingFetch(guardedFetch(policy)),
    ...(authProvider ? {authProvider} : {}),
  }
  let transport
  if (kind === 'sse') transport = new SSEClientTransport(url, common)
  else if (['http', 'streamable', 'streaming', 'streamable-http'].includes(kind)) {
    transport = new SessionEndingTransport(url, common)
  } else {
    throw new DockerMcpError(
      `server "${name}": unknown remote transport_type "${server.transport}" (use sse or http)`,
    )
  }
  let upstreamRef: Upstream | undefined
  return connectUpstream({
    onCreated: (u) => {
      upstreamRef = u
      // For /status: where it connects, without credentials a URL may carry (user info, query).
      u.label = labelOf(server.url)
    },
    server: name,
    transport,
    version: options.version,
    startTimeoutMs: options.startTimeoutMs,
    // Remote servers may speak either era. For a 2025-era client, 2025 (initialize): a server answers its
    // clients per era (results, errors, the `_meta` of its requests, where its logs go), and the gateway
    // passes answers through rather than translating them. Else probe for 2026-07-28, fall back to 2025.
    negotiation: client?.legacy ? 'legacy' : 'auto',
    clientCapabilities: client?.capabilities,
    onListChanged: () => {
      if (upstreamRef) options.onListChanged(upstreamRef)
    },
  })
}

/** A remote URL as `/status` shows it: origin and path only. */
function labelOf(url: string): string {
  try {
    const u = new URL(url)
    return `${u.protocol}//${u.host}${u.pathname}`
  } catch {
    return 'remote'
  }
}
