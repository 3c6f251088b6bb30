import {execFileSync} from 'node:child_process'
import {X509Certificate} from 'node:crypto'
import {readFileSync, writeFileSync} from 'node:fs'
import http2 from 'node:http2'
import https from 'node:https'
import path from 'node:path'
import {Readable} from 'node:stream'
import tls from 'node:tls'

/**
 * Certificates made with openssl for the TLS tests (a private CA and leaves it signs for 127.0.0.1 and
 * localhost), and fetch implementations that trust that CA: over node:https (HTTP/1.1, keep-alive) and over
 * node:http2. The SDK's client transports take a `fetch`, so its real clients run over both.
 */

export interface TestCa {
  dir: string
  caFile: string
  ca: string
  caKeyFile: string
}

function openssl(args: string[], cwd: string): void {
  execFileSync('openssl', args, {cwd, stdio: ['ignore', 'ignore', 'pipe']})
}

/** A CA (EC P-256, one day) in `dir`. */
export function makeCa(dir: string): TestCa {
  openssl(
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-keyout',
      'ca.key',
      '-out',
      'ca.pem',
      '-days',
      '1',
      '-subj',
      '/CN=docker-mcp test CA',
    ],
    dir,
  )
  const caFile = path.join(dir, 'ca.pem')
  return {dir, caFile, ca: readFileSync(caFile, 'utf8'), caKeyFile: path.join(dir, 'ca.key')}
}

/** A leaf for 127.0.0.1 and localhost, signed by `ca`: `<name>.pem` and `<name>.key` in the CA's dir. */
export function issueCert(ca: TestCa, name: string): {certFile: string; keyFile: string} {
  const dir = ca.dir
  openssl(
    [
      'req',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-keyout',
      `${name}.key`,
      '-out',
      `${name}.csr`,
      '-subj',
      `/CN=${name}`,
    ],
    dir,
  )
  // subjectAltName from an extension file (x509 -req copies no extensions from the request).
  writeFileSync(path.join(dir, `${name}.ext`), 'subjectAltName=IP:127.0.0.1,DNS:localhost\n')
  openssl(
    [
      'x509',
      '-req',
      '-in',
      `${name}.csr`,
      '-CA',
      'ca.pem',
      '-CAkey',
      'ca.key',
      '-CAcreateserial',
      '-days',
      '1',
      '-out',
      `${name}.pem`,
      '-extfile',
      `${name}.ext`,
    ],
    dir,
  )
  return {certFile: path.join(dir, `${name}.pem`), keyFile: path.join(dir, `${name}.key`)}
}

/** The SHA-256 fingerprint of a PEM certificate file, as Node prints it. */
export function fingerprintOf(certFile: string): string {
  return new X509Certificate(readFileSync(certFile)).fingerprint256
}

/** The certificate a fresh TLS handshake with 127.0.0.1:port presents (its SHA-256 fingerprint). */
export function peerFingerprint(port: number, ca: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = tls.connect({host: '127.0.0.1', port, ca, servername: 'localhost'}, () => {
      const fp = socket.getPeerCertificate().fingerprint256
      socket.end()
      resolve(fp)
    })
    socket.once('error', reject)
  })
}

type FetchLike = (url: string | URL, init?: RequestInit) => Promise<Response>

function urlOf(input: string | URL | Request): URL {
  return new URL(typeof input === 'string' ? input : input instanceof URL ? input.href : input.url)
}

async function bodyOf(init: RequestInit | undefined): Promise<Buffer | undefined> {
  if (init?.body === undefined || init.body === null) return undefined
  return Buffer.from(await new Response(init.body).arrayBuffer())
}

function headersOf(init: RequestInit | undefined): Record<string, string> {
  const out: Record<string, string> = {}
  new Headers(init?.headers).forEach((v, k) => (out[k] = v))
  return out
}

function toResponse(status: number, headers: Headers, stream: Readable, method: string): Response {
  const empty = method === 'HEAD' || status === 204 || status === 304
  if (empty) stream.resume()
  return new Response(empty ? null : (Readable.toWeb(stream) as ReadableStream), {status, headers})
}

/** fetch over node:https (HTTP/1.1, one keep-alive agent) trusting `ca`; `onSocket` sees each new TLS socket. */
export function httpsFetch(ca: string, onSocket?: (socket: tls.TLSSocket) => void): FetchLike {
  const agent = new https.Agent({ca, keepAlive: true})
  return async (input, init) => {
    const url = urlOf(input)
    const body = await bodyOf(init)
    const method = init?.method ?? 'GET'
    return new Promise((resolve, reject) => {
      const req = https.request(url, {method, headers: headersOf(init), agent}, (res) => {
        const headers = new Headers()
        for (let i = 0; i < res.rawHeaders.length; i += 2)
          headers.append(res.rawHeaders[i]!, res.rawHeaders[i + 1]!)
        resolve(toResponse(res.statusCode ?? 0, headers, res, method))
      })
      if (onSocket) req.once('socket', (s) => onSocket(s as tls.TLSSocket))
      const abort = () => req.destroy(new DOMException('aborted', 'AbortError'))
      init?.signal?.addEventListener('abort', abort, {once: true})
      req.once('close', () => init?.signal?.removeEventListener('abort', abort))
      req.once('error', reject)
      req.end(body)
    })
  }
}

/**
 * fetch over node:http2 trusting `ca`: one session per origin (all requests multiplexed on it), ALPN h2 only,
 * so a server that does not speak HTTP/2 fails the handshake instead of silently serving HTTP/1.1.
 */
export function http2Fetch(ca: string): FetchLike & {close(): void; protocols: Set<string>} {
  const sessions = new Map<string, http2.ClientHttp2Session>()
  const protocols = new Set<string>()
  const sessionFor = (origin: string) => {
    let s = sessions.get(origin)
    if (!s || s.closed || s.destroyed) {
      s = http2.connect(origin, {ca, ALPNProtocols: ['h2']})
      s.on('error', () => {})
      s.once('connect', (session) => protocols.add(String(session.alpnProtocol)))
      sessions.set(origin, s)
    }
    return s
  }
  const fetchH2 = async (input: string | URL | Request, init?: RequestInit) => {
    const url = urlOf(input)
    const body = await bodyOf(init)
    const method = init?.method ?? 'GET'
    return new Promise<Response>((resolve, reject) => {
      const stream = sessionFor(url.origin).request({
        ...headersOf(init),
        ':method': method,
        ':path': `${url.pathname}${url.search}`,
      })
      stream.once('response', (h) => {
        const headers = new Headers()
        for (const [k, v] of Object.entries(h)) {
          if (k.startsWith(':') || v === undefined) continue
          for (const one of Array.isArray(v) ? v : [String(v)]) headers.append(k, one)
        }
        resolve(toResponse(Number(h[':status']), headers, stream, method))
      })
      const abort = () => stream.close(http2.constants.NGHTTP2_CANCEL)
      init?.signal?.addEventListener('abort', abort, {once: true})
      stream.once('close', () => init?.signal?.removeEventListener('abort', abort))
      stream.once('error', reject)
      stream.end(body)
    })
  }
  return Object.assign(fetchH2, {
    protocols,
    close() {
      for (const s of sessions.values()) s.close()
    },
  })
}
