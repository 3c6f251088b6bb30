/**
 * Image pulls by the gateway against a real registry protocol: test/helpers/registry.ts serves the local
 * fixture image on 127.0.0.1 (an insecure registry dockerd talks plain HTTP to), dockerd pulls from it,
 * and we read what the gateway printed. Needs `docker-mcp-fixture:test` and `dice-mcp-server:latest`
 * (node scripts/build-images.mjs --test).
 */
import assert from 'node:assert/strict'
import {randomBytes} from 'node:crypto'
import {writeFile} from 'node:fs/promises'
import path from 'node:path'
import {after, before, describe, test, type TestContext} from 'node:test'

import {connectGateway, eventually, IMAGES, managedContainers, textOf} from '../helpers/gateway.js'
import {closedRegistryHost, startRegistry, type LocalRegistry} from '../helpers/registry.js'
import {installPlugin, makeSandbox, RUN_JS, run, runCli, type Sandbox} from '../helpers/sandbox.js'

const REPO = 'fixture-pull'
// One tag per scenario, unique per run: each must really be pulled, never found locally.
const RUN_ID = randomBytes(4).toString('hex')
const TAGS = {stdio: `stdio-${RUN_ID}`, dry: `dry-${RUN_ID}`, tty: `tty-${RUN_ID}`}
// Served without its layers: the manifest resolves, the blobs answer 404.
const LOST_TAG = `lost-${RUN_ID}`

let sandbox: Sandbox
let registry: LocalRegistry
let unreachable: string

before(async () => {
  sandbox = await makeSandbox()
  for (const image of [IMAGES.fixture, IMAGES.dice]) {
    const r = await docker(['image', 'inspect', '--format', '{{.Id}}', image])
    assert.equal(r.code, 0, `${image} is missing: run "node scripts/build-images.mjs --test" first`)
  }
  await installPlugin(sandbox)
  // ~2s per layer of the fixture image: long enough for dockerd (which reports at most every 100ms) to
  // send several Downloading updates, which the plain output must not print.
  registry = await startRegistry({
    images: [
      ...Object.values(TAGS).map((tag) => ({source: IMAGES.fixture, name: REPO, tag})),
      {source: IMAGES.fixture, name: REPO, tag: LOST_TAG, withoutLayers: true},
    ],
    bytesPerSecond: 16 * 1024 * 1024,
  })
  unreachable = `${await closedRegistryHost()}/${REPO}:${RUN_ID}`
  for (const tag of [...Object.values(TAGS), LOST_TAG]) {
    const ref = registry.reference(REPO, tag)
    assert.notEqual((await docker(['image', 'inspect', ref])).code, 0, `${ref} is already present locally`)
  }
})

after(async () => {
  // Nothing may outlive the gateways: they remove every container they started.
  const left = await eventually(
    () => managedContainers(),
    (c) => c.length === 0,
    15_000,
  )
  if (registry) {
    for (const tag of Object.values(TAGS)) {
      const ref = registry.reference(REPO, tag)
      // Only what this file started from its own images (other tests' containers are not ours to remove).
      const ours = (await docker(['ps', '-aq', '--filter', `ancestor=${ref}`])).stdout
        .split('\n')
        .filter(Boolean)
      if (ours.length > 0) await docker(['rm', '-f', ...ours])
      await docker(['rmi', ref])
    }
    await registry.close()
  }
  await sandbox?.cleanup()
  assert.deepEqual(left, [], 'containers left behind by the pull tests')
})

function docker(args: string[]) {
  return run('docker', args, {env: sandbox.env, timeoutMs: 120_000})
}

/** Two servers on the same pulled image, one local image, one image on a registry where nothing listens. */
async function writeCatalog(tag: string): Promise<string> {
  const image = registry.reference(REPO, tag)
  const file = path.join(sandbox.home, `pull-${tag}.yaml`)
  await writeFile(
    file,
    `version: 2
name: pull-test
displayName: Pull test servers
registry:
  pulled:
    title: Pulled
    description: The fixture, pulled from the local test registry
    type: server
    image: "${image}"
  twin:
    title: Twin
    description: "The same image again, which must be pulled once"
    type: server
    image: "${image}"
    prefix: twin
  dice:
    title: Dice
    description: Roll dice
    type: server
    image: ${IMAGES.dice}
    tools:
      - name: roll_dice
  unreachable:
    title: Unreachable
    description: An image on a registry where nothing listens
    type: server
    image: "${unreachable}"
  lost:
    title: Lost
    description: An image whose registry lost its layers
    type: server
    image: "${registry.reference(REPO, LOST_TAG)}"
`,
  )
  return file
}

const ESC = '\x1b'
const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')

/** Requests that fetched the manifest of `<REPO>:<tag>` (dockerd: HEAD by tag, then GET by digest). */
function manifestGets(tag: string): number {
  const digest = registry.manifestDigest(REPO, tag)
  return registry.count('GET', new RegExp(`^/v2/${REPO}/manifests/(${escape(tag)}|${escape(digest)})$`))
}

/** The per-layer lines of one image in plain output. */
function layerLines(stderr: string, image: string): string[] {
  return stderr.split('\n').filter((l) => new RegExp(`^  - ${escape(image)} [0-9a-f]{12}: `).test(l))
}

function assertPlainProgress(stderr: string, image: string): void {
  const layers = layerLines(stderr, image)
  const ids = [...new Set(layers.map((l) => /([0-9a-f]{12}): /.exec(l)![1]!))]
  assert.ok(ids.length >= 1, `no per-layer lines for ${image}:\n${stderr}`)
  for (const id of ids) {
    const statuses = layers.filter((l) => l.includes(` ${id}: `)).map((l) => l.split(`${id}: `)[1]!)
    // Each state once, in docker's order; Downloading once with its size (never its byte counts).
    assert.match(
      statuses.join(' | '),
      /Pulling fs layer \| .*Downloading \(\d[\d.]*[kMG]?B\) \| .*Download complete \| .*Pull complete/,
    )
    assert.equal(statuses.filter((s) => s.startsWith('Downloading')).length, 1, statuses.join('\n'))
    assert.equal(new Set(statuses).size, statuses.length, `a state printed twice:\n${statuses.join('\n')}`)
  }
  assert.match(stderr, new RegExp(`^  - ${escape(image)}: Digest: sha256:[0-9a-f]{64}$`, 'm'))
  assert.match(stderr, new RegExp(`^  > ${escape(image)} pulled in \\d+ms$`, 'm'))
  assert.ok(!stderr.includes('\x1b['), 'cursor movement or colour on a stderr that is not a terminal')
}

describe('gateway image pulls from a registry', () => {
  test('stdio: two servers on one image pull it once, with per-layer progress on stderr, then calls work', async () => {
    const image = registry.reference(REPO, TAGS.stdio)
    const catalog = await writeCatalog(TAGS.stdio)
    const gw = await connectGateway(sandbox, [
      '--catalog',
      catalog,
      '--servers',
      'pulled,twin,dice,unreachable',
      '--no-cache',
    ])
    try {
      const {tools} = await gw.client.listTools()
      const names = tools.map((t) => t.name)
      assert.ok(names.includes('echo') && names.includes('twin__echo'), `${names.join(',')}\n${gw.stderr()}`)
      const echo = await gw.client.callTool({name: 'echo', arguments: {text: 'pulled over HTTP'}})
      assert.equal(textOf(echo), 'pulled over HTTP')
      const twin = await gw.client.callTool({name: 'twin__echo', arguments: {text: 'twin'}})
      assert.equal(textOf(twin), 'twin')
      // The unreachable registry disabled its server only.
      const roll = await gw.client.callTool({name: 'roll_dice', arguments: {sides: 6}})
      assert.equal(roll.isError ?? false, false, textOf(roll))

      assert.equal(manifestGets(TAGS.stdio), 1, JSON.stringify(registry.requests, null, 1))
      const stderr = gw.stderr()
      assert.match(stderr, new RegExp(`- Pulling 2 image\\(s\\): .*${escape(image)}`))
      assertPlainProgress(stderr, image)
      assert.match(
        stderr,
        new RegExp(`  > cannot pull image ${escape(unreachable)}: .*(connection refused|connect)`),
        stderr,
      )
      assert.equal((await docker(['image', 'inspect', image])).code, 0, 'the pulled image is not there')
    } finally {
      await gw.close()
    }
  })

  test('dry run: progress and the pull errors on stderr, nothing on stdout, exit 1, the failed servers only fail', async () => {
    const image = registry.reference(REPO, TAGS.dry)
    const catalog = await writeCatalog(TAGS.dry)
    const r = await runCli(
      sandbox,
      [
        'gateway',
        'run',
        '--catalog',
        catalog,
        '--servers',
        'pulled,twin,unreachable,lost',
        '--dry-run',
        '--no-cache',
      ],
      {timeoutMs: 180_000},
    )
    assert.equal(r.stdout, '', 'stdout belongs to JSON-RPC: nothing else may appear there')
    assert.equal(r.code, 1, r.stderr)
    assertPlainProgress(r.stderr, image)
    assert.equal(manifestGets(TAGS.dry), 1)
    assert.match(r.stderr, /pulled: \d+ tools/)
    assert.match(r.stderr, /twin: \d+ tools/)
    assert.match(r.stderr, new RegExp(`unreachable: FAILED: .*image ${escape(unreachable)} is not available`))
    assert.match(r.stderr, new RegExp(`cannot pull image ${escape(unreachable)}`))
    // dockerd reports a missing blob inside a pull stream that ends "successfully": still a failed pull.
    const lost = registry.reference(REPO, LOST_TAG)
    assert.match(r.stderr, new RegExp(`  > cannot pull image ${escape(lost)}: `))
    assert.match(r.stderr, new RegExp(`lost: FAILED: .*image ${escape(lost)} is not available`))
    assert.doesNotMatch(r.stderr, new RegExp(`${escape(lost)} pulled in`))
  })

  test('on a terminal: layer lines redrawn in place with a progress bar, no colour under NO_COLOR', async (t: TestContext) => {
    // util-linux script(1) gives the gateway a pseudo-terminal as stdout and stderr.
    if ((await run('script', ['--version'])).code !== 0) return t.skip('script(1) is not installed')
    const image = registry.reference(REPO, TAGS.tty)
    const catalog = await writeCatalog(TAGS.tty)
    const args = [
      process.execPath,
      RUN_JS,
      'gateway',
      'run',
      '--catalog',
      catalog,
      '--servers',
      'pulled',
      '--dry-run',
      '--no-cache',
    ]
    const command = args.map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ')
    const env: NodeJS.ProcessEnv = {...sandbox.env, NO_COLOR: '1', TERM: 'xterm'}
    delete env.CI
    const r = await run('script', ['-q', '-e', '-c', command, '/dev/null'], {env, timeoutMs: 180_000})
    assert.equal(r.code, 0, r.stdout)
    const out = r.stdout
    assert.match(out, new RegExp(`${ESC}\\[\\d+A`), 'no cursor movement: the lines were not redrawn in place')
    assert.match(out, /[0-9a-f]{12}: Downloading \[=*> *\] +\d[\d.]*[kMG]?B\/\d[\d.]*[kMG]?B/)
    assert.match(out, /[0-9a-f]{12}: Pull complete/)
    assert.match(out, new RegExp(`> ${escape(image)} pulled in \\d+ms`))
    for (const sgr of ['1m', '22m', '32m', '39m'])
      assert.ok(!out.includes(`${ESC}[${sgr}`), 'colour despite NO_COLOR')
    // The plain per-state lines are for pipes only.
    assert.doesNotMatch(out, new RegExp(`  - ${escape(image)} [0-9a-f]{12}: `))
    assert.equal(manifestGets(TAGS.tty), 1)
  })
})
