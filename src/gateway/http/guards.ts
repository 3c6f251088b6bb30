import {createHash, randomInt, timingSafeEqual} from 'node:crypto'
import net from 'node:net'

/**
 * The checks at the HTTP front door, as pure functions: who may call (bearer token), from where (Host and
 * Origin, the DNS-rebinding defence of a loopback gateway), and whether the bind address is loopback at all.
 * Every decision is taken on parsed addresses, never on the text as typed: `0:0:0:0:0:0:0:1` and
 * `::ffff:127.0.0.1` are loopback, `localhost.evil.example` and `localhost@evil` are not.
 */

// 127.0.0.0/8 and ::1. BlockList also matches the IPv4-mapped form (::ffff:127.0.0.1, ::ffff:7f00:1) and
// any spelling of an IPv6 address (0:0:0:0:0:0:0:1), because it compares parsed bytes, not text.
const LOOPBACK = new net.BlockList()
LOOPBACK.addSubnet('127.0.0.0', 8, 'ipv4')
LOOPBACK.addAddress('::1', 'ipv6')

/** An IP literal without brackets or zone, or undefined when `text` is not one. */
function ipLiteral(text: string): {address: string; family: 'ipv4' | 'ipv6'} | undefined {
  const bare = text.startsWith('[') && text.endsWith(']') ? text.slice(1, -1) : text
  const version = net.isIP(bare)
  if (version === 4) return {address: bare, family: 'ipv4'}
  if (version === 6) return {address: bare, family: 'ipv6'}
  return undefined
}

/** Is this IP literal (brackets allowed) a loopback address? */
export function isLoopbackAddress(text: string): boolean {
  const ip = ipLiteral(text)
  return ip !== undefined && LOOPBACK.check(ip.address, ip.family)
}

/** Is this bind address reachable only from this machine? `localhost` or a loopback IP in any spelling. */
export function isLoopback(host: string): boolean {
  return host.toLowerCase() === 'localhost' || isLoopbackAddress(host)
}

/** A 50-character token of [a-z0-9], like the original's. */
export function generateToken(): string {
  const alphabet = 'abcdefghijklmnopqrstuvwxyz0123456789'
  let token = ''
  for (let i = 0; i < 50; i++) token += alphabet[randomInt(alphabet.length)]
  return token
}

/**
 * The token the gateway requires. `MCP_GATEWAY_AUTH_TOKEN` set to an empty or blank value is treated as
 * unset (a token is generated and printed), never as "no token": turning authentication off takes
 * `--allow-unauthenticated`, an explicit flag, not an empty variable.
 */
export function resolveAuthToken(fromEnv: string | undefined): {token: string; generated: boolean} {
  const given = fromEnv?.trim()
  return given ? {token: given, generated: false} : {token: generateToken(), generated: true}
}

/**
 * Constant-time comparison of a presented `Authorization: Bearer <token>` with the expected token. The
 * scheme is case-insensitive (RFC 9110), the token is not; surrounding blanks are ignored. Both sides are
 * hashed first, so the comparison takes the same time whatever the lengths (no prefix leaks).
 */
export function tokenMatches(header: string | undefined, token: string): boolean {
  if (!token) return false
  const m = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(header?.trim() ?? '')
  const presented = createHash('sha256')
    .update(m ? m[1]! : '')
    .digest()
  const expected = createHash('sha256').update(token).digest()
  return timingSafeEqual(presented, expected) && m !== null
}

/** A `Host` header split into name and port, or undefined when it is not `host[:port]` (RFC 9110 §7.2). */
export function parseHostHeader(value: string): {hostname: string; port?: number} | undefined {
  // uri-host is an IP-literal in brackets, an IPv4 address or a reg-name; no userinfo, path or spaces.
  const m = /^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9._~-]+)(?::(\d{1,5}))?$/.exec(value)
  if (!m) return undefined
  const hostname = m[1]!
  if (hostname.startsWith('[') && net.isIPv6(hostname.slice(1, -1)) === false) return undefined
  if (m[2] !== undefined) {
    const port = Number(m[2])
    if (port > 65535) return undefined
    return {hostname: hostname.toLowerCase(), port}
  }
  return {hostname: hostname.toLowerCase()}
}

/** Is this name one that only reaches this machine: `localhost` or a loopback IP literal? */
function isLocalName(hostname: string): boolean {
  return hostname === 'localhost' || isLoopbackAddress(hostname)
}

export type Verdict = {ok: true} | {ok: false; status: 400 | 403; message: string}

/**
 * Check the `Host` header. Malformed: 400. On a loopback gateway only local names are accepted (403
 * otherwise): a page in a browser must not reach it through a hostile name that resolves to 127.0.0.1.
 * `publicNames` (`--public-url`, lower-case) are accepted too: the names a reverse proxy forwards as Host.
 */
export function checkHost(
  header: string | undefined,
  loopbackOnly: boolean,
  publicNames: readonly string[] = [],
): Verdict {
  if (header === undefined || header === '') {
    return {ok: false, status: 400, message: 'missing Host header'}
  }
  const parsed = parseHostHeader(header)
  if (!parsed) return {ok: false, status: 400, message: `malformed Host header "${header}"`}
  if (loopbackOnly && !isLocalName(parsed.hostname) && !publicNames.includes(parsed.hostname)) {
    return {ok: false, status: 403, message: `Host "${header}" is not allowed`}
  }
  return {ok: true}
}

/**
 * Check the `Origin` header (sent by browsers): absent is fine (not a browser); otherwise it must be an
 * http(s) origin on a local name, parsed as a URL (a prefix test would let `http://localhost.evil.example`
 * through). `null` (sandboxed frames, files) is refused. `publicNames` (`--public-url`) are accepted too.
 */
export function checkOrigin(header: string | undefined, publicNames: readonly string[] = []): Verdict {
  if (header === undefined) return {ok: true}
  const refused: Verdict = {ok: false, status: 403, message: `Origin "${header}" is not allowed`}
  let url: URL
  try {
    url = new URL(header)
  } catch {
    return refused
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return refused
  if (url.username || url.password) return refused
  const name = url.hostname.toLowerCase()
  return isLocalName(name) || publicNames.includes(name) ? {ok: true} : refused
}

/**
 * Is this a path where an OAuth client looks for an authorization server (RFC 8414, RFC 9728, OpenID
 * discovery, and the default endpoints MCP clients fall back to: /register, /authorize, /token)?
 *
 * Why it matters: MCP clients (Claude Code, mcp-remote, the Inspector) answer a 401 by starting OAuth. If
 * these paths answer 401 too, the user is told that OAuth registration failed, when the real problem is a
 * missing or wrong static token. So they answer 404 "no OAuth here" (`NO_OAUTH`), before the token check:
 * the answer is the same for everyone and says nothing about the gateway but that it takes a bearer token.
 */
export function isOAuthDiscoveryPath(pathname: string): boolean {
  return (
    pathname.startsWith('/.well-known/oauth-') ||
    pathname.startsWith('/.well-known/openid-configuration') ||
    pathname.endsWith('/.well-known/openid-configuration') ||
    pathname === '/register' ||
    pathname === '/authorize' ||
    pathname === '/token'
  )
}

/** The header a client must send, spelled out for error answers. */
export const EXPECTED_AUTH_HEADER = 'Authorization: Bearer <token>'

/** The body of the 404 on OAuth discovery paths (RFC 6749 error shape, which OAuth clients print). */
export const NO_OAUTH = {
  error: 'invalid_request',
  error_description: `this MCP gateway does not use OAuth: it takes a static token in the header "${EXPECTED_AUTH_HEADER}" (MCP_GATEWAY_AUTH_TOKEN). Check the token your client sends.`,
}

/** Why a request was refused for its token: missing, or present but not the gateway's. */
export function tokenProblem(header: string | undefined): string {
  const what = header === undefined || header.trim() === '' ? 'missing bearer token' : 'invalid bearer token'
  return `${what}: send the gateway's token in the header "${EXPECTED_AUTH_HEADER}" (MCP_GATEWAY_AUTH_TOKEN; this gateway does not use OAuth)`
}
