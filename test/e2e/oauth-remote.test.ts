import assert from 'node:assert/strict'
import {spawn} from 'node:child_process'
import {readdir, readFile, writeFile} from 'node:fs/promises'
import http from 'node:http'
import type net from 'node:net'
import path from 'node:path'
import {after, before, describe, test} from 'node:test'

import {connectGateway, textOf} from '../helpers/gateway.js'
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
/** Every CLI and gateway output of this file, for the "never printed" grep at the end. */
const outputs: string[] = []

async function cli(args: string[], env: NodeJS.ProcessEnv = {}): Promise<RunResult> {
  const r = await runCli(sandbox, args, {env: {...ENV, ...env}})
  outputs.push(r.stdout, r.stderr)
  return r
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
    if (url && !browsed) browsed = login(url).then((b) => void (browser = b), (e: Error) => void (browser = e))
  })
  child.stdin.end()
  const timer = setTimeout(() => child.kill('SIGKILL'), 60_000)
  const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((r) =>
    child.on('close', (c, s) => r([c, s])),
  )
  clearTimeout(timer)
  await browsed
  outputs.push(stdout, stderr)
  return {code, signal, stdout, stderr, browser}
}

const browse = (o: LoginOptions = {}) => (url: string) => idp.login(url, o)

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
  sandbox = await makeSandbox()
  // The resource's URL is known only once the server listens: start it first, then tell the provider.
  idp = await startOidcProvider({resources: {}, scopes: ['notes:read']})
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
    const rows = JSON.parse(ls.stdout) as {server: string; status: string; scopes: string; client: string; expires: string}[]
    const row = rows.find((x) => x.server === 'notes')!
    assert.equal(row.status, 'authorized')
    assert.equal(row.client, 'dynamic')
    assert.match(row.scopes, /notes:read/)
    assert.ok(Date.parse(row.expires) > Date.now())
    const table = await cli(['oauth', 'ls'])
    assert.match(table.stdout, /notes\s+authorized/)
  })
})
