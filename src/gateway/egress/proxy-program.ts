/**
 * The egress proxy: the program that runs in the `docker-mcp-egress-proxy` image (proxy-image.ts), the only
 * member of a confined server's internal network besides the server. It imports nothing but Node's own
 * modules, because it is copied into the image as one file.
 *
 * - HTTP proxy on `httpPort`: plain HTTP requests (absolute URI) and CONNECT tunnels, each checked against
 *   the allowlist by host AND port; a CONNECT tunnel that starts a TLS handshake must name the same host in
 *   its SNI (no domain fronting through an allowed name).
 * - One TCP forwarder per `/tcp` entry, on that entry's port: the server's name for that host resolves to
 *   the proxy (an /etc/hosts line the gateway adds), the proxy connects to the real host.
 * - Names are resolved here, once, and every address is checked: a name that resolves to a loopback,
 *   link-local (cloud metadata: 169.254.169.254), multicast or unspecified address, or to the proxy itself,
 *   is refused; the connection goes to the address that was checked (no second lookup to rebind).
 * - Direct IP addresses are refused unless the allowlist names that address.
 *
 * A refusal answers 403 with a plain-text body saying what was refused and why, and what is allowed.
 * The proxy prints `ready` on stdout once it listens, logs refusals on stderr, and exits when its stdin
 * ends: the gateway holds stdin, so a gateway that dies (even SIGKILLed) takes its proxies with it.
 */
import {lookup} from 'node:dns/promises'
import {createServer as createHttpServer, request as httpRequest, type IncomingMessage} from 'node:http'
import {connect, createServer as createTcpServer, isIP, type Socket} from 'node:net'
import {networkInterfaces} from 'node:os'

/** One `allowHosts` entry, parsed. `any` (no suffix) allows both plain HTTP and CONNECT. */
export interface EgressRule {
  host: string
  port: number
  protocol: 'any' | 'http' | 'https' | 'tcp'
}

export interface ProxyConfig {
  rules: EgressRule[]
  /** Where the HTTP proxy listens (not a port of a `/tcp` entry). */
  httpPort: number
}

/** The environment variable carrying the JSON `ProxyConfig`. */
export const CONFIG_ENV = 'DOCKER_MCP_EGRESS_CONFIG'

function ipv4Parts(ip: string): number[] | undefined {
  const parts = ip.split('.').map(Number)
  return parts.length === 4 && parts.every((p) => Number.isInteger(p) && p >= 0 && p <= 255)
    ? parts
    : undefined
}

/** Expand an IPv6 address to 8 groups (undefined if it is not one). */
function ipv6Groups(ip: string): number[] | undefined {
  let text = ip.toLowerCase()
  const zone = text.indexOf('%')
  if (zone >= 0) text = text.slice(0, zone)
  let tail: number[] = []
  const lastColon = text.lastIndexOf(':')
  const v4 = ipv4Parts(text.slice(lastColon + 1))
  if (v4) {
    tail = [(v4[0]! << 8) | v4[1]!, (v4[2]! << 8) | v4[3]!]
    text = text.slice(0, lastColon + 1) + '0:0'
  }
  const halves = text.split('::')
  if (halves.length > 2) return undefined
  const parse = (s: string) => (s === '' ? [] : s.split(':').map((g) => parseInt(g, 16)))
  const head = parse(halves[0]!)
  const rest = halves.length === 2 ? parse(halves[1]!) : []
  let groups =
    halves.length === 2 ? [...head, ...Array(8 - head.length - rest.length).fill(0), ...rest] : head
  if (v4) groups = [...groups.slice(0, groups.length - 2), ...tail]
  if (groups.length !== 8 || groups.some((g) => !Number.isInteger(g) || g < 0 || g > 0xffff)) return undefined
  return groups
}

/**
 * Why no server may reach this address (undefined when it may): loopback, link-local (the cloud metadata
 * services live there), multicast, broadcast, unspecified, or one of the proxy's own addresses.
 */
export function blockedAddressReason(ip: string, own: readonly string[]): string | undefined {
  if (own.includes(ip)) return 'the egress proxy itself'
  const v4 = ipv4Parts(ip)
  if (v4) {
    const [a, b] = v4 as [number, number, number, number]
    if (a === 127) return 'a loopback address'
    if (a === 0) return 'an unspecified address'
    if (a === 169 && b === 254) return 'a link-local address (where cloud metadata services answer)'
    if (a >= 224 && a <= 239) return 'a multicast address'
    if (a >= 240) return 'a reserved or broadcast address'
    return undefined
  }
  const g = ipv6Groups(ip)
  if (!g) return 'not an IP address'
  // IPv4-mapped (::ffff:a.b.c.d) and IPv4-compatible forms: judged as the IPv4 address they carry.
  if (g.slice(0, 5).every((x) => x === 0) && (g[5] === 0xffff || g[5] === 0) && (g[6] !== 0 || g[7]! > 1))
    return blockedAddressReason(`${g[6]! >> 8}.${g[6]! & 255}.${g[7]! >> 8}.${g[7]! & 255}`, own)
  if (g.every((x) => x === 0)) return 'an unspecified address'
  if (g.slice(0, 7).every((x) => x === 0) && g[7] === 1) return 'a loopback address'
  if ((g[0]! & 0xffc0) === 0xfe80) return 'a link-local address'
  if ((g[0]! & 0xff00) === 0xff00) return 'a multicast address'
  // fd00:ec2::254: AWS's metadata service over IPv6.
  if (g[0] === 0xfd00 && g[1] === 0xec2 && g.slice(2, 7).every((x) => x === 0) && g[7] === 0x254)
    return 'a cloud metadata address'
  return undefined
}

/** Lower case, no trailing dot, no IPv6 brackets. */
export function normaliseHost(host: string): string {
  let h = host.trim().toLowerCase().replace(/\.$/, '')
  if (h.startsWith('[') && h.endsWith(']')) h = h.slice(1, -1)
  return h
}

export type Verdict = {allowed: true; rule: EgressRule} | {allowed: false; reason: string}

/**
 * May a request of this kind go to host:port? `http` is a plain proxied request, `connect` a tunnel, `tcp` a
 * forwarder's connection. The reason of a refusal is written for the person reading the server's error.
 */
export function checkTarget(
  rules: readonly EgressRule[],
  rawHost: string,
  port: number,
  kind: 'http' | 'connect' | 'tcp',
): Verdict {
  const host = normaliseHost(rawHost)
  const named = rules.filter((r) => r.host === host)
  if (named.length === 0) {
    if (isIP(host))
      return {allowed: false, reason: `direct connections to IP addresses are not allowed (${host})`}
    return {allowed: false, reason: `${host} is not in this server's allowlist`}
  }
  const onPort = named.filter((r) => r.port === port)
  if (onPort.length === 0)
    return {
      allowed: false,
      reason: `port ${port} is not allowed for ${host} (allowed: ${named.map((r) => r.port).join(', ')})`,
    }
  const fits = onPort.find((r) =>
    kind === 'tcp'
      ? r.protocol === 'tcp'
      : kind === 'http'
        ? r.protocol === 'any' || r.protocol === 'http'
        : r.protocol !== 'tcp',
  )
  if (fits) return {allowed: true, rule: fits}
  const declared = onPort.map((r) => r.protocol).join(', ')
  return {
    allowed: false,
    reason:
      kind === 'http'
        ? `plain HTTP to ${host}:${port} is not allowed (the allowlist says ${declared}: use https)`
        : `${host}:${port} is allowed for raw TCP only: connect to it directly, not through the HTTP proxy`,
  }
}

/**
 * The server name (SNI) of a TLS ClientHello, undefined if the bytes are a ClientHello without one, or
 * `null` if they are not a (complete) ClientHello.
 */
export function clientHelloServerName(data: Buffer): string | undefined | null {
  try {
    if (data.length < 5 || data[0] !== 0x16 || data[5] !== 0x01) return null
    let p = 5 + 4 // record header, handshake header
    p += 2 + 32 // version, random
    p += 1 + data[p]! // session id
    p += 2 + data.readUInt16BE(p) // cipher suites
    p += 1 + data[p]! // compression methods
    if (p + 2 > data.length) return undefined
    const end = p + 2 + data.readUInt16BE(p)
    p += 2
    if (end > data.length) return null
    while (p + 4 <= end) {
      const type = data.readUInt16BE(p)
      const len = data.readUInt16BE(p + 2)
      p += 4
      if (type === 0) {
        // server_name: list length, then (type 0 = host_name, length, name)
        let q = p + 2
        while (q + 3 <= p + len) {
          const nameType = data[q]!
          const nameLen = data.readUInt16BE(q + 1)
          if (nameType === 0) return data.subarray(q + 3, q + 3 + nameLen).toString('latin1')
          q += 3 + nameLen
        }
      }
      p += len
    }
    return undefined
  } catch {
    return null
  }
}

function describeRules(rules: readonly EgressRule[]): string {
  return rules.map((r) => `${r.host}:${r.port}${r.protocol === 'any' ? '' : `/${r.protocol}`}`).join(', ')
}

/** The 403 body: what was refused, why, and what this server may reach. */
export function refusalMessage(rules: readonly EgressRule[], target: string, reason: string): string {
  return (
    `docker-mcp egress proxy refused ${target}: ${reason}. ` +
    `This server runs with --block-network and may only reach: ${describeRules(rules) || 'nothing'}. ` +
    `To allow more, add host:port to allowHosts in its catalog entry.\n`
  )
}

function ownAddresses(): string[] {
  return Object.values(networkInterfaces())
    .flat()
    .map((i) => i?.address ?? '')
    .filter((a) => a && !a.startsWith('127.') && a !== '::1')
}

/** Resolve a name (or take an IP) and check every address it has; the first address is the one to use. */
export async function resolveChecked(
  host: string,
  own: readonly string[],
  resolve: (host: string) => Promise<string[]> = async (h) =>
    (await lookup(h, {all: true, verbatim: true})).map((a) => a.address),
): Promise<{address: string} | {reason: string}> {
  const h = normaliseHost(host)
  let addresses: string[]
  if (isIP(h)) addresses = [h]
  else {
    try {
      addresses = await resolve(h)
    } catch (err) {
      return {reason: `${h} does not resolve (${(err as NodeJS.ErrnoException).code ?? 'lookup failed'})`}
    }
  }
  if (addresses.length === 0) return {reason: `${h} does not resolve`}
  for (const address of addresses) {
    const why = blockedAddressReason(address, own)
    if (why) return {reason: `${h} resolves to ${address}, ${why}`}
  }
  return {address: addresses[0]!}
}

function splitHostPort(authority: string, defaultPort: number): {host: string; port: number} | undefined {
  const m = /^(\[[^\]]+\]|[^:]+)(?::(\d{1,5}))?$/.exec(authority)
  if (!m) return undefined
  return {host: normaliseHost(m[1]!), port: m[2] ? Number(m[2]) : defaultPort}
}

/** Run the proxy until stdin ends. */
export async function main(env: NodeJS.ProcessEnv = process.env): Promise<void> {
  const config = JSON.parse(env[CONFIG_ENV] ?? '') as ProxyConfig
  const rules = config.rules
  const own = ownAddresses()
  const log = (line: string) => process.stderr.write(`${line}\n`)

  const refuseSocket = (socket: Socket, target: string, reason: string) => {
    const body = refusalMessage(rules, target, reason)
    log(`refused ${target}: ${reason}`)
    socket.end(
      `HTTP/1.1 403 Forbidden\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
    )
  }

  const server = createHttpServer()
  // Plain HTTP through the proxy: `GET http://host:port/path`.
  server.on('request', (req: IncomingMessage, res) => {
    let url: URL
    try {
      url = new URL(req.url ?? '')
    } catch {
      res.writeHead(400, {'Content-Type': 'text/plain; charset=utf-8'})
      res.end('docker-mcp egress proxy: send absolute-URI proxy requests (set HTTP_PROXY), or CONNECT\n')
      return
    }
    const target = `${url.hostname}:${url.port || 80}`
    const refuse = (reason: string) => {
      const body = refusalMessage(rules, target, reason)
      log(`refused ${target}: ${reason}`)
      res.writeHead(403, {'Content-Type': 'text/plain; charset=utf-8', Connection: 'close'})
      res.end(body)
    }
    if (url.protocol !== 'http:')
      return refuse(`only http:// URLs are proxied as plain requests (got ${url.protocol})`)
    const port = Number(url.port || 80)
    const verdict = checkTarget(rules, url.hostname, port, 'http')
    if (!verdict.allowed) return refuse(verdict.reason)
    void resolveChecked(url.hostname, own).then((resolved) => {
      if ('reason' in resolved) return refuse(resolved.reason)
      const headers = {...req.headers}
      delete headers['proxy-connection']
      delete headers['proxy-authorization']
      const upstream = httpRequest(
        {host: resolved.address, port, method: req.method, path: `${url.pathname}${url.search}`, headers},
        (answer) => {
          res.writeHead(answer.statusCode ?? 502, answer.headers)
          answer.pipe(res)
        },
      )
      upstream.on('error', (err) => {
        if (!res.headersSent) {
          res.writeHead(502, {'Content-Type': 'text/plain; charset=utf-8'})
          res.end(`docker-mcp egress proxy: ${target} failed: ${err.message}\n`)
        } else res.destroy()
      })
      req.pipe(upstream)
    })
  })
  // Tunnels: `CONNECT host:port`.
  server.on('connect', (req: IncomingMessage, socket: Socket, head: Buffer) => {
    socket.on('error', () => {})
    const parsed = splitHostPort(req.url ?? '', 443)
    const target = req.url ?? '?'
    if (!parsed) return refuseSocket(socket, target, 'not a host:port')
    const verdict = checkTarget(rules, parsed.host, parsed.port, 'connect')
    if (!verdict.allowed) return refuseSocket(socket, target, verdict.reason)
    void resolveChecked(parsed.host, own).then((resolved) => {
      if ('reason' in resolved) return refuseSocket(socket, target, resolved.reason)
      const upstream = connect({host: resolved.address, port: parsed.port})
      upstream.on('error', () => socket.destroy())
      upstream.once('connect', () => {
        socket.write('HTTP/1.1 200 Connection Established\r\n\r\n')
        // The first bytes the client sends are held until checked: a TLS ClientHello must name this host.
        let first = head
        const check = () => {
          const sni = clientHelloServerName(first)
          // A ClientHello split over several packets: wait for the rest (up to a TLS record's size).
          if (sni === null && first[0] === 0x16 && first.length < 16389) return false
          if (verdict.rule.protocol === 'https' && sni === null) {
            log(`refused ${target}: the tunnel did not start a TLS handshake (the allowlist says https)`)
            socket.destroy()
            upstream.destroy()
            return true
          }
          if (typeof sni === 'string' && normaliseHost(sni) !== parsed.host) {
            log(`refused ${target}: the TLS handshake names ${sni}, not ${parsed.host}`)
            socket.destroy()
            upstream.destroy()
            return true
          }
          upstream.write(first)
          socket.pipe(upstream)
          upstream.pipe(socket)
          return true
        }
        if (first.length > 0 && check()) return
        const onData = (chunk: Buffer) => {
          first = Buffer.concat([first, chunk])
          if (check()) socket.off('data', onData)
        }
        socket.on('data', onData)
      })
      socket.on('close', () => upstream.destroy())
      upstream.on('close', () => socket.destroy())
    })
  })
  server.on('clientError', (_err, socket) => socket.destroy())

  const listeners: Array<Promise<void>> = [
    new Promise((resolve, reject) =>
      server.listen(config.httpPort, '0.0.0.0', resolve).once('error', reject),
    ),
  ]
  for (const rule of rules.filter((r) => r.protocol === 'tcp')) {
    const forwarder = createTcpServer((socket) => {
      socket.on('error', () => {})
      const target = `${rule.host}:${rule.port}/tcp`
      void resolveChecked(rule.host, own).then((resolved) => {
        if ('reason' in resolved) {
          log(`refused ${target}: ${resolved.reason}`)
          return socket.destroy()
        }
        const upstream = connect({host: resolved.address, port: rule.port})
        upstream.on('error', () => socket.destroy())
        socket.on('close', () => upstream.destroy())
        upstream.on('close', () => socket.destroy())
        socket.pipe(upstream)
        upstream.pipe(socket)
      })
    })
    listeners.push(
      new Promise((resolve, reject) => forwarder.listen(rule.port, '0.0.0.0', resolve).once('error', reject)),
    )
  }
  await Promise.all(listeners)
  process.stdout.write('ready\n')
  process.stdin.resume()
  process.stdin.on('end', () => process.exit(0))
  process.stdin.on('close', () => process.exit(0))
}
