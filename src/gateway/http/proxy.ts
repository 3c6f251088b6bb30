import type http from 'node:http'
import net from 'node:net'

import {UsageError} from '../../errors.js'
import {parseHostHeader} from './guards.js'

/**
 * The gateway behind a reverse proxy: who is trusted to say what the client's URL was, and what it was.
 *
 * A proxy that serves the gateway on `https://mcp.example.com/main/` forwards `GET /main/sse` as `GET /sse`
 * to `http://127.0.0.1:8811`. The gateway then builds URLs the client must use (the SSE `endpoint` event,
 * the `/` redirect, OAuth metadata URLs) from what it sees, which is wrong for the client: it needs
 * `/main/sse?sessionId=…` on `https://mcp.example.com`. The proxy says so in `X-Forwarded-Prefix`,
 * `X-Forwarded-Proto` and `X-Forwarded-Host` (or RFC 7239 `Forwarded`), but anybody can send those headers:
 * they are believed only from the peer addresses given with `--trusted-proxy` (none by default), and only
 * the values the nearest proxy set count (the last one of a list: a client's own value in front of it is
 * ignored). A value that does not parse is ignored, never half-used.
 */

/** What the client's URL looked like: scheme, authority and the path prefix the proxy removed. */
export interface PublicView {
  proto: 'http' | 'https'
  /** `host[:port]` as the client sent it (already checked as a Host header). */
  host: string
  /** '' or `/a/b` (no trailing slash): prepended to every path the gateway hands out. */
  prefix: string
}

/** Peer addresses whose forwarding headers are believed (`--trusted-proxy`). */
export interface TrustedProxies {
  /** Is the peer at this address (as `socket.remoteAddress` spells it) a trusted proxy? */
  trusts(address: string | undefined): boolean
  /** The addresses and networks as given, for logs. */
  readonly list: readonly string[]
}

/** Nothing is trusted: the default. */
export const NO_TRUSTED_PROXIES: TrustedProxies = {trusts: () => false, list: []}

/**
 * Parse `--trusted-proxy` values: IP addresses and CIDR networks, repeated or comma-separated
 * (`127.0.0.1,10.0.0.0/8,::1`). A bad entry is a usage error that names it.
 */
export function parseTrustedProxies(values: readonly string[] | undefined): TrustedProxies {
  const entries = (values ?? []).flatMap((v) => v.split(',')).map((v) => v.trim())
  if (entries.length === 0) return NO_TRUSTED_PROXIES
  const list = new net.BlockList()
  for (const entry of entries) {
    if (entry === '')
      throw new UsageError('--trusted-proxy: empty entry (give IP addresses or CIDR networks)')
    const m = /^([^/]+)(?:\/(\d{1,3}))?$/.exec(entry)
    const bare = m?.[1]?.replace(/^\[|\]$/g, '') ?? ''
    const family = net.isIP(bare)
    if (!m || family === 0) {
      throw new UsageError(
        `--trusted-proxy: "${entry}" is not an IP address or CIDR network (e.g. 127.0.0.1, 10.0.0.0/8, fd00::/8)`,
      )
    }
    const type = family === 4 ? 'ipv4' : 'ipv6'
    if (m[2] === undefined) {
      list.addAddress(bare, type)
      continue
    }
    const bits = Number(m[2])
    if (bits > (family === 4 ? 32 : 128)) {
      throw new UsageError(`--trusted-proxy: "${entry}" has a prefix length longer than the address`)
    }
    list.addSubnet(bare, bits, type)
  }
  return {
    list: entries,
    trusts(address) {
      if (!address) return false
      // An IPv4 peer on a dual-stack socket is spelled ::ffff:a.b.c.d; match it as the IPv4 address it is.
      const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address)
      if (mapped) return list.check(mapped[1]!, 'ipv4')
      const family = net.isIP(address)
      return family !== 0 && list.check(address, family === 4 ? 'ipv4' : 'ipv6')
    },
  }
}

/** Every value of a header that may be repeated and comma-separated, in order, blanks dropped. */
export function headerValues(value: string | string[] | undefined): string[] {
  if (value === undefined) return []
  return (Array.isArray(value) ? value : [value])
    .flatMap((v) => v.split(','))
    .map((v) => v.trim())
    .filter(Boolean)
}

/** The last value of a list header: the one the nearest proxy (the trusted one) set. */
function lastValue(value: string | string[] | undefined): string | undefined {
  return headerValues(value).at(-1)
}

function parseProto(value: string | undefined): 'http' | 'https' | undefined {
  const v = value?.toLowerCase()
  return v === 'http' || v === 'https' ? v : undefined
}

function parseForwardedHost(value: string | undefined): string | undefined {
  if (value === undefined) return undefined
  return parseHostHeader(value) ? value.toLowerCase() : undefined
}

/** RFC 3986 path characters (pchar and '/'), percent-escapes well formed. */
const PREFIX = /^(?:\/(?:[A-Za-z0-9\-._~!$&'()*+,;=:@]|%[0-9A-Fa-f]{2})+)+\/?$/

/**
 * `X-Forwarded-Prefix`: an absolute path of plain segments (`/main`, `/team/mcp/`); the trailing slash is
 * dropped, `/` alone means no prefix. Refused (undefined): relative paths, `//host` (a Location of
 * `//evil.example/sse` would send the client elsewhere), dot segments, controls, quotes, backslashes.
 */
export function parsePrefix(value: string | undefined): string | undefined {
  if (value === undefined) return undefined
  if (value === '/') return ''
  if (!PREFIX.test(value)) return undefined
  const segments = value.split('/').slice(1)
  if (segments.slice(0, -1).some((s) => s === '' || s === '.' || s === '..')) return undefined
  if (segments.some((s) => /^(?:\.|%2e){1,2}$/i.test(s))) return undefined
  return value.endsWith('/') ? value.slice(0, -1) : value
}

/** One RFC 7239 `Forwarded` element's parameters (`for=…;proto=https;host=…`), names lower-cased. */
function forwardedElement(element: string): Map<string, string> | undefined {
  const params = new Map<string, string>()
  // token=token or token="quoted-string" (RFC 7230 §3.2.6), separated by ';'.
  const pair =
    /\s*([A-Za-z0-9!#$%&'*+.^_`|~-]+)=(?:"((?:[^"\\]|\\.)*)"|([A-Za-z0-9!#$%&'*+.^_`|~:[\]-]*))\s*(;|$)/y
  let at = 0
  while (at < element.length) {
    pair.lastIndex = at
    const m = pair.exec(element)
    if (!m) return undefined
    params.set(m[1]!.toLowerCase(), m[2] !== undefined ? m[2].replace(/\\(.)/g, '$1') : (m[3] ?? ''))
    at = pair.lastIndex
  }
  return params
}

/** The last element of RFC 7239 `Forwarded` (the nearest proxy's), or undefined if it does not parse. */
export function parseForwarded(value: string | string[] | undefined): Map<string, string> | undefined {
  if (value === undefined) return undefined
  const text = (Array.isArray(value) ? value : [value]).join(',')
  // Split on commas outside quoted strings.
  const elements =
    text
      .match(/(?:[^,"]|"(?:[^"\\]|\\.)*")+/g)
      ?.map((e) => e.trim())
      .filter(Boolean) ?? []
  const last = elements.at(-1)
  return last === undefined ? undefined : forwardedElement(last)
}

/** What the request itself says, believing no header but Host: the view of a client that talks to us directly. */
export function directView(req: http.IncomingMessage): PublicView {
  const encrypted = (req.socket as {encrypted?: boolean} | undefined)?.encrypted === true
  return {proto: encrypted ? 'https' : 'http', host: req.headers.host ?? 'localhost', prefix: ''}
}

/**
 * The client's view of this request: from the forwarding headers when the peer is a trusted proxy, else
 * from the request itself. `X-Forwarded-*` headers win; RFC 7239 `Forwarded` is read only when the proxy
 * sent none of them (a proxy that sets X-Forwarded-* usually passes a client's `Forwarded` through as is).
 */
export function publicView(
  headers: http.IncomingHttpHeaders,
  direct: PublicView,
  trusted: boolean,
): PublicView {
  if (!trusted) return direct
  const prefix = parsePrefix(lastValue(headers['x-forwarded-prefix'])) ?? direct.prefix
  const xProto = headers['x-forwarded-proto']
  const xHost = headers['x-forwarded-host']
  if (xProto !== undefined || xHost !== undefined || headers['x-forwarded-prefix'] !== undefined) {
    return {
      proto: parseProto(lastValue(xProto)) ?? direct.proto,
      host: parseForwardedHost(lastValue(xHost)) ?? direct.host,
      prefix,
    }
  }
  const forwarded = parseForwarded(headers.forwarded)
  return {
    proto: parseProto(forwarded?.get('proto')) ?? direct.proto,
    host: parseForwardedHost(forwarded?.get('host')) ?? direct.host,
    prefix,
  }
}

const views = new WeakMap<http.IncomingMessage, PublicView>()

/** Work out and remember the request's public view (the front door does this first, for every request). */
export function resolvePublicView(req: http.IncomingMessage, proxies: TrustedProxies): PublicView {
  const view = publicView(req.headers, directView(req), proxies.trusts(req.socket.remoteAddress))
  views.set(req, view)
  return view
}

/** The request's public view (as resolved by the front door; the direct view if it was not). */
export function publicViewOf(req: http.IncomingMessage): PublicView {
  return views.get(req) ?? directView(req)
}

/** `proto://host/prefix`: the base URL the client reached the gateway's root at, without a trailing slash. */
export function publicBase(view: PublicView): string {
  return `${view.proto}://${view.host}${view.prefix}`
}

/**
 * `--public-url`: the names (and optional prefixes) the gateway is reachable at through a proxy; the Host
 * and Origin checks accept these names beside the local ones. Each value is a URL (`https://mcp.example.com/main`)
 * or a bare host name (`mcp.example.com`), repeated or comma-separated. Returns the lower-cased host names.
 */
export function parsePublicNames(values: readonly string[] | undefined): string[] {
  const names: string[] = []
  for (const entry of (values ?? []).flatMap((v) => v.split(',')).map((v) => v.trim())) {
    let hostname: string | undefined
    if (/^[a-z][a-z0-9+.-]*:\/\//i.test(entry)) {
      let url: URL | undefined
      try {
        url = new URL(entry)
      } catch {
        url = undefined
      }
      if (!url || (url.protocol !== 'https:' && url.protocol !== 'http:') || url.username || url.password) {
        throw new UsageError(
          `--public-url: "${entry}" is not an http(s) URL like https://mcp.example.com/main`,
        )
      }
      hostname = url.hostname
    } else {
      hostname = parseHostHeader(entry)?.hostname
      if (!hostname) {
        throw new UsageError(
          `--public-url: "${entry}" is neither a URL (https://mcp.example.com/main) nor a host name (mcp.example.com)`,
        )
      }
    }
    const name = hostname.toLowerCase()
    if (!names.includes(name)) names.push(name)
  }
  return names
}
