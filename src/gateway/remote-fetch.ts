import {lookup} from 'node:dns/promises'
import http from 'node:http'
import https from 'node:https'
import net from 'node:net'
import {Readable} from 'node:stream'

import {DockerMcpError} from '../errors.js'
import {internalReason} from './remote-address.js'

/**
 * Where the gateway may connect for a remote MCP server, and a `fetch` that connects only there.
 *
 * Checking a URL and then handing it to `fetch` is not enough: fetch resolves the name again, and a
 * hostile DNS server answers a public address to the check and 127.0.0.1 to the connection (DNS
 * rebinding). So the check returns the address it validated and the request is made to that address
 * (node:http's `lookup` pinned to it; the Host header and TLS name stay the URL's). Redirects are
 * validated hop by hop. A name that does not resolve is refused (fail closed).
 */

/** Resolve a host name to its addresses (injectable for tests). */
export type Resolver = (hostname: string) => Promise<string[]>

export const systemResolver: Resolver = async (hostname) =>
  (await lookup(hostname, {all: true, verbatim: true})).map((a) => a.address)

export interface RemotePolicy {
  /** Plain http allowed (`DOCKER_MCP_ALLOW_INSECURE_REMOTE_URLS=1`, local development). */
  allowHttp: boolean
  /** Private and local addresses allowed (the same variable). */
  allowPrivate: boolean
  resolve: Resolver
  /** Why an address is refused, or undefined when it is allowed. Default: anything but public unicast. */
  refuse?: (address: string) => string | undefined
}

/** The policy for a gateway's environment. */
export function remotePolicy(env: NodeJS.ProcessEnv, resolve: Resolver = systemResolver): RemotePolicy {
  const insecure = env.DOCKER_MCP_ALLOW_INSECURE_REMOTE_URLS === '1'
  return {allowHttp: insecure, allowPrivate: insecure, resolve}
}

/** A URL that passed the check, and the one address the request must go to. */
export interface CheckedTarget {
  url: URL
  address: string
  family: 4 | 6
}

const HINT = 'Set DOCKER_MCP_ALLOW_INSECURE_REMOTE_URLS=1 to allow it (for local development only).'

/** Check a remote server URL and pick the address to connect to; throws a DockerMcpError saying why not. */
export async function checkRemoteTarget(raw: string | URL, policy: RemotePolicy): Promise<CheckedTarget> {
  let url: URL
  try {
    url = new URL(raw)
  } catch {
    throw new DockerMcpError(`invalid remote server URL "${String(raw)}"`)
  }
  if (url.username || url.password)
    throw new DockerMcpError(`remote server URL must not carry credentials: ${url.origin}`)
  if (url.protocol !== 'https:' && url.protocol !== 'http:')
    throw new DockerMcpError(`unsupported URL scheme in ${url.origin}: use https`)
  if (!policy.allowHttp && url.protocol !== 'https:')
    throw new DockerMcpError(`refusing remote server URL ${url.origin}: only https is allowed. ${HINT}`)
  const host = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname
  // `localhost` and `*.localhost` are loopback by definition (RFC 6761), whatever a resolver says.
  if (!policy.allowPrivate && /(^|\.)localhost\.?$/i.test(host)) {
    throw new DockerMcpError(
      `refusing remote server URL ${url.origin}: it points at a private or local address (a localhost name). ${HINT}`,
    )
  }
  let addresses: string[]
  if (net.isIP(host)) {
    addresses = [host]
  } else {
    try {
      addresses = await policy.resolve(host)
    } catch (err) {
      throw new DockerMcpError(
        `cannot resolve the remote server's host ${host} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}): refusing to connect`,
      )
    }
    if (addresses.length === 0)
      throw new DockerMcpError(`the remote server's host ${host} has no address: refusing to connect`)
  }
  if (!policy.allowPrivate) {
    const refuse = policy.refuse ?? internalReason
    for (const address of addresses) {
      const why = refuse(address)
      if (why) {
        throw new DockerMcpError(
          `refusing remote server URL ${url.origin}: it points at a private or local address (${address}: ${why}). ${HINT}`,
        )
      }
    }
  }
  const address = addresses[0]!
  return {url, address, family: net.isIPv6(address) ? 6 : 4}
}

/** Check a remote server URL: public https only, unless insecure URLs are allowed (see `remotePolicy`). */
export async function validateRemoteUrl(
  raw: string,
  env: NodeJS.ProcessEnv,
  resolve: Resolver = systemResolver,
): Promise<URL> {
  return (await checkRemoteTarget(raw, remotePolicy(env, resolve))).url
}

const MAX_REDIRECTS = 5

async function bodyBytes(body: unknown): Promise<Buffer | undefined> {
  if (body === undefined || body === null) return undefined
  if (typeof body === 'string') return Buffer.from(body)
  if (body instanceof Uint8Array) return Buffer.from(body)
  if (body instanceof ArrayBuffer) return Buffer.from(body)
  return Buffer.from(await new Response(body as ConstructorParameters<typeof Response>[0]).arrayBuffer())
}

/** One HTTP exchange with `target.address`, whatever DNS says now. */
function pinnedRequest(
  target: CheckedTarget,
  request: {method: string; headers: Headers; body: Buffer | undefined; signal: AbortSignal | undefined},
): Promise<Response> {
  const client = target.url.protocol === 'https:' ? https : http
  const {address, family} = target
  return new Promise((resolve, reject) => {
    const req = client.request(
      target.url,
      {
        method: request.method,
        headers: Object.fromEntries(request.headers),
        ...(request.signal ? {signal: request.signal} : {}),
        // Both call shapes: net.connect asks for `all` when it may try several families.
        lookup: ((_host: string, options: {all?: boolean}, callback: (...args: unknown[]) => void) =>
          options?.all
            ? callback(null, [{address, family}])
            : callback(null, address, family)) as unknown as net.LookupFunction,
      },
      (res) => {
        const headers = new Headers()
        for (let i = 0; i + 1 < res.rawHeaders.length; i += 2)
          headers.append(res.rawHeaders[i]!, res.rawHeaders[i + 1]!)
        const status = res.statusCode ?? 502
        const empty = request.method === 'HEAD' || [204, 205, 304].includes(status)
        if (empty) res.resume()
        resolve(
          new Response(empty ? null : (Readable.toWeb(res) as ReadableStream<Uint8Array>), {
            status,
            statusText: res.statusMessage ?? '',
            headers,
          }),
        )
      },
    )
    req.on('error', reject)
    req.end(request.body)
  })
}

/**
 * A `fetch` for remote MCP servers (the SDK client transports accept one): every request, each redirect
 * hop included, is checked by `checkRemoteTarget` and sent to the address that was checked. A redirect to
 * a refused address, or to another origin (the request's headers carry the server's secrets), is an error.
 */
export function guardedFetch(policy: RemotePolicy): typeof fetch {
  return async (input, init) => {
    const request = input instanceof Request ? input : undefined
    let url = new URL(request ? request.url : input instanceof URL ? input.href : String(input))
    let method = (init?.method ?? request?.method ?? 'GET').toUpperCase()
    const headers = new Headers(init?.headers ?? request?.headers)
    let body = await bodyBytes(init?.body ?? (request?.body ? await request.arrayBuffer() : undefined))
    const signal = init?.signal ?? request?.signal ?? undefined
    const mode = init?.redirect ?? 'follow'
    for (let hop = 0; ; hop++) {
      const target = await checkRemoteTarget(url, policy)
      const response = await pinnedRequest(target, {method, headers, body, signal})
      const location = response.headers.get('location')
      if (![301, 302, 303, 307, 308].includes(response.status) || !location || mode === 'manual') {
        return response
      }
      await response.body?.cancel().catch(() => {})
      if (mode === 'error') throw new TypeError(`${url.origin} answered a redirect (redirect: "error")`)
      if (hop >= MAX_REDIRECTS)
        throw new DockerMcpError(`remote server ${url.origin}: more than ${MAX_REDIRECTS} redirects`)
      const next = new URL(location, url)
      // Judge the target first: a redirect to a private address is refused as such, whatever its origin.
      await checkRemoteTarget(next, policy)
      if (next.origin !== url.origin) {
        throw new DockerMcpError(
          `remote server ${url.origin} redirected to another origin (${next.origin}): refusing, since the request carries the server's headers. Put the final URL in the catalog.`,
        )
      }
      if (
        response.status === 303 ||
        ((response.status === 301 || response.status === 302) && method === 'POST')
      ) {
        method = 'GET'
        body = undefined
        headers.delete('content-type')
        headers.delete('content-length')
      }
      url = next
    }
  }
}
