import assert from 'node:assert/strict'
import {spawn, type ChildProcess} from 'node:child_process'
import {copyFileSync, existsSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync} from 'node:fs'
import http from 'node:http'
import https from 'node:https'
import {tmpdir} from 'node:os'
import path from 'node:path'
import {after, before, describe, test} from 'node:test'

import {Client, SSEClientTransport, StreamableHTTPClientTransport} from '@modelcontextprotocol/client'

import {eventually} from '../helpers/gateway.js'
import {freePort} from '../helpers/http-gateway.js'
import {makeSandbox, ROOT, RUN_JS, type Sandbox} from '../helpers/sandbox.js'
import {
  fingerprintOf,
  http2Fetch,
  httpsFetch,
  issueCert,
  makeCa,
  peerFingerprint,
  type TestCa,
} from '../helpers/tls.js'

/**
 * TLS and reverse proxies (issue #20): the gateway serving HTTPS itself with a certificate made here by
 * openssl (real SDK clients over it, the pair replaced while it runs), and the gateway behind a real NGINX
 * (Debian's, started here in the foreground) on the /main/ sub-path, with deploy/nginx/tls-subpath.conf.
 * No Docker: the gateway runs with no server enabled and its own tools (mcp-find) answer.
 */

const TOKEN = 'tls-proxy-token-0123456789'
const auth = {authorization: `Bearer ${TOKEN}`}

let dir: string
let ca: TestCa
let one: {certFile: string; keyFile: string}
let two: {certFile: string; keyFile: string}
const started: Array<{child: ChildProcess; sandbox: Sandbox}> = []

interface Gw {
  child: ChildProcess
  port: number
  stderr: () => string
}

/** `gateway run --transport streaming` on 127.0.0.1:<free port> with `args`; waits for /health over `fetchFn`. */
async function startGateway(
  args: string[],
  scheme: 'http' | 'https',
  fetchFn: typeof fetch = fetch,
): Promise<Gw> {
  const sandbox = await makeSandbox()
  const port = await freePort()
  const child = spawn(
    process.execPath,
    [RUN_JS, 'gateway', 'run', '--transport', 'streaming', '--port', String(port), ...args],
    {env: {...sandbox.env, MCP_GATEWAY_AUTH_TOKEN: TOKEN}, stdio: ['ignore', 'ignore', 'pipe']},
  )
  started.push({child, sandbox})
  let stderr = ''
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d))
  const status = await eventually(
    () =>
      fetchFn(`${scheme}://127.0.0.1:${port}/health`)
        .then((r) => r.status)
        .catch(() => 0),
    (s) => s === 200 || child.exitCode !== null,
    60_000,
  )
  if (status !== 200) throw new Error(`gateway did not become healthy (status ${status}):\n${stderr}`)
  return {child, port, stderr: () => stderr}
}

async function stop(gw: Gw): Promise<void> {
  if (gw.child.exitCode !== null) return
  const exited = new Promise((r) => gw.child.once('exit', r))
  gw.child.kill('SIGTERM')
  await exited
}

/** A connected SDK client: Streamable HTTP or legacy SSE, over the given fetch. */
async function connect(kind: 'mcp' | 'sse', url: string, fetchFn: typeof fetch): Promise<Client> {
  const client = new Client({name: `tls-${kind}`, version: '1.0.0'})
  const authed: typeof fetch = (u, i) =>
    fetchFn(u, {...i, headers: {...Object.fromEntries(new Headers(i?.headers)), ...auth}})
  const transport =
    kind === 'mcp'
      ? new StreamableHTTPClientTransport(new URL(url), {fetch: authed})
      : new SSEClientTransport(new URL(url), {fetch: authed, eventSourceInit: {fetch: authed}})
  await client.connect(transport)
  return client
}

/** List tools and call one of the gateway's own (no Docker needed). */
async function listAndCall(client: Client): Promise<void> {
  const {tools} = await client.listTools()
  assert.ok(
    tools.some((t) => t.name === 'mcp-find'),
    `tools: ${tools.map((t) => t.name).join(', ')}`,
  )
  const result = await client.callTool({name: 'mcp-find', arguments: {query: 'anything'}})
  assert.notEqual(result.isError, true, JSON.stringify(result))
}

/**
 * The first SSE event of GET <url> (the `endpoint` event), read raw so the test sees the exact path the
 * server hands out. `request` is http.request or https.request.
 */
function firstSseEvent(
  url: string,
  headers: Record<string, string>,
  options: https.RequestOptions = {},
): Promise<{status: number; data: string}> {
  const target = new URL(url)
  const request = target.protocol === 'https:' ? https.request : http.request
  return new Promise((resolve, reject) => {
    const req = request(target, {method: 'GET', headers: {...auth, ...headers}, ...options}, (res) => {
      let text = ''
      res.setEncoding('utf8')
      res.on('data', (d: string) => {
        text += d
        const m = /event: endpoint\ndata: (.*)\n/.exec(text)
        if (m) {
          resolve({status: res.statusCode ?? 0, data: m[1]!})
          req.destroy()
        }
      })
      res.on('end', () => resolve({status: res.statusCode ?? 0, data: text}))
    })
    req.once('error', reject)
    req.end()
  })
}

/** A raw request straight to the gateway: full control over Host, Origin and forwarding headers. */
function raw(
  port: number,
  pathname: string,
  headers: Record<string, string>,
): Promise<{status: number; headers: http.IncomingHttpHeaders; body: string}> {
  return new Promise((resolve, reject) => {
    const req = http.request({host: '127.0.0.1', port, path: pathname, method: 'GET', headers}, (res) => {
      let body = ''
      res.setEncoding('utf8')
      res.on('data', (d: string) => (body += d))
      res.on('end', () => resolve({status: res.statusCode ?? 0, headers: res.headers, body}))
    })
    req.once('error', reject)
    req.end()
  })
}

before(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'docker-mcp-tls-'))
  ca = makeCa(dir)
  one = issueCert(ca, 'one')
  two = issueCert(ca, 'two')
})

after(async () => {
  for (const {child, sandbox} of started) {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((r) => child.once('exit', r))
      child.kill('SIGTERM')
      await exited
    }
    await sandbox.cleanup()
  }
  rmSync(dir, {recursive: true, force: true})
})

describe('the gateway serves HTTPS itself (--tls-cert, --tls-key)', () => {
  let gw: Gw
  let live: {certFile: string; keyFile: string}

  before(async () => {
    // The files the gateway watches: a copy of "one", replaced by "two" later.
    const liveDir = mkdtempSync(path.join(dir, 'live-'))
    live = {certFile: path.join(liveDir, 'tls.crt'), keyFile: path.join(liveDir, 'tls.key')}
    copyFileSync(one.certFile, live.certFile)
    copyFileSync(one.keyFile, live.keyFile)
    gw = await startGateway(
      ['--tls-cert', live.certFile, '--tls-key', live.keyFile],
      'https',
      httpsFetch(ca.ca) as typeof fetch,
    )
  })
  after(() => stop(gw))

  test('the gateway itself speaks HTTP/1.1 only: an h2-only client fails the handshake (see README)', async () => {
    const h2 = http2Fetch(ca.ca)
    try {
      await assert.rejects(h2(`https://127.0.0.1:${gw.port}/health`))
    } finally {
      h2.close()
    }
  })

  test('prints an https:// URL; plain HTTP on the TLS port gets no MCP answer', async () => {
    assert.match(gw.stderr(), new RegExp(`Start streaming server on https://localhost:${gw.port}/mcp`))
    const plain = await fetch(`http://127.0.0.1:${gw.port}/health`).then(
      (r) => r.status,
      () => 0,
    )
    assert.notEqual(plain, 200)
  })

  test('Streamable HTTP and SSE clients of the SDK list and call tools over HTTPS (HTTP/1.1 keep-alive)', async () => {
    const sockets = new Set<unknown>()
    const fetchFn = httpsFetch(ca.ca, (s) => sockets.add(s)) as typeof fetch
    for (const kind of ['mcp', 'sse'] as const) {
      const client = await connect(kind, `https://127.0.0.1:${gw.port}/${kind}`, fetchFn)
      try {
        await listAndCall(client)
        await listAndCall(client)
      } finally {
        await client.close()
      }
    }
    // Keep-alive: far fewer connections than requests (initialize, notification, 2×list, 2×call per client).
    assert.ok(sockets.size > 0 && sockets.size < 8, `${sockets.size} TLS connections`)
  })

  test('a replaced pair is served to new handshakes; a bad replacement keeps the last good one', async () => {
    assert.equal(await peerFingerprint(gw.port, ca.ca), fingerprintOf(one.certFile))
    // A held connection (an SSE stream) survives the swap.
    const held = await connect('sse', `https://127.0.0.1:${gw.port}/sse`, httpsFetch(ca.ca) as typeof fetch)
    try {
      // Replaced the way renewals do it: new files renamed over the old ones.
      copyFileSync(two.keyFile, `${live.keyFile}.new`)
      copyFileSync(two.certFile, `${live.certFile}.new`)
      renameSync(`${live.keyFile}.new`, live.keyFile)
      renameSync(`${live.certFile}.new`, live.certFile)
      const fp = await eventually(
        () => peerFingerprint(gw.port, ca.ca),
        (f) => f === fingerprintOf(two.certFile),
        30_000,
      )
      assert.equal(fp, fingerprintOf(two.certFile))
      assert.match(gw.stderr(), /TLS certificate reloaded: CN=two/)
      await listAndCall(held)

      // A key that does not match, then garbage: logged, naming the file; "two" still served.
      copyFileSync(one.keyFile, `${live.keyFile}.new`)
      renameSync(`${live.keyFile}.new`, live.keyFile)
      await eventually(
        async () => gw.stderr(),
        (s) => s.includes(`--tls-key file "${live.keyFile}" is not the key of the certificate`),
        30_000,
      )
      writeFileSync(`${live.certFile}.new`, 'not a certificate\n')
      renameSync(`${live.certFile}.new`, live.certFile)
      await eventually(
        async () => gw.stderr(),
        (s) => s.includes(`--tls-cert file "${live.certFile}" is not a PEM certificate`),
        30_000,
      )
      assert.match(gw.stderr(), /still serving the previous certificate/)
      assert.equal(await peerFingerprint(gw.port, ca.ca), fingerprintOf(two.certFile))
      const fresh = await connect(
        'mcp',
        `https://127.0.0.1:${gw.port}/mcp`,
        httpsFetch(ca.ca) as typeof fetch,
      )
      await listAndCall(fresh)
      await fresh.close()
    } finally {
      await held.close()
    }
  })
})

describe('the connection cap over TLS', () => {
  test('authenticated TLS connections with a stream open are never shed for a newcomer', async () => {
    const gw = await startGateway(
      ['--tls-cert', one.certFile, '--tls-key', one.keyFile, '--max-connections', '2'],
      'https',
      httpsFetch(ca.ca) as typeof fetch,
    )
    const streams: http.ClientRequest[] = []
    try {
      // Two SSE streams, each on its own TLS connection, authenticated and busy.
      for (let i = 0; i < 2; i++) {
        const opened = await new Promise<{req: http.ClientRequest; res: http.IncomingMessage}>(
          (resolve, reject) => {
            const req = https.request(
              {host: '127.0.0.1', port: gw.port, path: '/sse', headers: auth, ca: ca.ca, agent: false},
              (res) => resolve({req, res}),
            )
            req.once('error', reject)
            req.end()
          },
        )
        assert.equal(opened.res.statusCode, 200)
        opened.res.resume()
        streams.push(opened.req)
      }
      // A third connection at the cap: refused (closed), since both others are authenticated and busy. Were
      // the TLS sockets not the ones tracked, the streams would count as unauthenticated and one be shed.
      const third = await peerFingerprint(gw.port, ca.ca).then(
        () => 'handshake completed',
        () => 'refused',
      )
      const health = await (httpsFetch(ca.ca) as typeof fetch)(`https://127.0.0.1:${gw.port}/health`).then(
        (r) => r.status,
        () => 0,
      )
      assert.equal(health, 0, `a newcomer got through (${third})`)
      for (const req of streams) assert.equal(req.destroyed, false, 'an authenticated stream was shed')
    } finally {
      for (const req of streams) req.destroy()
      await stop(gw)
    }
  })
})

describe('TLS files that do not load stop the start with an error naming the file', () => {
  for (const [what, files, message] of [
    [
      'missing certificate',
      () => ['/nonexistent/tls.crt', one.keyFile],
      /cannot read --tls-cert file "\/nonexistent\/tls.crt": no such file/,
    ],
    [
      'key of another certificate',
      () => [one.certFile, two.keyFile],
      /--tls-key file ".*two.key" is not the key of the certificate in --tls-cert file ".*one.pem"/,
    ],
    ['half a pair', () => [one.certFile], /--tls-cert needs --tls-key/],
  ] as const) {
    test(what, async () => {
      const sandbox = await makeSandbox()
      try {
        const [cert, key] = files()
        const args = ['--tls-cert', cert!, ...(key ? ['--tls-key', key] : [])]
        const child = spawn(
          process.execPath,
          [RUN_JS, 'gateway', 'run', '--transport', 'streaming', '--port', String(await freePort()), ...args],
          {env: {...sandbox.env, MCP_GATEWAY_AUTH_TOKEN: TOKEN}, stdio: ['ignore', 'ignore', 'pipe']},
        )
        let stderr = ''
        child.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d))
        const code = await new Promise<number | null>((r) => child.once('exit', r))
        assert.notEqual(code, 0)
        // oclif wraps long messages: join its continuation lines first.
        assert.match(stderr.replace(/\s*\n ›\s+/g, ' '), message)
        assert.doesNotMatch(stderr, /at .*\.js:\d+/, 'no stack trace for a user mistake')
      } finally {
        await sandbox.cleanup()
      }
    })
  }
})

describe('behind NGINX on /main/ (deploy/nginx/tls-subpath.conf)', () => {
  let gw: Gw
  let nginx: ChildProcess
  let nginxPort = 0
  let nginxLog = ''
  let base = ''

  before(async () => {
    gw = await startGateway(
      ['--trusted-proxy', '127.0.0.1', '--public-url', 'https://127.0.0.1/main'],
      'http',
    )
    nginxPort = await freePort()
    const conf = readFileSync(path.join(ROOT, 'deploy/nginx/tls-subpath.conf'), 'utf8')
      .replace('server 127.0.0.1:8811;', `server 127.0.0.1:${gw.port};`)
      .replace('listen 443 ssl http2;', `listen 127.0.0.1:${nginxPort} ssl http2;`)
      .replace('/etc/nginx/tls/mcp.example.com.pem', one.certFile)
      .replace('/etc/nginx/tls/mcp.example.com.key', one.keyFile)
    assert.ok(
      conf.includes(`127.0.0.1:${gw.port}`) && conf.includes(one.certFile),
      'the deploy file changed shape',
    )
    const ngDir = mkdtempSync(path.join(dir, 'nginx-'))
    // Its own prefix, pid, logs and temp dirs; one process (no workers to chase), in the foreground.
    writeFileSync(
      path.join(ngDir, 'nginx.conf'),
      `daemon off;
master_process off;
pid ${ngDir}/nginx.pid;
error_log ${ngDir}/error.log info;
events { worker_connections 256; }
http {
  access_log ${ngDir}/access.log;
  client_body_temp_path ${ngDir}/body;
  proxy_temp_path ${ngDir}/proxy;
  fastcgi_temp_path ${ngDir}/fastcgi;
  uwsgi_temp_path ${ngDir}/uwsgi;
  scgi_temp_path ${ngDir}/scgi;
${conf}
}
`,
    )
    nginx = spawn(
      'nginx',
      ['-p', ngDir, '-c', path.join(ngDir, 'nginx.conf'), '-e', path.join(ngDir, 'error.log')],
      {
        stdio: ['ignore', 'ignore', 'pipe'],
      },
    )
    nginx.stderr!.setEncoding('utf8').on('data', (d: string) => (nginxLog += d))
    base = `https://127.0.0.1:${nginxPort}/main`
    const fetchFn = httpsFetch(ca.ca) as typeof fetch
    const status = await eventually(
      () =>
        fetchFn(`${base}/health`)
          .then((r) => r.status)
          .catch(() => 0),
      (s) => s === 200 || nginx.exitCode !== null,
      30_000,
    )
    if (status !== 200) {
      const log = existsSync(path.join(ngDir, 'error.log'))
        ? readFileSync(path.join(ngDir, 'error.log'), 'utf8')
        : ''
      throw new Error(`nginx did not proxy /main/health (status ${status}):\n${nginxLog}\n${log}`)
    }
  })
  after(async () => {
    if (nginx && nginx.exitCode === null) {
      const exited = new Promise((r) => nginx.once('exit', r))
      nginx.kill('SIGTERM')
      await exited
    }
    await stop(gw)
  })

  test('the SSE endpoint event keeps the /main prefix; the SDK SSE client lists and calls tools', async () => {
    const event = await firstSseEvent(`${base}/sse`, {}, {ca: ca.ca})
    assert.equal(event.status, 200)
    assert.match(event.data, /^\/main\/sse\?sessionId=[0-9a-f-]+$/)
    const client = await connect('sse', `${base}/sse`, httpsFetch(ca.ca) as typeof fetch)
    try {
      await listAndCall(client)
    } finally {
      await client.close()
    }
  })

  test('the SDK Streamable HTTP client lists and calls tools on /main/mcp', async () => {
    const client = await connect('mcp', `${base}/mcp`, httpsFetch(ca.ca) as typeof fetch)
    try {
      await listAndCall(client)
    } finally {
      await client.close()
    }
  })

  test('HTTP/2 clients (ALPN h2 at NGINX) use Streamable HTTP and SSE through it', async () => {
    const h2 = http2Fetch(ca.ca)
    try {
      for (const kind of ['mcp', 'sse'] as const) {
        const client = await connect(kind, `${base}/${kind}`, h2 as typeof fetch)
        try {
          await listAndCall(client)
        } finally {
          await client.close()
        }
      }
      assert.deepEqual([...h2.protocols], ['h2'])
    } finally {
      h2.close()
    }
  })

  test('/main/ redirects to /main/mcp', async () => {
    const r = await (httpsFetch(ca.ca) as typeof fetch)(`${base}/`, {headers: auth})
    assert.equal(r.status, 307)
    assert.equal(r.headers.get('location'), '/main/mcp')
  })

  test('a client cannot override the prefix the proxy sets', async () => {
    const event = await firstSseEvent(`${base}/sse`, {'x-forwarded-prefix': '/evil'}, {ca: ca.ca})
    assert.match(event.data, /^\/main\/sse\?sessionId=/)
  })
})

describe('forwarding headers and public names straight at the gateway', () => {
  let plain: Gw
  let trusting: Gw
  let oauth: Gw
  before(async () => {
    ;[plain, trusting, oauth] = await Promise.all([
      startGateway([], 'http'),
      startGateway(['--trusted-proxy', '127.0.0.1', '--public-url', 'https://mcp.example.com/main'], 'http'),
      // The issuer is never reached: a request without a token is answered before any token check.
      startGateway(
        [
          '--auth',
          'oauth',
          '--issuer',
          'http://127.0.0.1:9/',
          '--audience',
          'mcp-api',
          '--trusted-proxy',
          '127.0.0.1',
          '--public-url',
          'mcp.example.com',
        ],
        'http',
      ),
    ])
  })
  after(async () => {
    await Promise.all([stop(plain), stop(trusting), stop(oauth)])
  })

  test('OAuth metadata URLs use the public origin and prefix a trusted proxy gives', async () => {
    const forwarded = {
      host: 'mcp.example.com',
      'x-forwarded-proto': 'https',
      'x-forwarded-host': 'mcp.example.com',
      'x-forwarded-prefix': '/main',
    }
    const challenge = await raw(oauth.port, '/mcp', forwarded)
    assert.equal(challenge.status, 401)
    assert.match(
      String(challenge.headers['www-authenticate']),
      /resource_metadata="https:\/\/mcp\.example\.com\/\.well-known\/oauth-protected-resource\/main\/mcp"/,
    )
    // The proxy passes the well-known path through as is (deploy/nginx/tls-subpath.conf).
    const metadata = await raw(oauth.port, '/.well-known/oauth-protected-resource/main/mcp', forwarded)
    assert.equal(metadata.status, 200, metadata.body)
    assert.equal(JSON.parse(metadata.body).resource, 'https://mcp.example.com/main/mcp')
    // Without the forwarding headers: the URL the client reached, as before.
    const direct = await raw(oauth.port, '/mcp', {})
    assert.match(
      String(direct.headers['www-authenticate']),
      new RegExp(`resource_metadata="http://127\\.0\\.0\\.1:${oauth.port}/`),
    )
  })

  test('an untrusted peer’s X-Forwarded-* are ignored (no --trusted-proxy)', async () => {
    const spoof = {
      'x-forwarded-prefix': '/main',
      'x-forwarded-proto': 'https',
      'x-forwarded-host': 'evil.example',
    }
    const event = await firstSseEvent(`http://127.0.0.1:${plain.port}/sse`, spoof)
    assert.match(event.data, /^\/sse\?sessionId=/)
    const r = await raw(plain.port, '/', {...auth, host: `127.0.0.1:${plain.port}`, ...spoof})
    assert.equal(r.status, 307)
    assert.equal(r.headers.location, '/mcp')
  })

  test('a trusted peer’s prefix is honoured, a malformed one ignored', async () => {
    const good = await firstSseEvent(`http://127.0.0.1:${trusting.port}/sse`, {
      'x-forwarded-prefix': '/team/a/',
    })
    assert.match(good.data, /^\/team\/a\/sse\?sessionId=/)
    for (const bad of ['//evil.example', '/a/../b', 'relative', '/a b']) {
      const r = await raw(trusting.port, '/', {
        ...auth,
        host: `127.0.0.1:${trusting.port}`,
        'x-forwarded-prefix': bad,
      })
      assert.equal(r.status, 307, bad)
      assert.equal(r.headers.location, '/mcp', bad)
    }
  })

  test('Host and Origin: the --public-url name is accepted, others still refused', async () => {
    const asked = {...auth, host: 'mcp.example.com', origin: 'https://mcp.example.com'}
    assert.equal((await raw(plain.port, '/', asked)).status, 403, 'a public name must be configured to pass')
    assert.equal((await raw(trusting.port, '/', asked)).status, 307)
    assert.equal((await raw(trusting.port, '/', {...asked, host: 'mcp.example.com:443'})).status, 307)
    assert.equal((await raw(trusting.port, '/', {...asked, host: 'evil.example'})).status, 403)
    assert.equal((await raw(trusting.port, '/', {...asked, origin: 'https://evil.example'})).status, 403)
  })
})
