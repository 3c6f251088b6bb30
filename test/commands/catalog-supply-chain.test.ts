/**
 * The supply chain of catalogs, through the real CLI and a real HTTP server on loopback:
 * - plain http:// is refused before anything is fetched, unless the host is this machine (decided from
 *   the parsed address) or --allow-insecure is given; redirects are checked hop by hop;
 * - `catalog update` prints what changed in each server (image, volumes, network, user, secrets, command,
 *   env; added and removed servers), and `--dry-run` shows it without writing a byte.
 * `http://0.0.0.0:<port>` stands for "another host over plain http": it is not a loopback address, so it is
 * refused, yet with --allow-insecure the connection stays on this machine (Linux delivers it to the
 * loopback listener), so the test never sends traffic off the host. `example.invalid` is refused before
 * any name lookup.
 */
import assert from 'node:assert/strict'
import {readFile, writeFile} from 'node:fs/promises'
import http from 'node:http'
import type {AddressInfo} from 'node:net'
import path from 'node:path'
import {after, before, describe, test} from 'node:test'

import {makeSandbox, runCli, type Sandbox} from '../helpers/sandbox.js'

let sandbox: Sandbox
let mcp: string
let server: http.Server
let port: number
const served = new Map<string, {status: number; body: string; location?: string}>()
/** Every request the server received, by path. */
const requests: string[] = []

const cli = (args: string[], env: NodeJS.ProcessEnv = {}) =>
  runCli(sandbox, args, {env: {OCLIF_COLUMNS: '1000', ...env}, cwd: sandbox.home})
const read = (rel: string) => readFile(path.join(mcp, rel), 'utf8')
const readOrNone = (rel: string) => read(rel).catch(() => undefined)

const V1 = `name: team
registry:
  github:
    image: mcp/github:1
    volumes: ["/data:/data:ro"]
    secrets: [{name: github.token, env: GITHUB_TOKEN}]
    env: [{name: LOG, value: info}]
    command: [--stdio]
  quiet:
    image: mcp/quiet
  gone:
    image: mcp/gone
`
const V2 = `name: team
registry:
  github:
    image: mcp/github:2
    volumes: ["/data:/data:ro", "/:/host"]
    user: "0"
    disableNetwork: false
    secrets: [{name: github.token, env: GITHUB_TOKEN}, {name: aws.secret, env: AWS_SECRET_ACCESS_KEY}]
    env: [{name: LOG, value: debug}]
    command: [--stdio, --insecure]
  quiet:
    image: mcp/quiet
  fresh:
    image: mcp/fresh
    volumes: ["/var/run/docker.sock:/var/run/docker.sock"]
`

before(async () => {
  sandbox = await makeSandbox()
  mcp = path.join(sandbox.dockerConfig, 'mcp')
  server = http.createServer((req, res) => {
    requests.push(req.url ?? '')
    const hit = served.get(req.url ?? '')
    res.writeHead(hit?.status ?? 404, {
      'content-type': 'application/yaml',
      ...(hit?.location ? {location: hit.location} : {}),
    })
    res.end(hit?.body ?? 'not found')
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  port = (server.address() as AddressInfo).port
})
after(async () => {
  server.close()
  await sandbox.cleanup()
})

describe('plain http is refused unless the host is this machine or --allow-insecure', () => {
  test('a name that resolves nowhere is refused before any fetch, with what to do; nothing written', async () => {
    const r = await cli(['catalog', 'import', 'http://example.invalid/team.yaml'])
    assert.equal(r.code, 1)
    assert.match(
      r.stderr,
      /refusing to download http:\/\/example\.invalid\/team\.yaml over plain http: anyone on the network path could change the catalog/,
    )
    // Not a download error: the URL was never fetched (a lookup of .invalid would say ENOTFOUND).
    assert.doesNotMatch(r.stderr, /ENOTFOUND|could not download/)
    assert.match(r.stderr, /https:\/\/example\.invalid\/team\.yaml/)
    assert.match(r.stderr, /--allow-insecure/)
    assert.equal(await readOrNone('catalog.json'), undefined)
  })

  test('a non-loopback address is refused (no request reaches the server); --allow-insecure lets it through', async () => {
    served.set('/other.yaml', {status: 200, body: 'name: other\nregistry:\n  a: {image: a}\n'})
    requests.length = 0
    const refused = await cli(['catalog', 'import', `http://0.0.0.0:${port}/other.yaml`])
    assert.equal(refused.code, 1)
    assert.match(refused.stderr, /refusing to download http:\/\/0\.0\.0\.0:\d+\/other\.yaml over plain http/)
    assert.deepEqual(requests, [])
    const allowed = await cli(['catalog', 'import', `http://0.0.0.0:${port}/other.yaml`, '--allow-insecure'])
    assert.equal(allowed.code, 0, allowed.stderr)
    assert.deepEqual(requests, ['/other.yaml'])
  })

  test('loopback is decided from the parsed address: 127.0.0.1, [::ffff:127.0.0.1], localhost pass', async () => {
    served.set('/team.yaml', {status: 200, body: V1})
    for (const host of ['127.0.0.1', '[::ffff:127.0.0.1]', 'localhost', '127.1']) {
      // --force: each host imports the same catalog "team" again.
      const r = await cli(['catalog', 'import', `http://${host}:${port}/team.yaml`, '--force'])
      assert.equal(r.code, 0, `${host}: ${r.stderr}`)
    }
  })

  test('a redirect to plain http elsewhere is refused; the target is never fetched', async () => {
    served.set('/moved.yaml', {status: 302, body: '', location: 'http://example.invalid/evil.yaml'})
    served.set('/hop.yaml', {status: 301, body: '', location: `http://0.0.0.0:${port}/other.yaml`})
    served.set('/local-hop.yaml', {status: 307, body: '', location: '/other.yaml'})
    requests.length = 0
    const r = await cli(['catalog', 'import', `http://127.0.0.1:${port}/moved.yaml`, '--name', 'moved'])
    assert.equal(r.code, 1)
    assert.match(r.stderr, /refusing to download http:\/\/example\.invalid\/evil\.yaml over plain http/)
    const hop = await cli(['catalog', 'import', `http://127.0.0.1:${port}/hop.yaml`, '--name', 'hop'])
    assert.equal(hop.code, 1)
    assert.deepEqual(requests, ['/moved.yaml', '/hop.yaml'])
    const local = await cli([
      'catalog',
      'import',
      `http://127.0.0.1:${port}/local-hop.yaml`,
      '--name',
      'local',
    ])
    assert.equal(local.code, 0, local.stderr)
    const index = JSON.parse(await read('catalog.json'))
    assert.equal(index.catalogs.moved, undefined)
    assert.equal(index.catalogs.hop, undefined)
  })

  test('update of a catalog recorded with a plain-http URL to another host is refused unless --allow-insecure', async () => {
    const index = JSON.parse(await read('catalog.json'))
    index.catalogs.other.url = `http://0.0.0.0:${port}/other.yaml`
    await writeFile(path.join(mcp, 'catalog.json'), JSON.stringify(index, null, 2) + '\n')
    requests.length = 0
    const r = await cli(['catalog', 'update', 'other'])
    assert.equal(r.code, 1)
    assert.match(r.stderr, /failed to update catalog "other": refusing to download .* over plain http/)
    assert.match(r.stderr, /--allow-insecure/)
    assert.deepEqual(requests, [])
    const ok = await cli(['catalog', 'update', 'other', '--allow-insecure'])
    assert.equal(ok.code, 0, ok.stderr)
    assert.deepEqual(requests, ['/other.yaml'])
  })
})

describe('catalog update shows what changed in each server; --dry-run writes nothing', () => {
  const expected = [
    '  + fresh (new)',
    '      image: mcp/fresh',
    '      volumes: /var/run/docker.sock:/var/run/docker.sock',
    '  - gone (removed)',
    '  ~ github',
    '      image: mcp/github:1 -> mcp/github:2',
    '      volumes: + /:/host',
    '      user: (none) -> 0',
    '      disableNetwork: (none) -> false',
    '      secrets: + aws.secret (env AWS_SECRET_ACCESS_KEY)',
    '      env: + LOG=debug',
    '      env: - LOG=info',
    '      command: ["--stdio"] -> ["--stdio","--insecure"]',
  ].join('\n')

  test('--dry-run prints the changes and leaves catalog.json and the catalog byte-identical', async () => {
    served.set('/team.yaml', {status: 200, body: V1})
    assert.equal((await cli(['catalog', 'import', `http://127.0.0.1:${port}/team.yaml`, '--force'])).code, 0)
    const [indexBefore, catalogBefore] = [await read('catalog.json'), await read('catalogs/team.yaml')]
    served.set('/team.yaml', {status: 200, body: V2})
    const dry = await cli(['catalog', 'update', 'team', '--dry-run'])
    assert.equal(dry.code, 0, dry.stderr)
    assert.equal(dry.stdout, `would update: team (3 servers)\n${expected}\n`)
    assert.equal(await read('catalog.json'), indexBefore)
    assert.equal(await read('catalogs/team.yaml'), catalogBefore)
    const json = JSON.parse((await cli(['catalog', 'update', 'team', '--dry-run', '--json'])).stdout)
    assert.equal(json[0].dryRun, true)
    assert.deepEqual(json[0].changes.removed, ['gone'])
    assert.equal(await read('catalogs/team.yaml'), catalogBefore)
  })

  test('update prints the same changes and writes; a second update says nothing changed', async () => {
    const r = await cli(['catalog', 'update', 'team'])
    assert.equal(r.code, 0, r.stderr)
    assert.equal(r.stdout, `updated: team (3 servers)\n${expected}\n`)
    assert.equal(await read('catalogs/team.yaml'), V2)
    const again = await cli(['catalog', 'update', 'team'])
    assert.equal(again.stdout, 'updated: team (3 servers, no server changed)\n')
  })
})
