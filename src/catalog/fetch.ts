import {BlockList, isIP} from 'node:net'

import {DockerMcpError} from '../errors.js'
import {MAX_FILE_BYTES} from './yaml-file.js'

/** Redirects followed (each one checked as the first URL is); more is a loop or a misconfiguration. */
export const MAX_REDIRECTS = 5

const LOOPBACK = new BlockList()
LOOPBACK.addSubnet('127.0.0.0', 8, 'ipv4')
LOOPBACK.addAddress('::1', 'ipv6')

/**
 * Is the host of a parsed URL the loopback interface? Decided from the address the URL parser produced,
 * never from the text: the parser has already turned `127.1`, `0x7f.0.0.1` and `[0:0:0:0:0:0:0:1]` into
 * canonical addresses, and the block list matches IPv4-mapped IPv6 (`[::ffff:127.0.0.1]`, which the
 * parser rewrites to `[::ffff:7f00:1]`) against the IPv4 rule. `127.evil.example` is a name, not an
 * address, and is not loopback. The one name accepted is `localhost` (with or without the trailing dot),
 * which RFC 6761 reserves for loopback and which browsers treat as a secure origin for the same reason.
 */
export function isLoopbackHost(hostname: string): boolean {
  const host = hostname.startsWith('[') && hostname.endsWith(']') ? hostname.slice(1, -1) : hostname
  const lower = host.toLowerCase()
  if (lower === 'localhost' || lower === 'localhost.') return true
  const family = isIP(host)
  if (family === 0) return false
  return LOOPBACK.check(host, family === 6 ? 'ipv6' : 'ipv4')
}

/**
 * Refuse to download a catalog over plain http from anywhere but this machine, unless `allowInsecure`.
 * A catalog decides which images run with which volumes, user and secrets: whoever can alter it on the
 * wire (a café's Wi-Fi, a proxy) owns the next `catalog update`. Loopback never crosses a network, so
 * http there (a local mirror, tests) is fine. Schemes other than http(s) are refused outright.
 */
export function checkCatalogUrl(url: string, options: {allowInsecure?: boolean} = {}): URL {
  let parsed: URL
  try {
    parsed = new URL(url)
  } catch {
    throw new DockerMcpError(`${JSON.stringify(url)} is not a valid URL; nothing was changed`)
  }
  if (parsed.protocol === 'https:') return parsed
  if (parsed.protocol !== 'http:')
    throw new DockerMcpError(
      `cannot download ${url}: only https:// (and http:// to this machine) is supported; nothing was changed`,
    )
  if (options.allowInsecure || isLoopbackHost(parsed.hostname)) return parsed
  throw new DockerMcpError(
    `refusing to download ${url} over plain http: anyone on the network path could change the catalog (its images, volumes and secrets); nothing was changed`,
    {
      suggestions: [
        `Use https: ${url.replace(/^http:/i, 'https:')}`,
        'Or, if you trust every network between you and that server, pass --allow-insecure.',
      ],
    },
  )
}

/** Downloads are short: the catalog is small, and an offline machine should get its answer quickly. */
export const FETCH_TIMEOUT_MS = 10_000

function causeText(err: unknown): string {
  const e = err as {name?: string; message?: string; cause?: {code?: string; message?: string}}
  if (e.name === 'TimeoutError' || e.name === 'AbortError') return 'timed out'
  if (e.cause?.code) return `${e.cause.code}${e.cause.message ? ` (${e.cause.message})` : ''}`
  return e.cause?.message ?? e.message ?? String(err)
}

/**
 * Download a text file with a timeout and a size cap. Errors say what failed and that nothing was changed:
 * callers only write after a successful, validated download.
 */
export async function fetchText(
  url: string,
  options: {timeoutMs?: number; allowInsecure?: boolean} = {},
): Promise<string> {
  const fail = (detail: string) =>
    new DockerMcpError(`could not download ${url}: ${detail}; nothing was changed`, {
      suggestions: ['Check the network connection (and proxy settings), or import a local file instead.'],
    })
  const signal = AbortSignal.timeout(options.timeoutMs ?? FETCH_TIMEOUT_MS)
  let response: Response
  let current = checkCatalogUrl(url, options)
  // Redirects are followed by hand so that each hop passes the same check: https that redirects to plain
  // http elsewhere (which fetch would follow) is refused like plain http typed by the user.
  for (let hops = 0; ; hops++) {
    try {
      response = await fetch(current, {
        signal,
        redirect: 'manual',
        headers: {accept: 'application/yaml, text/yaml, application/json, text/plain, */*'},
      })
    } catch (err) {
      throw fail(causeText(err))
    }
    const location = response.headers.get('location')
    if (response.status < 300 || response.status > 399 || location === null) break
    await response.body?.cancel()
    if (hops >= MAX_REDIRECTS) throw fail(`more than ${MAX_REDIRECTS} redirects`)
    let next: string
    try {
      next = new URL(location, current).href
    } catch {
      throw fail(`the server redirected to an invalid URL ${JSON.stringify(location)}`)
    }
    current = checkCatalogUrl(next, options)
  }
  if (!response.ok) throw fail(`HTTP ${response.status} ${response.statusText}`.trim())
  const declared = Number(response.headers.get('content-length') ?? '0')
  if (declared > MAX_FILE_BYTES) throw fail(`the file is too large (${declared} bytes)`)
  // Read incrementally so a server that lies about (or omits) the length cannot make us buffer gigabytes.
  const reader = response.body?.getReader()
  if (!reader) return ''
  const chunks: Uint8Array[] = []
  let total = 0
  try {
    for (;;) {
      const {done, value} = await reader.read()
      if (done) break
      total += value.byteLength
      if (total > MAX_FILE_BYTES) {
        await reader.cancel()
        throw fail(`the file is larger than ${MAX_FILE_BYTES} bytes`)
      }
      chunks.push(value)
    }
  } catch (err) {
    if (err instanceof DockerMcpError) throw err
    throw fail(causeText(err))
  }
  return Buffer.concat(chunks).toString('utf8')
}
