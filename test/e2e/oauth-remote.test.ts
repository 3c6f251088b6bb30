import assert from 'node:assert/strict'
import {spawn} from 'node:child_process'
import {readFile, writeFile} from 'node:fs/promises'
import http from 'node:http'
import type net from 'node:net'
import path from 'node:path'
import {after, before, describe, test} from 'node:test'

import {mcpPaths} from '../../src/paths.js'
import {connectGateway, textOf} from '../helpers/gateway.js'
import {freePort} from '../helpers/http-gateway.js'
import {startOidcProvider, type LoginOptions, type OidcProvider} from '../helpers/oidc-provider.js'
import {startProtectedServer, type ProtectedServer} from '../helpers/protected-server.js'
import {makeSandbox, RUN_JS, runCli, type RunResult, type Sandbox} from '../helpers/sandbox.js'

/**
 * Remote MCP servers behind OAuth, end to end with no mocks in the flow: a real OpenID Connect provider
 * (npm oidc-provider: dynamic registration, PKCE, resource indicators, JWT access tokens, refresh, revocation)
 * and an SDK Streamable HTTP server that accepts only its tokens (verified with jose against its JWKS). The
 * CLI runs as the user runs it (`oauth authorize --no-browser`); a scripted browser logs in and consents.
 * No Docker: remote servers need no container.
 */
const ENV = {DOCKER_MCP_ALLOW_INSECURE_REMOTE_URLS: '1', DOCKER_MCP_SECRET_STORE: 'file'}
let sandbox: Sandbox
let idp: OidcProvider
let notes: ProtectedServer
let callbackPort = 0
/** Every CLI and gateway output of this file, for the "never printed" grep at the end. */
const outputs: string[] = []

/** oclif wraps error messages (lines prefixed " ›   "): one line again, for matching. */
function flat(text: string): string {
  return text.replace(/\s*\n ›\s+/g, ' ').replace(/^ ›\s+/gm, '')
}

async function cli(args: string[], env: NodeJS.ProcessEnv = {}): Promise<RunResult> {
  const r = await runCli(sandbox, args, {env: {...ENV, ...env}})
  outputs.push(r.stdout, r.stderr)
  return {...r, stderr: flat(r.stderr)}
}

/**
 * `oauth authorize <server> --no-browser` as a child process: the URL it prints goes to the scripted
 * browser (`login`), then the command's result.
 */
async function authorizeWith(
  server: string,
  login: (url: string) => Promise<unknown>,
  extra: string[] = [],
  env: NodeJS.ProcessEnv = {},
): Promise<RunResult & {browser: unknown}> {
  const child = spawn(process.execPath, [RUN_JS, 'oauth', 'authorize', server, '--no-browser', ...extra], {
    env: {...sandbox.env, ...ENV, ...env},
  })
  let stdout = ''
  let stderr = ''
  let browser: unknown
  let browsed: Promise<void> | undefined
  child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d))
  child.stderr.setEncoding('utf8').on('data', (d: string) => {
    stderr += d
    const url = /^\s+(http\S+)$/m.exec(stderr)?.[1]
    if (url && !browsed)
      browsed = login(url).then(
        (b) => void (browser = b),
        (e: Error) => void (browser = e),
      )
  })
  child.stdin.end()
  const timer = setTimeout(() => child.kill('SIGKILL'), 60_000)
  const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((r) =>
    child.on('close', (c, s) => r([c, s])),
  )
  clearTimeout(timer)
  await browsed
  outputs.push(stdout, stderr)
  return {code, signal, stdout, stderr: flat(stderr), browser}
}

const browse =
  (o: LoginOptions = {}) =>
  (url: string) =>
    idp.login(url, o)

/** The secrets file (DOCKER_MCP_SECRET_STORE=file): what is stored, by name. */
async function storedNames(): Promise<string[]> {
  const r = await cli(['secret', 'ls', '--json'])
  return (JSON.parse(r.stdout) as {name: string}[]).map((s) => s.name)
}

function catalogYaml(entries: Record<string, string>): string {
  let out = 'version: 2\nname: oauth-test\ndisplayName: OAuth test\nregistry:\n'
  for (const [name, url] of Object.entries(entries)) {
    out +=
      `  ${name}:\n    title: ${name}\n    description: notes behind OAuth\n    type: remote\n` +
      `    remote:\n      url: ${url}\n      transport_type: http\n` +
      `    oauth:\n      providers:\n        - provider: ${name}\n      scopes: [notes:read]\n` +
      `    tools:\n      - name: notes_whoami\n`
  }
  return out
}

before(async () => {
  sandbox = await makeSandbox(ENV)
  // The resource's URL is known only once the server listens: start it first, then tell the provider.
  callbackPort = await freePort()
  idp = await startOidcProvider({
    resources: {},
    scopes: ['notes:read'],
    // A client registered by hand, for `oauth register` (providers without dynamic registration).
    clients: [
      {
        client_id: 'static-cli',
        token_endpoint_auth_method: 'none',
        redirect_uris: [`http://127.0.0.1:${callbackPort}/callback`],
        grant_types: ['authorization_code', 'refresh_token'],
        response_types: ['code'],
      },
    ],
  })
  notes = await startProtectedServer({issuer: idp.issuer, jwksUri: idp.jwksUri})
  idp.setResource(notes.url, {scope: 'notes:read'})
  const file = path.join(sandbox.home, 'oauth-test.yaml')
  await writeFile(file, catalogYaml({notes: notes.url}))
  const imported = await cli(['catalog', 'import', file])
  assert.equal(imported.code, 0, imported.stderr)
  const enabled = await cli(['server', 'enable', 'notes'])
  assert.equal(enabled.code, 0, enabled.stderr)
})

after(async () => {
  await notes?.close()
  await idp?.stop()
  await sandbox?.cleanup()
})

/** Stored OAuth entries (names only). */
async function oauthNames(): Promise<string[]> {
  return (await storedNames()).filter((n) => n.startsWith('oauth'))
}

/** A value in the 0600 secrets file (DOCKER_MCP_SECRET_STORE=file), parsed: what the gateway reads. */
async function storedSecret<T>(name: string): Promise<T> {
  const file = JSON.parse(await readFile(mcpPaths(sandbox.env).secretsFile, 'utf8')) as {
    secrets: Record<string, string>
  }
  const value = file.secrets[name]
  if (value === undefined) throw new Error(`no secret ${name} stored`)
  return JSON.parse(value) as T
}

const storedTokens = (server: string) =>
  storedSecret<{access_token: string; refresh_token?: string}>(`oauth/${server}`)

async function gatewayCall(): Promise<{text: string; isError: boolean}> {
  const g = await connectGateway(sandbox, ['--servers', 'notes', '--no-cache'], {viaDocker: false})
  try {
    const result = (await g.client.callTool({name: 'notes_whoami', arguments: {}})) as {isError?: boolean}
    return {text: textOf(result), isError: result.isError === true}
  } finally {
    await g.close()
    outputs.push(g.stderr())
  }
}

/** An authorization server that lies in its metadata: an authorization endpoint on a plain-http public host. */
async function lyingAuthorizationServer(): Promise<{url: string; close(): Promise<void>}> {
  const server = http.createServer((req, res) => {
    const issuer = `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`
    if (req.url !== '/.well-known/oauth-authorization-server') return void res.writeHead(404).end()
    res.writeHead(200, {'content-type': 'application/json'}).end(
      JSON.stringify({
        issuer,
        authorization_endpoint: 'http://auth.example.test/authorize',
        token_endpoint: `${issuer}/token`,
        registration_endpoint: `${issuer}/reg`,
        response_types_supported: ['code'],
        code_challenge_methods_supported: ['S256'],
      }),
    )
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  return {
    url: `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`,
    close: () => new Promise((r) => server.close(() => r())),
  }
}

async function serverLsOAuth(): Promise<string> {
  const r = await cli(['server', 'ls', '--json'])
  return (JSON.parse(r.stdout) as {name: string; oauth: string}[]).find((x) => x.name === 'notes')!.oauth
}

describe('before any authorization', () => {
  test('server ls shows OAuth as required, oauth ls as not authorized', async () => {
    assert.equal(await serverLsOAuth(), 'required')
    const table = await cli(['server', 'ls'])
    assert.match(table.stdout, /notes\s+▲ required/)
    const ls = await cli(['oauth', 'ls', '--json'])
    assert.deepEqual(JSON.parse(ls.stdout), [
      {server: 'notes', status: 'not authorized', scopes: 'notes:read', client: 'none'},
    ])
  })

  test('the gateway answers a call with a tool error that says to run docker mcp oauth authorize', async () => {
    const r = await gatewayCall()
    assert.equal(r.isError, true, r.text)
    assert.match(r.text, /docker mcp oauth authorize notes/)
    assert.equal(notes.calls, 0)
  })

  test('metadata naming another issuer is refused, nothing stored', async () => {
    // The provider answers on localhost too, but its metadata says 127.0.0.1: an RFC 8414 §3.3 mismatch.
    notes.setAuthorizationServer(`http://localhost:${idp.port}`)
    try {
      const r = await authorizeWith('notes', browse())
      assert.equal(r.code, 1)
      assert.match(r.stderr, /names issuer "http:\/\/127\.0\.0\.1:\d+".*refusing it, nothing was stored/)
      assert.doesNotMatch(r.stderr, /Open this URL/)
    } finally {
      notes.setAuthorizationServer(idp.issuer)
    }
    assert.deepEqual(await oauthNames(), [])
  })

  test('an authorization endpoint on a plain-http public host is refused before the browser opens', async () => {
    const liar = await lyingAuthorizationServer()
    notes.setAuthorizationServer(liar.url)
    try {
      const r = await authorizeWith('notes', browse())
      assert.equal(r.code, 1)
      assert.match(
        r.stderr,
        /authorization endpoint \(http:\/\/auth\.example\.test\) is neither https nor on a loopback host/,
      )
      assert.doesNotMatch(r.stderr, /Open this URL/)
    } finally {
      notes.setAuthorizationServer(idp.issuer)
      await liar.close()
    }
    assert.deepEqual(await oauthNames(), [])
  })

  test('a callback with another state is refused, nothing stored', async () => {
    const r = await authorizeWith(
      'notes',
      browse({
        beforeCallback: (u) => {
          const forged = new URL(u)
          forged.searchParams.set('state', 'forged-state-value')
          return forged
        },
      }),
    )
    assert.equal(r.code, 1)
    assert.match(r.stderr, /state that does not match/)
    assert.equal((r.browser as {status: number}).status, 400)
    assert.deepEqual(await oauthNames(), [])
  })

  test('a token for another audience is refused, nothing stored', async () => {
    idp.setResource(notes.url, {scope: 'notes:read', audience: 'https://other.example/mcp'})
    try {
      const r = await authorizeWith('notes', browse())
      assert.equal(r.code, 1)
      assert.match(r.stderr, /token for another audience \("https:\/\/other\.example\/mcp"\)/)
    } finally {
      idp.setResource(notes.url, {scope: 'notes:read'})
    }
    assert.deepEqual(await oauthNames(), [])
  })
})

describe('oauth authorize', () => {
  test('the full flow: discovery, dynamic registration, PKCE, consent, loopback callback; tokens stored, not printed', async () => {
    const r = await authorizeWith('notes', browse())
    assert.equal(r.code, 0, r.stderr)
    assert.match(r.stdout, /authorized notes with http:\/\/127\.0\.0\.1:\d+ \(scopes: notes:read\)/)
    const url = new URL(/^\s+(http\S+)$/m.exec(r.stderr)![1]!)
    assert.equal(url.searchParams.get('code_challenge_method'), 'S256')
    assert.equal(url.searchParams.get('resource'), notes.url)
    assert.match(url.searchParams.get('redirect_uri')!, /^http:\/\/127\.0\.0\.1:\d+\/callback$/)
    assert.ok(url.searchParams.get('state')!.length >= 32)
    const names = await storedNames()
    assert.ok(names.includes('oauth/notes') && names.includes('oauth-dcr/notes'), names.join(','))

    const ls = await cli(['oauth', 'ls', '--json'])
    const rows = JSON.parse(ls.stdout) as {
      server: string
      status: string
      scopes: string
      client: string
      expires: string
    }[]
    const row = rows.find((x) => x.server === 'notes')!
    assert.equal(row.status, 'authorized')
    assert.equal(row.client, 'dynamic')
    assert.match(row.scopes, /notes:read/)
    assert.ok(Date.parse(row.expires) > Date.now())
    const table = await cli(['oauth', 'ls'])
    assert.match(table.stdout, /notes\s+authorized/)
    assert.equal(await serverLsOAuth(), 'done')
  })
})

describe('the gateway with a token', () => {
  test('sends the bearer: the remote tool answers for the user who consented', async () => {
    const r = await gatewayCall()
    assert.equal(r.isError, false, r.text)
    assert.equal(r.text, 'notes for alice')
  })

  test('refreshes a token about to expire, and stores the new one', async () => {
    // Lifetimes shorter than the refresh margin: the stored token is due for refresh at the next call.
    idp.setResource(notes.url, {scope: 'notes:read', accessTokenTTL: 20})
    const registered = await storedSecret<{client_id: string}>('oauth-dcr/notes')
    const r0 = await authorizeWith('notes', browse())
    assert.equal(r0.code, 0, r0.stderr)
    // Authorizing again reuses the registered client (and its callback port): no registration per run.
    const url = new URL(/^\s+(http\S+)$/m.exec(r0.stderr)![1]!)
    assert.equal(url.searchParams.get('client_id'), registered.client_id)
    const before = await storedTokens('notes')
    const issued = idp.issuedAccessTokens.length
    const refused = notes.refusals.length
    const r = await gatewayCall()
    assert.equal(r.text, 'notes for alice')
    // Refreshed before use: the server never saw the old token expire (no 401 and retry).
    assert.equal(notes.refusals.length, refused, notes.refusals.join('; '))
    const after = await storedTokens('notes')
    assert.notEqual(after.access_token, before.access_token, 'a new access token was stored')
    assert.ok(idp.issuedAccessTokens.length > issued, 'the provider issued tokens on refresh')
    idp.setResource(notes.url, {scope: 'notes:read'})
  })

  test('refreshes once when the server answers 401, and the call goes through', async () => {
    const r0 = await authorizeWith('notes', browse())
    assert.equal(r0.code, 0, r0.stderr)
    const before = await storedTokens('notes')
    const g = await connectGateway(sandbox, ['--servers', 'notes', '--no-cache'], {viaDocker: false})
    try {
      notes.rejectNext()
      const result = await g.client.callTool({name: 'notes_whoami', arguments: {}})
      assert.equal(textOf(result), 'notes for alice')
      assert.equal(notes.refusals[0], 'rejected once by the test')
    } finally {
      await g.close()
      outputs.push(g.stderr())
    }
    assert.notEqual((await storedTokens('notes')).access_token, before.access_token)
  })

  test('oauth revoke revokes at the provider and deletes the tokens; the gateway says to authorize again', async () => {
    const {refresh_token} = await storedTokens('notes')
    assert.ok(refresh_token)
    const r = await cli(['oauth', 'revoke', 'notes'])
    assert.equal(r.code, 0, r.stderr)
    assert.equal(r.stderr, '')
    assert.match(r.stdout, /revoked notes at the authorization server and deleted its tokens/)
    assert.deepEqual(await oauthNames(), ['oauth-dcr/notes'])
    // The provider no longer honours the refresh token.
    const meta = (await (await fetch(`${idp.issuer}/.well-known/openid-configuration`)).json()) as {
      token_endpoint: string
    }
    const client = await storedSecret<{client_id: string}>('oauth-dcr/notes')
    const res = await fetch(meta.token_endpoint, {
      method: 'POST',
      headers: {'content-type': 'application/x-www-form-urlencoded'},
      body: new URLSearchParams({grant_type: 'refresh_token', refresh_token, client_id: client.client_id}),
    })
    assert.equal(res.status, 400)
    assert.equal(((await res.json()) as {error: string}).error, 'invalid_grant')
    const after = await gatewayCall()
    assert.equal(after.isError, true)
    assert.match(after.text, /docker mcp oauth authorize notes/)
  })

  test('oauth register: a client registered by hand is used; a running gateway picks up the new token', async () => {
    // A gateway session that started with no token: the call says to authorize...
    const g = await connectGateway(sandbox, ['--servers', 'notes', '--no-cache'], {viaDocker: false})
    try {
      const first = (await g.client.callTool({name: 'notes_whoami', arguments: {}})) as {isError?: boolean}
      assert.equal(first.isError, true)
      assert.match(textOf(first), /docker mcp oauth authorize notes/)

      const reg = await cli(['oauth', 'register', 'notes', '--client-id', 'static-cli'])
      assert.equal(reg.code, 0, reg.stderr)
      const r = await authorizeWith('notes', browse(), [], {MCP_GATEWAY_OAUTH_PORT: String(callbackPort)})
      assert.equal(r.code, 0, r.stderr)
      const url = new URL(/^\s+(http\S+)$/m.exec(r.stderr)![1]!)
      assert.equal(url.searchParams.get('client_id'), 'static-cli')
      assert.equal(url.searchParams.get('redirect_uri'), `http://127.0.0.1:${callbackPort}/callback`)
      const ls = JSON.parse((await cli(['oauth', 'ls', '--json'])).stdout) as {
        client: string
        status: string
      }[]
      assert.deepEqual(
        ls.map((x) => [x.status, x.client]),
        [['authorized', 'manual']],
      )
      // ...and, authorized meanwhile, the same session's next call reaches the server.
      assert.equal(textOf(await g.client.callTool({name: 'notes_whoami', arguments: {}})), 'notes for alice')
    } finally {
      await g.close()
      outputs.push(g.stderr())
    }
  })

  test('no token value ever appeared in any output or log', async () => {
    assert.ok(idp.issuedAccessTokens.length >= 4)
    const all = outputs.join('\n')
    for (const token of idp.issuedAccessTokens) assert.ok(!all.includes(token), 'a token value was printed')
    // Nor a recognisable piece of one (a JWT's signature part).
    for (const token of idp.issuedAccessTokens) {
      const tail = token.split('.').pop()!
      if (tail.length > 16) assert.ok(!all.includes(tail))
    }
  })
})
