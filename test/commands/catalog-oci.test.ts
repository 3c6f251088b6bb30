/**
 * `catalog push` / `catalog pull` against a real registry (Debian's docker-registry, the CNCF distribution
 * registry) on 127.0.0.1, anonymous and with basic auth (htpasswd), credentials from config.json `auths`
 * and from a credential helper. Guards issue #19: catalogs shared as OCI artifacts in the original's media
 * types, digest pinning, and a clear error with nothing written for an unreachable registry, a missing tag,
 * a wrong artifact type and a tampered blob.
 */
import assert from 'node:assert/strict'
import {chmod, mkdir, readdir, readFile, stat, writeFile} from 'node:fs/promises'
import path from 'node:path'
import {after, before, describe, test} from 'node:test'

import {pullArtifact, pushArtifact} from '../../src/oci/artifact.js'
import {makeSandbox, runCli, type Sandbox} from '../helpers/sandbox.js'
import {freePort, startRegistry, type RealRegistry} from '../helpers/signing.js'

const CATALOG_TYPE = 'application/vnd.docker.mcp.catalog.v1+json'
const CATALOG_YAML = `version: 2
name: team
displayName: Team servers
registry:
  dice:
    type: server
    image: mcp/dice@sha256:${'a'.repeat(64)}
    description: Roll dice
    secrets:
      - {name: dice.token, env: DICE_TOKEN}
  weather:
    type: remote
    remote: {url: "https://weather.example.com/mcp", transport_type: streamable-http}
`

let registry: RealRegistry
let closedPort: number
const sandboxes: Sandbox[] = []

async function sandboxWithConfig(config?: object): Promise<Sandbox> {
  const s = await makeSandbox({OCLIF_COLUMNS: '1000'})
  sandboxes.push(s)
  if (config) await writeFile(path.join(s.dockerConfig, 'config.json'), JSON.stringify(config))
  return s
}

/** A sandbox holding the catalog "team". */
async function publisher(config?: object): Promise<Sandbox> {
  const s = await sandboxWithConfig(config)
  const file = path.join(s.home, 'team.yaml')
  await writeFile(file, CATALOG_YAML)
  const imported = await runCli(s, ['catalog', 'import', file])
  assert.equal(imported.code, 0, imported.stderr)
  return s
}

const exists = (file: string) =>
  stat(file).then(
    () => true,
    () => false,
  )

/** Nothing stored by a failed pull: no catalog file, no catalog.json entry. */
async function assertNothingWritten(s: Sandbox, name: string): Promise<void> {
  assert.equal(await exists(path.join(s.dockerConfig, 'mcp', 'catalogs', `${name}.yaml`)), false)
  const index = path.join(s.dockerConfig, 'mcp', 'catalog.json')
  if (await exists(index)) assert.ok(!(name in JSON.parse(await readFile(index, 'utf8')).catalogs))
}

before(async () => {
  registry = await startRegistry()
  closedPort = await freePort()
})
after(async () => {
  await registry?.stop()
  for (const s of sandboxes) await s.cleanup()
})

describe('catalog push / pull (anonymous registry)', () => {
  test('push then pull on another DOCKER_CONFIG gives the same catalog; the manifest has the original media types', async () => {
    const a = await publisher()
    const ref = `${registry.host}/team/catalog:v1`
    const pushed = await runCli(a, ['catalog', 'push', 'team', ref, '--json'])
    assert.equal(pushed.code, 0, pushed.stderr)
    const result = JSON.parse(pushed.stdout) as {digest: string; reference: string; servers: number}
    assert.equal(result.servers, 2)
    assert.match(result.digest, /^sha256:[0-9a-f]{64}$/)
    assert.equal(result.reference, `${ref}@${result.digest}`)

    // The registry's own answer, read directly.
    const stored = await registry.getManifest('team/catalog', 'v1')
    assert.equal(stored.type, 'application/vnd.oci.image.manifest.v1+json')
    const manifest = JSON.parse(stored.body.toString('utf8'))
    assert.equal(manifest.schemaVersion, 2)
    assert.equal(manifest.mediaType, 'application/vnd.oci.image.manifest.v1+json')
    assert.equal(manifest.artifactType, CATALOG_TYPE)
    assert.deepEqual(manifest.config, {
      mediaType: 'application/vnd.oci.empty.v1+json',
      digest: 'sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a',
      size: 2,
    })
    assert.equal(manifest.layers.length, 1)
    assert.equal(manifest.layers[0].mediaType, 'application/json')
    assert.equal(await registry.digestOf('team/catalog', 'v1'), result.digest)
    const blob = await fetch(`http://${registry.host}/v2/team/catalog/blobs/${manifest.layers[0].digest}`)
    const content = JSON.parse(await blob.text())
    assert.equal(content.title, 'Team servers')
    assert.deepEqual(
      content.servers.map(
        (s: {type: string; image?: string; endpoint?: string; snapshot: {server: {name: string}}}) => [
          s.type,
          s.image ?? s.endpoint,
          s.snapshot.server.name,
        ],
      ),
      [
        ['image', `mcp/dice@sha256:${'a'.repeat(64)}`, 'dice'],
        ['remote', 'https://weather.example.com/mcp', 'weather'],
      ],
    )

    const b = await sandboxWithConfig()
    const pulled = await runCli(b, ['catalog', 'pull', ref])
    assert.equal(pulled.code, 0, pulled.stderr)
    assert.match(pulled.stdout, /Pulled catalog "catalog" \(2 servers\)/)
    assert.match(pulled.stderr, /Download complete/)
    const shownA = JSON.parse((await runCli(a, ['catalog', 'show', 'team', '--json'])).stdout)
    const shownB = JSON.parse((await runCli(b, ['catalog', 'show', 'catalog', '--json'])).stdout)
    assert.deepEqual(shownB.registry, shownA.registry)
    assert.equal(shownB.displayName, 'Team servers')
    // The second push of the same content sends no blob again.
    const again = await runCli(a, ['catalog', 'push', 'team', ref])
    assert.equal(again.code, 0, again.stderr)
    assert.match(again.stderr, /Layer already exists/)
    assert.doesNotMatch(again.stderr, /Pushed\b/)
  })

  test('a digest-pinned pull gets exactly that manifest; an unknown digest is a clear error, nothing written', async () => {
    const a = await publisher()
    const ref = `${registry.host}/team/pinned:v1`
    const pushed = JSON.parse((await runCli(a, ['catalog', 'push', 'team', ref, '--json'])).stdout)
    const b = await sandboxWithConfig()
    const ok = await runCli(b, [
      'catalog',
      'pull',
      `${registry.host}/team/pinned@${pushed.digest}`,
      '--name',
      'pinned',
    ])
    assert.equal(ok.code, 0, ok.stderr)
    assert.match(ok.stdout, new RegExp(`@${pushed.digest}`))
    const missing = `sha256:${'0'.repeat(64)}`
    const bad = await runCli(b, [
      'catalog',
      'pull',
      `${registry.host}/team/pinned@${missing}`,
      '--name',
      'other',
    ])
    assert.equal(bad.code, 1)
    assert.match(bad.stderr, new RegExp(`team/pinned has no digest ${missing}`))
    await assertNothingWritten(b, 'other')
  })

  test('an unreachable registry, a missing tag and a missing repository are clear errors; nothing written', async () => {
    const a = await publisher()
    await runCli(a, ['catalog', 'push', 'team', `${registry.host}/team/tags:v1`])
    const b = await sandboxWithConfig()
    const down = await runCli(b, [
      'catalog',
      'pull',
      `127.0.0.1:${closedPort}/team/catalog:v1`,
      '--name',
      'x',
    ])
    assert.equal(down.code, 1)
    assert.match(
      down.stderr,
      new RegExp(`cannot reach registry 127\\.0\\.0\\.1:${closedPort}: .*ECONNREFUSED`),
    )
    const pushDown = await runCli(a, ['catalog', 'push', 'team', `127.0.0.1:${closedPort}/team/catalog:v1`])
    assert.equal(pushDown.code, 1)
    assert.match(pushDown.stderr, /cannot reach registry/)
    const noTag = await runCli(b, ['catalog', 'pull', `${registry.host}/team/tags:nope`, '--name', 'x'])
    assert.equal(noTag.code, 1)
    assert.match(noTag.stderr, /team\/tags has no tag "nope"/)
    const noRepo = await runCli(b, [
      'catalog',
      'pull',
      `${registry.host}/team/nothing-here:v1`,
      '--name',
      'x',
    ])
    assert.equal(noRepo.code, 1)
    assert.match(noRepo.stderr, /team\/nothing-here (does not exist|has no tag "v1")/)
    await assertNothingWritten(b, 'x')
    assert.doesNotMatch(down.stderr + noTag.stderr + noRepo.stderr, /\n\s+at /, 'no stack trace')
  })

  test('a wrong artifact type (a profile, a container image) is refused by name; nothing written', async () => {
    const profileRef = `${registry.host}/team/a-profile:v1`
    await pushArtifact(
      profileRef,
      {
        artifactType: 'application/vnd.docker.mcp.profile.v1+json',
        layers: [{mediaType: 'application/json', data: '{"version":1,"id":"p","name":"p","servers":[]}'}],
      },
      {credentials: {dockerConfigFile: '/nonexistent/config.json', env: process.env}},
    )
    // A container image manifest (Docker v2 schema 2), written by hand.
    const config = await registry.putBlob(
      'team/an-image',
      Buffer.from('{"architecture":"amd64","os":"linux"}'),
    )
    const layer = await registry.putBlob('team/an-image', Buffer.from('not really a tar'))
    const image = {
      schemaVersion: 2,
      mediaType: 'application/vnd.docker.distribution.manifest.v2+json',
      config: {mediaType: 'application/vnd.docker.container.image.v1+json', digest: config, size: 37},
      layers: [{mediaType: 'application/vnd.docker.image.rootfs.diff.tar.gzip', digest: layer, size: 16}],
    }
    await registry.putManifest(
      'team/an-image',
      'v1',
      Buffer.from(JSON.stringify(image)),
      'application/vnd.docker.distribution.manifest.v2+json',
    )
    const b = await sandboxWithConfig()
    const profile = await runCli(b, ['catalog', 'pull', profileRef, '--name', 'x'])
    assert.equal(profile.code, 1)
    assert.match(
      profile.stderr,
      /is an artifact of type application\/vnd\.docker\.mcp\.profile\.v1\+json, not application\/vnd\.docker\.mcp\.catalog\.v1\+json; nothing was written/,
    )
    const img = await runCli(b, ['catalog', 'pull', `${registry.host}/team/an-image:v1`, '--name', 'x'])
    assert.equal(img.code, 1)
    assert.match(img.stderr, /is a container image, not an OCI artifact/)
    await assertNothingWritten(b, 'x')
  })

  test('a tampered blob in the registry storage is detected: clear error, nothing written', async () => {
    const a = await publisher()
    const ref = `${registry.host}/team/tampered:v1`
    assert.equal((await runCli(a, ['catalog', 'push', 'team', ref])).code, 0)
    const manifest = JSON.parse((await registry.getManifest('team/tampered', 'v1')).body.toString('utf8'))
    const hex = (manifest.layers[0].digest as string).slice('sha256:'.length)
    const file = path.join(registry.dataDir, 'docker/registry/v2/blobs/sha256', hex.slice(0, 2), hex, 'data')
    const original = await readFile(file, 'utf8')
    // Same length, different servers: only the digest can tell.
    await writeFile(file, original.replace('weather.example.com', 'attacker.example.co'))
    assert.equal((await readFile(file)).length, Buffer.byteLength(original))
    const b = await sandboxWithConfig()
    const pulled = await runCli(b, ['catalog', 'pull', ref, '--name', 'x'])
    assert.equal(pulled.code, 1)
    assert.match(
      pulled.stderr,
      new RegExp(
        `blob sha256:${hex} of .*team/tampered:v1 .* has digest sha256:[0-9a-f]{64}: the registry's copy is corrupt or was tampered with; nothing was written`,
      ),
    )
    await assertNothingWritten(b, 'x')
    await writeFile(file, original)
  })

  test('large blobs go up in chunks; blobs the registry has are not sent again (library API)', async () => {
    const ref = `${registry.host}/team/chunked:v1`
    const big = Buffer.alloc(100_000, 'x')
    const credentials = {dockerConfigFile: '/nonexistent/config.json', env: process.env}
    const events: string[] = []
    const first = await pushArtifact(
      ref,
      {
        artifactType: 'application/vnd.example.test',
        layers: [{mediaType: 'application/octet-stream', data: big}],
      },
      {
        credentials,
        chunkSize: 30_000,
        progress: (e) => e.total === big.length && events.push(`${e.status}:${e.current ?? ''}`),
      },
    )
    assert.deepEqual(
      events.filter((e) => e.startsWith('Pushing')),
      ['Pushing:30000', 'Pushing:60000', 'Pushing:90000', 'Pushing:100000'],
    )
    assert.equal(first.pushed, 2)
    const second = await pushArtifact(
      ref,
      {
        artifactType: 'application/vnd.example.test',
        layers: [{mediaType: 'application/octet-stream', data: big}],
      },
      {credentials, chunkSize: 30_000},
    )
    assert.equal(second.pushed, 0)
    assert.equal(second.skipped, 2)
    const pulled = await pullArtifact(`${registry.host}/team/chunked@${first.digest}`, {
      credentials,
      expectArtifactType: 'application/vnd.example.test',
    })
    assert.ok(pulled.layers[0]!.data.equals(big))
  })

  test('catalog update pulls a pulled catalog again from its reference', async () => {
    const a = await publisher()
    const ref = `${registry.host}/team/updated:v1`
    assert.equal((await runCli(a, ['catalog', 'push', 'team', ref])).code, 0)
    const b = await sandboxWithConfig()
    assert.equal((await runCli(b, ['catalog', 'pull', ref])).code, 0)
    const index = JSON.parse(await readFile(path.join(b.dockerConfig, 'mcp', 'catalog.json'), 'utf8'))
    assert.equal(index.catalogs.updated.url, `oci://${ref}`)
    const file = path.join(a.home, 'team.yaml')
    await writeFile(file, `${CATALOG_YAML}  clock:\n    type: server\n    image: mcp/clock:1\n`)
    assert.equal((await runCli(a, ['catalog', 'import', file, '--force'])).code, 0)
    assert.equal((await runCli(a, ['catalog', 'push', 'team', ref])).code, 0)
    const updated = await runCli(b, ['catalog', 'update', 'updated', '--json'])
    assert.equal(updated.code, 0, updated.stderr)
    const [result] = JSON.parse(updated.stdout)
    assert.equal(result.status, 'updated', updated.stdout)
    assert.equal(result.servers, 3)
    const shown = JSON.parse((await runCli(b, ['catalog', 'show', 'updated', '--json'])).stdout)
    assert.deepEqual(Object.keys(shown.registry).sort(), ['clock', 'dice', 'weather'])
  })

  test('pushing to a digest is a usage error', async () => {
    const a = await publisher()
    const res = await runCli(a, [
      'catalog',
      'push',
      'team',
      `${registry.host}/team/x@sha256:${'1'.repeat(64)}`,
    ])
    assert.equal(res.code, 125)
    assert.match(res.stderr, /push to a tag, not a digest/)
  })
})

describe('catalog push / pull with basic auth', () => {
  const username = 'mcp-user'
  const password = 's3cret-Pa55-word'
  let secured: RealRegistry
  before(async () => {
    secured = await startRegistry({basicAuth: {username, password}})
  })
  after(async () => {
    await secured?.stop()
  })

  test('without credentials: a clear "refused" error naming docker login', async () => {
    const a = await publisher()
    const res = await runCli(a, ['catalog', 'push', 'team', `${secured.host}/team/catalog:v1`])
    assert.equal(res.code, 1)
    assert.match(res.stderr, new RegExp(`${secured.host} requires credentials, and none are stored for it`))
    assert.match(res.stderr, /docker login/)
  })

  test('credentials from config.json auths (base64 auth) push and pull; a wrong password is refused', async () => {
    const auths = {auths: {[secured.host]: {auth: Buffer.from(`${username}:${password}`).toString('base64')}}}
    const a = await publisher(auths)
    const ref = `${secured.host}/team/catalog:v1`
    const pushed = await runCli(a, ['catalog', 'push', 'team', ref])
    assert.equal(pushed.code, 0, pushed.stderr)
    const b = await sandboxWithConfig({auths: {[`https://${secured.host}`]: auths.auths[secured.host]}})
    const pulled = await runCli(b, ['catalog', 'pull', ref, '--name', 'team'])
    assert.equal(pulled.code, 0, pulled.stderr)
    const wrong = await sandboxWithConfig({
      auths: {[secured.host]: {auth: Buffer.from(`${username}:not-it`).toString('base64')}},
    })
    const refused = await runCli(wrong, ['catalog', 'pull', ref, '--name', 'team'])
    assert.equal(refused.code, 1)
    assert.match(
      refused.stderr,
      /refused to let you pull from team\/catalog with the credentials from "auths" entry/,
    )
    await assertNothingWritten(wrong, 'team')
    for (const out of [pushed, pulled, refused]) assert.ok(!(out.stdout + out.stderr).includes(password))
  })

  test('a credential helper (credsStore) is used; its secret is never printed nor on its command line', async () => {
    const bin = path.join((await sandboxWithConfig()).home, 'bin')
    await mkdir(bin, {recursive: true})
    const log = path.join(bin, 'calls.log')
    const helper = path.join(bin, 'docker-credential-test')
    await writeFile(
      helper,
      `#!/bin/sh
server=$(cat)
echo "args=$* server=$server" >> ${JSON.stringify(log)}
if [ "$1" = get ] && [ "$server" = ${JSON.stringify(secured.host)} ]; then
  printf '{"ServerURL":"%s","Username":"${username}","Secret":"${password}"}' "$server"
  exit 0
fi
echo "credentials not found in native keychain"
exit 1
`,
    )
    await chmod(helper, 0o755)
    const env = {PATH: `${bin}:${process.env.PATH}`}
    const a = await publisher({credsStore: 'test'})
    const ref = `${secured.host}/team/helper:v1`
    const pushed = await runCli(a, ['catalog', 'push', 'team', ref], {env})
    assert.equal(pushed.code, 0, pushed.stderr)
    const b = await sandboxWithConfig({credHelpers: {[secured.host]: 'test'}})
    const pulled = await runCli(b, ['catalog', 'pull', ref, '--name', 'team', '--json'], {env})
    assert.equal(pulled.code, 0, pulled.stderr)
    const calls = (await readFile(log, 'utf8')).trim().split('\n')
    assert.ok(calls.length >= 2)
    for (const call of calls) assert.equal(call, `args=get server=${secured.host}`)
    for (const out of [pushed, pulled]) assert.ok(!(out.stdout + out.stderr).includes(password))
    // A helper that is not installed is named.
    const c = await sandboxWithConfig({credsStore: 'absent'})
    const missing = await runCli(c, ['catalog', 'pull', ref, '--name', 'team'], {env})
    assert.equal(missing.code, 1)
    assert.match(
      missing.stderr,
      /config\.json names the credential helper "absent", but docker-credential-absent is not on PATH/,
    )
  })
})

test('registry storage holds only what was pushed (sanity: the tamper test edits a real blob file)', async () => {
  const blobs = path.join(registry.dataDir, 'docker/registry/v2/blobs/sha256')
  assert.ok((await readdir(blobs)).length > 0)
})

describe('profile push / pull (anonymous registry)', () => {
  test('a profile pushed from one DOCKER_CONFIG is pulled into another: same servers; the original media types', async () => {
    const a = await sandboxWithConfig()
    const made = await runCli(a, ['template', 'use', 'dice-demo', '--name', 'dice-demo'])
    assert.equal(made.code, 0, made.stderr)
    const shown = await runCli(a, ['profile', 'show', 'dice-demo', '--json'])
    assert.equal(shown.code, 0, shown.stderr)
    const servers = (JSON.parse(shown.stdout) as {servers: unknown[]}).servers
    const ref = `${registry.host}/team/profile:v1`
    const pushed = await runCli(a, ['profile', 'push', 'dice-demo', ref, '--json'])
    assert.equal(pushed.code, 0, pushed.stderr)
    const manifest = JSON.parse((await registry.getManifest('team/profile', 'v1')).body.toString('utf8'))
    assert.equal(manifest.artifactType, 'application/vnd.docker.mcp.profile.v1+json')
    assert.equal(manifest.layers.length, 1)
    assert.equal(manifest.layers[0].mediaType, 'application/json')

    const b = await sandboxWithConfig()
    const pulled = await runCli(b, ['profile', 'pull', ref])
    assert.equal(pulled.code, 0, pulled.stderr)
    assert.match(pulled.stdout, /Pulled profile dice-demo \(\d+ servers?\) from /)
    const again = await runCli(b, ['profile', 'show', 'dice-demo', '--json'])
    assert.equal(again.code, 0, again.stderr)
    assert.deepEqual((JSON.parse(again.stdout) as {servers: unknown[]}).servers, servers)
  })

  test('pulling a catalog as a profile is a clear error and stores nothing', async () => {
    const a = await publisher()
    const ref = `${registry.host}/team/not-a-profile:v1`
    assert.equal((await runCli(a, ['catalog', 'push', 'team', ref])).code, 0)
    const b = await sandboxWithConfig()
    const pulled = await runCli(b, ['profile', 'pull', ref])
    assert.notEqual(pulled.code, 0)
    assert.match(pulled.stderr, /team|profile/i)
    const listed = await runCli(b, ['profile', 'ls', '--json'])
    assert.equal(listed.code, 0, listed.stderr)
    assert.ok(!listed.stdout.includes('team'), listed.stdout)
  })
})
