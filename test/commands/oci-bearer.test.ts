/**
 * Bearer token auth against a real registry: docker-registry with `auth: token` trusts a certificate made
 * here, and a token service in this test signs ES256 JWTs with its key (x5c header), as Docker Hub's and
 * GHCR's token services do. Guards issue #19: the `WWW-Authenticate: Bearer realm=…,service=…,scope=…`
 * challenge, a token asked with docker's stored credentials (basic for a password, the OAuth2 refresh-token
 * exchange for an `identitytoken`), and a clear error when the token service refuses.
 */
import assert from 'node:assert/strict'
import {execFile} from 'node:child_process'
import {randomUUID} from 'node:crypto'
import {mkdtemp, readFile, rm, writeFile} from 'node:fs/promises'
import http from 'node:http'
import type {AddressInfo} from 'node:net'
import {tmpdir} from 'node:os'
import path from 'node:path'
import {after, before, test} from 'node:test'
import {promisify} from 'node:util'

import {importPKCS8, SignJWT} from 'jose'

import {pullArtifact, pushArtifact} from '../../src/oci/artifact.js'
import {makeSandbox, runCli, type Sandbox} from '../helpers/sandbox.js'
import {startRegistry, type RealRegistry} from '../helpers/signing.js'

const SERVICE = 'docker-mcp-test-registry'
const ISSUER = 'docker-mcp-test-issuer'
const USER = 'bearer-user'
const PASSWORD = 'bearer-Pa55'
const REFRESH = 'refresh-token-xyz'
const ARTIFACT = 'application/vnd.docker.mcp.catalog.v1+json'

let dir: string
let registry: RealRegistry
let tokenServer: http.Server
let sandbox: Sandbox
/** What the token service was asked: grant kind, scope. */
const asked: Array<{grant: string; scope: string | null}> = []

before(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'docker-mcp-bearer-'))
  const key = path.join(dir, 'key.pem')
  const cert = path.join(dir, 'cert.pem')
  await promisify(execFile)('openssl', [
    'req',
    '-x509',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:prime256v1',
    '-nodes',
    '-keyout',
    key,
    '-out',
    cert,
    '-days',
    '1',
    '-subj',
    '/CN=docker-mcp-test-token',
  ])
  const signingKey = await importPKCS8(await readFile(key, 'utf8'), 'ES256')
  const der = (await readFile(cert, 'utf8')).replace(/-----[A-Z ]+-----|\s/g, '')

  const sign = async (scope: string | null) => {
    // `repository:team/catalog:pull,push` → the access the registry checks.
    const access = scope
      ? scope.split(' ').map((s) => {
          const [type, name, actions] = s.split(':')
          return {type, name, actions: actions!.split(',')}
        })
      : []
    return new SignJWT({access})
      .setProtectedHeader({alg: 'ES256', typ: 'JWT', x5c: [der]})
      .setIssuer(ISSUER)
      .setAudience(SERVICE)
      .setSubject(USER)
      .setJti(randomUUID())
      .setIssuedAt()
      .setNotBefore('-1m')
      .setExpirationTime('5m')
      .sign(signingKey)
  }
  tokenServer = http.createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://x')
    let body = ''
    for await (const chunk of req) body += chunk
    let grant = 'anonymous'
    let scope = url.searchParams.get('scope')
    let allowed = false
    if (req.method === 'POST') {
      const form = new URLSearchParams(body)
      grant = 'refresh_token'
      scope = form.get('scope')
      allowed = form.get('grant_type') === 'refresh_token' && form.get('refresh_token') === REFRESH
    } else if (req.headers.authorization) {
      grant = 'basic'
      allowed = req.headers.authorization === `Basic ${Buffer.from(`${USER}:${PASSWORD}`).toString('base64')}`
    }
    asked.push({grant, scope})
    if (!allowed) {
      res.writeHead(401, {'content-type': 'application/json'})
      res.end(JSON.stringify({errors: [{code: 'UNAUTHORIZED', message: 'bad credentials'}]}))
      return
    }
    const token = await sign(scope)
    res.writeHead(200, {'content-type': 'application/json'})
    res.end(JSON.stringify(grant === 'refresh_token' ? {access_token: token} : {token}))
  })
  await new Promise<void>((resolve) => tokenServer.listen(0, '127.0.0.1', resolve))
  const realm = `http://127.0.0.1:${(tokenServer.address() as AddressInfo).port}/token`
  registry = await startRegistry({
    authConfig: [
      'auth:',
      '  token:',
      `    realm: ${JSON.stringify(realm)}`,
      `    service: ${SERVICE}`,
      `    issuer: ${ISSUER}`,
      `    rootcertbundle: ${JSON.stringify(cert)}`,
    ],
  })
  sandbox = await makeSandbox({OCLIF_COLUMNS: '1000'})
})
after(async () => {
  await registry?.stop()
  tokenServer?.close()
  await sandbox?.cleanup()
  await rm(dir, {recursive: true, force: true})
})

async function configWith(entry: object): Promise<string> {
  const file = path.join(dir, `config-${randomUUID()}.json`)
  await writeFile(file, JSON.stringify({auths: {[registry.host]: entry}}))
  return file
}

test('bearer challenge: a token for pull,push with the stored password; then a pull with an identitytoken', async () => {
  const ref = `${registry.host}/team/catalog:v1`
  const content = JSON.stringify({title: 'Bearer', servers: []})
  const basic = await configWith({auth: Buffer.from(`${USER}:${PASSWORD}`).toString('base64')})
  asked.length = 0
  const pushed = await pushArtifact(
    ref,
    {artifactType: ARTIFACT, layers: [{mediaType: 'application/json', data: content}]},
    {credentials: {dockerConfigFile: basic, env: process.env}},
  )
  assert.deepEqual(asked, [{grant: 'basic', scope: 'repository:team/catalog:pull,push'}])

  asked.length = 0
  const identity = await configWith({identitytoken: REFRESH})
  const pulled = await pullArtifact(`${registry.host}/team/catalog@${pushed.digest}`, {
    credentials: {dockerConfigFile: identity, env: process.env},
    expectArtifactType: ARTIFACT,
  })
  assert.equal(pulled.layers[0]!.data.toString('utf8'), content)
  assert.deepEqual(asked, [{grant: 'refresh_token', scope: 'repository:team/catalog:pull'}])
})

test('the CLI pulls through the token service; a refused token request is a clear error, nothing written', async () => {
  const ref = `${registry.host}/team/catalog:v1`
  await writeFile(
    path.join(sandbox.dockerConfig, 'config.json'),
    JSON.stringify({auths: {[registry.host]: {auth: Buffer.from(`${USER}:${PASSWORD}`).toString('base64')}}}),
  )
  const ok = await runCli(sandbox, ['catalog', 'pull', ref, '--name', 'bearer'])
  assert.equal(ok.code, 0, ok.stderr)
  assert.match(ok.stdout, /Pulled catalog "bearer" \(0 servers\)/)

  await writeFile(
    path.join(sandbox.dockerConfig, 'config.json'),
    JSON.stringify({auths: {[registry.host]: {auth: Buffer.from(`${USER}:wrong`).toString('base64')}}}),
  )
  const refused = await runCli(sandbox, ['catalog', 'pull', ref, '--name', 'other'])
  assert.equal(refused.code, 1)
  assert.match(
    refused.stderr,
    new RegExp(
      `${registry.host} refused to let you pull from team/catalog with the credentials from "auths" entry`,
    ),
  )
  assert.ok(!(ok.stdout + ok.stderr + refused.stdout + refused.stderr).includes(PASSWORD))
  const index = JSON.parse(await readFile(path.join(sandbox.dockerConfig, 'mcp', 'catalog.json'), 'utf8'))
  assert.deepEqual(Object.keys(index.catalogs), ['bearer'])
})
