/**
 * Docker's gateway flags with a real server container: a client config or script written for the original
 * (`--secrets a.env:docker-desktop:b.env`, `--additional-*`, `--tools image:tool`, `--log`, the
 * `tool-name-prefix` feature in config.json) gets the servers, tools and secrets it asked for.
 */
import assert from 'node:assert/strict'
import {createHash} from 'node:crypto'
import {readFile, writeFile} from 'node:fs/promises'
import path from 'node:path'
import {after, before, test} from 'node:test'

import {connectGateway, IMAGES, managedContainers, textOf, eventually} from '../helpers/gateway.js'
import {makeSandbox, runCli, type Sandbox} from '../helpers/sandbox.js'

let sandbox: Sandbox
let catalog: string
const sha = (v: string) => createHash('sha256').update(v).digest('hex')

before(async () => {
  sandbox = await makeSandbox({DOCKER_MCP_SECRET_STORE: 'file'})
  catalog = path.join(sandbox.home, 'compat.yaml')
  // The fixture declares three secrets and one templated variable.
  await writeFile(
    catalog,
    `name: compat
displayName: Compat
registry:
  fixture:
    image: ${IMAGES.fixture}
    env:
      - name: FIXTURE_MODE
        value: "{{fixture.mode}}"
    secrets:
      - {name: compat.first, env: FIRST}
      - {name: compat.second, env: SECOND}
      - {name: compat.stored, env: STORED}
`,
  )
  await writeFile(path.join(sandbox.home, 'first.env'), 'compat.first=one\n')
  await writeFile(path.join(sandbox.home, 'second.env'), 'compat.second=two\ncompat.first=shadowed\n')
  await writeFile(path.join(sandbox.home, 'extra-registry.yaml'), 'registry:\n  fixture: {ref: ""}\n')
  await writeFile(path.join(sandbox.home, 'extra-config.yaml'), 'fixture:\n  mode: extra\n')
  await writeFile(path.join(sandbox.home, 'extra-tools.yaml'), 'fixture: [echo, env_hash]\n')
  const cli = (args: string[]) => runCli(sandbox, args, {cwd: sandbox.home})
  assert.equal((await cli(['secret', 'set', 'compat.stored=three'])).code, 0)
  assert.equal((await cli(['feature', 'enable', 'tool-name-prefix'])).code, 0)
})
after(async () => {
  await sandbox.cleanup()
})

test("Docker's flags: additional files, a --secrets chain with per-secret fallback, the prefix feature, --log", async () => {
  const gateway = await connectGateway(
    sandbox,
    [
      '--catalog',
      catalog,
      '--additional-registry',
      path.join(sandbox.home, 'extra-registry.yaml'),
      '--additional-config',
      path.join(sandbox.home, 'extra-config.yaml'),
      '--additional-tools-config',
      path.join(sandbox.home, 'extra-tools.yaml'),
      '--secrets',
      `${path.join(sandbox.home, 'first.env')}:docker-desktop:${path.join(sandbox.home, 'second.env')}`,
      '--log',
      path.join(sandbox.home, 'gateway.log'),
      '--no-cache',
      // The internal tools (code-mode) are not what this checks.
      '--dynamic-tools=false',
    ],
    {viaDocker: false},
  )
  try {
    const listed = await eventually(
      async () => (await gateway.client.listTools()).tools.map((t) => t.name).sort(),
      (names) => names.includes('fixture__env_hash'),
      30_000,
    )
    // Enabled by the additional registry, filtered by the additional tools file, prefixed by the feature.
    assert.deepEqual(listed, ['fixture__echo', 'fixture__env_hash'])
    const hash = async (name: string) =>
      textOf(await gateway.client.callTool({name: 'fixture__env_hash', arguments: {name}}))
    // first.env has compat.first; second.env has compat.second (Docker's plugin stopped at first.env);
    // the store, named in the middle, has compat.stored.
    assert.equal(await hash('FIRST'), sha('one'))
    assert.equal(await hash('SECOND'), sha('two'))
    assert.equal(await hash('STORED'), sha('three'))
    assert.equal(await hash('FIXTURE_MODE'), sha('extra'))
  } finally {
    await gateway.close()
  }
  const log = await readFile(path.join(sandbox.home, 'gateway.log'), 'utf8')
  assert.match(log, /> Initialized in \d+ms/)
  for (const value of ['one', 'two', 'three'].map((v) => `=${v}`)) assert.ok(!log.includes(value))
  assert.deepEqual(
    await eventually(
      () => managedContainers('fixture'),
      (ids) => ids.length === 0,
    ),
    [],
  )
})

test('--tools image:tool selects by the server image, as Docker matches it', async () => {
  const r = await runCli(
    sandbox,
    [
      'gateway',
      'run',
      '--catalog',
      catalog,
      '--servers',
      'fixture',
      '--tools',
      `${IMAGES.fixture}:whoami`,
      '--dry-run',
      '--no-cache',
    ],
    {cwd: sandbox.home, timeoutMs: 120_000},
  )
  assert.equal(r.code, 0, r.stderr)
  assert.match(r.stderr, /Dry run: 1 tools from 1 server\(s\)/)
  assert.match(r.stderr, /\n {4}- fixture__whoami\n/)
})
