/**
 * The locally built server images, run the way the gateway runs them (docker run -i --rm --init,
 * no network, no-new-privileges) and spoken to with the SDK's stdio client. Needs the images:
 * `npm run build && node scripts/build-images.mjs --test` (scripts/test.sh does it).
 */
import assert from 'node:assert/strict'
import {createHash, randomBytes} from 'node:crypto'
import {mkdtemp, rm, writeFile} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import path from 'node:path'
import {after, before, describe, test, type TestContext} from 'node:test'

import {Client} from '@modelcontextprotocol/client'
import {StdioClientTransport} from '@modelcontextprotocol/client/stdio'

import {createDocker} from '../../src/docker/engine.js'
import {BUILD_HASH_LABEL, buildNodeImage, parseLdd, splitTag} from '../../src/docker/local-image.js'
import {DockerMcpError} from '../../src/errors.js'
import {mcpPaths} from '../../src/paths.js'
import {IMAGES} from '../helpers/gateway.js'
import {makeSandbox, ROOT, run, type Sandbox} from '../helpers/sandbox.js'

const DICE = IMAGES.dice
const FIXTURE = IMAGES.fixture
const EVERYTHING = IMAGES.everything
const TEST_LABEL = 'docker-mcp-test=images'

let sandbox: Sandbox

before(async () => {
  sandbox = await makeSandbox()
  for (const image of [DICE, FIXTURE, EVERYTHING]) {
    const r = await docker(['image', 'inspect', '--format', '{{.Id}}', image])
    assert.equal(
      r.code,
      0,
      `${image} is missing: run "npm run build && node scripts/build-images.mjs --test" first`,
    )
  }
})

after(async () => {
  // --rm removes containers asynchronously once they exit: wait for it, then make sure nothing is left.
  let left = ''
  for (let i = 0; i < 50; i++) {
    left = (await docker(['ps', '-aq', '--filter', `label=${TEST_LABEL}`])).stdout.trim()
    if (!left) break
    await new Promise((r) => setTimeout(r, 200))
  }
  if (left) await docker(['rm', '-f', ...left.split('\n')])
  await sandbox.cleanup()
  assert.equal(left, '', 'containers left behind by the image tests')
})

function docker(args: string[], options: {timeoutMs?: number} = {}) {
  return run('docker', args, {env: sandbox.env, timeoutMs: options.timeoutMs ?? 60_000})
}

interface Session {
  client: Client
  name: string
  /** Milliseconds from `docker run` to the initialize response. */
  startMs: number
  stderr: () => string
}

/** Start the image as the gateway does and connect an MCP client over its stdio. */
async function connect(
  t: TestContext,
  image: string,
  options: {env?: Record<string, string>} = {},
): Promise<Session> {
  const name = `docker-mcp-test-${randomBytes(4).toString('hex')}`
  const envArgs = Object.keys(options.env ?? {}).flatMap((k) => ['-e', k])
  const childEnv: Record<string, string> = {}
  for (const [k, v] of Object.entries({...sandbox.env, ...options.env})) if (v !== undefined) childEnv[k] = v
  const transport = new StdioClientTransport({
    command: 'docker',
    args: [
      'run',
      '-i',
      '--rm',
      '--init',
      '--network',
      'none',
      '--security-opt',
      'no-new-privileges',
      '--name',
      name,
      '--label',
      TEST_LABEL,
      ...envArgs,
      image,
    ],
    env: childEnv,
    stderr: 'pipe',
  })
  let stderr = ''
  transport.stderr?.on('data', (d: Buffer) => (stderr += d.toString()))
  const client = new Client({name: 'images-test', version: '1.0.0'})
  const started = performance.now()
  await client.connect(transport)
  const startMs = Math.round(performance.now() - started)
  t.diagnostic(`${image}: docker run → initialize response in ${startMs}ms`)
  t.after(async () => {
    await client.close()
    // Closing stdin ends the server and --rm removes the container; make sure of it regardless.
    await docker(['rm', '-f', name])
  })
  return {client, name, startMs, stderr: () => stderr}
}

const textOf = (result: unknown): string => {
  const content = (result as {content?: Array<{type: string; text?: string}>}).content ?? []
  return content.map((c) => (c.type === 'text' ? c.text : '')).join('')
}

describe('dice image', () => {
  test('lists roll_dice and flip_coin, rolls validated dice, rejects bad arguments', async (t) => {
    const {client} = await connect(t, DICE)
    assert.deepEqual(client.getServerVersion()?.name, 'dice')
    const tools = (await client.listTools()).tools
    assert.deepEqual(tools.map((tool) => tool.name).sort(), ['flip_coin', 'roll_dice'])

    const roll = await client.callTool({name: 'roll_dice', arguments: {sides: 20, count: 2}})
    assert.notEqual(roll.isError, true)
    const data = roll.structuredContent as {sides: number; count: number; rolls: number[]; total: number}
    assert.equal(data.sides, 20)
    assert.equal(data.count, 2)
    assert.equal(data.rolls.length, 2)
    for (const r of data.rolls) assert.ok(Number.isInteger(r) && r >= 1 && r <= 20, `roll ${r}`)
    assert.equal(data.total, data.rolls[0]! + data.rolls[1]!)
    assert.equal(textOf(roll), `🎲 Rolled 2d20: ${data.rolls.join(', ')} (total ${data.total})`)

    const defaults = await client.callTool({name: 'roll_dice', arguments: {}})
    assert.match(textOf(defaults), /^🎲 Rolled 1d6: [1-6] \(total [1-6]\)$/)

    for (const bad of [{sides: 1}, {sides: 1001}, {count: 0}, {count: 101}, {sides: 2.5}]) {
      const r = await client.callTool({name: 'roll_dice', arguments: bad})
      assert.equal(r.isError, true, `accepted ${JSON.stringify(bad)}`)
    }

    const coin = await client.callTool({name: 'flip_coin', arguments: {}})
    assert.ok(['heads', 'tails'].includes((coin.structuredContent as {result: string}).result))
  })

  test('runs as the unprivileged node user from /app, with the build hash label', async () => {
    const inspect = await docker(['image', 'inspect', DICE, '--format', '{{json .Config}}'])
    const config = JSON.parse(inspect.stdout) as {
      User: string
      WorkingDir: string
      Entrypoint: string[]
      Labels: Record<string, string>
    }
    assert.equal(config.User, 'node')
    assert.equal(config.WorkingDir, '/app')
    assert.deepEqual(config.Entrypoint, ['/usr/bin/node', '/app/index.mjs'])
    assert.match(config.Labels[BUILD_HASH_LABEL] ?? '', /^[0-9a-f]{64}$/)
    const probe = await docker([
      'run',
      '--rm',
      '--network',
      'none',
      '--label',
      TEST_LABEL,
      '--entrypoint',
      '/usr/bin/node',
      DICE,
      '-e',
      "const fs=require('fs');console.log(JSON.stringify({uid:process.getuid(),tmp:(fs.statSync('/tmp').mode&0o7777).toString(8),user:require('os').userInfo().username}))",
    ])
    assert.equal(probe.code, 0, probe.stderr)
    assert.deepEqual(JSON.parse(probe.stdout), {uid: 1000, tmp: '1777', user: 'node'})
  })
})

describe('fixture image', () => {
  test('echo round-trips 1.5 MiB; env_hash proves an env var arrived; whoami is the container', async (t) => {
    const secret = `s3cret-${randomBytes(8).toString('hex')}`
    const {client, name} = await connect(t, FIXTURE, {env: {FIXTURE_SECRET: secret}})
    const names = (await client.listTools()).tools.map((tool) => tool.name)
    for (const tool of [
      'echo',
      'slow',
      'crash',
      'garbage',
      'hang',
      'huge',
      'elicit',
      'sample',
      'env_hash',
      'whoami',
      'add_tool',
      'log',
    ])
      assert.ok(names.includes(tool), `missing ${tool} in ${names.join(',')}`)

    const big = 'é'.repeat(768 * 1024) // 1.5 MiB of UTF-8
    const echo = await client.callTool({name: 'echo', arguments: {text: big}})
    assert.equal(textOf(echo), big)

    const hash = await client.callTool({name: 'env_hash', arguments: {name: 'FIXTURE_SECRET'}})
    assert.equal(textOf(hash), createHash('sha256').update(secret).digest('hex'))
    assert.equal(textOf(await client.callTool({name: 'env_hash', arguments: {name: 'NOT_SET'}})), 'unset')

    const who = JSON.parse(textOf(await client.callTool({name: 'whoami', arguments: {}}))) as {
      hostname: string
    }
    const id = (await docker(['inspect', '--format', '{{.Id}}', name])).stdout.trim()
    assert.equal(who.hostname, id.slice(0, 12))
  })
})

describe('everything image', () => {
  test('the reference server answers tools/list over stdio', async (t) => {
    const {client} = await connect(t, EVERYTHING)
    const tools = (await client.listTools()).tools.map((tool) => tool.name)
    assert.ok(tools.includes('echo'), tools.join(','))
    assert.ok(tools.length >= 5, tools.join(','))
  })
})

describe('local image builder', () => {
  const tag = `docker-mcp-builder-test:${randomBytes(3).toString('hex')}`
  let appDir: string
  const engine = () => createDocker(process.env, mcpPaths(process.env))

  before(async () => {
    appDir = await mkdtemp(path.join(tmpdir(), 'docker-mcp-app-'))
    await writeFile(
      path.join(appDir, 'main.mjs'),
      "console.log('hello v1', process.argv.slice(2).join(' '))\n",
    )
  })
  after(async () => {
    await docker(['rmi', '-f', tag])
    await rm(appDir, {recursive: true, force: true})
  })

  test('builds, then hits the cache, then rebuilds when an app file changes (and drops the old image)', async (t) => {
    const docker_ = engine()
    const phases: string[] = []
    let started = performance.now()
    const cold = await buildNodeImage(docker_, {
      tag,
      appDir,
      entry: 'main.mjs',
      args: ['from', 'cmd'],
      onProgress: (e) => phases.push(e.phase),
    })
    const coldMs = Math.round(performance.now() - started)
    assert.equal(cold.cached, false)
    assert.deepEqual(phases, ['hash', 'archive', 'import', 'done'])
    const out = await docker(['run', '--rm', '--network', 'none', '--label', TEST_LABEL, tag])
    assert.equal(out.stdout, 'hello v1 from cmd\n', out.stderr)

    started = performance.now()
    const warm = await buildNodeImage(docker_, {tag, appDir, entry: 'main.mjs', args: ['from', 'cmd']})
    const warmMs = Math.round(performance.now() - started)
    assert.deepEqual(warm, {...cold, cached: true})
    t.diagnostic(`tiny app: cold build ${coldMs}ms, cache hit ${warmMs}ms`)

    await writeFile(path.join(appDir, 'main.mjs'), "console.log('hello v2')\n")
    const changed = await buildNodeImage(docker_, {tag, appDir, entry: 'main.mjs', args: ['from', 'cmd']})
    assert.equal(changed.cached, false)
    assert.notEqual(changed.hash, cold.hash)
    assert.notEqual(changed.id, cold.id)
    const old = await docker(['image', 'inspect', cold.id])
    assert.notEqual(old.code, 0, 'the replaced image is removed, not left dangling')

    const argsChanged = await buildNodeImage(docker_, {tag, appDir, entry: 'main.mjs'})
    assert.equal(argsChanged.cached, false, 'the image config (CMD) is part of the hash')
  })

  test('a missing entry point or app directory is a DockerMcpError naming the path', async () => {
    await assert.rejects(
      buildNodeImage(engine(), {tag, appDir, entry: 'nope.mjs'}),
      (err: unknown) => err instanceof DockerMcpError && err.message.includes(path.join(appDir, 'nope.mjs')),
    )
    await assert.rejects(
      buildNodeImage(engine(), {tag, appDir: path.join(appDir, 'missing'), entry: 'main.mjs'}),
      /the app directory .*missing does not exist/,
    )
    await assert.rejects(
      buildNodeImage(engine(), {tag, appDir, entry: '../main.mjs'}),
      /must be a path inside/,
    )
    await assert.rejects(
      buildNodeImage(engine(), {tag: 'Bad Name', appDir, entry: 'main.mjs'}),
      /Invalid image name/,
    )
  })

  test('build-images.mjs: an unchanged rebuild reports every image cached', async (t) => {
    const script = () =>
      run(process.execPath, [path.join(ROOT, 'scripts/build-images.mjs'), '--test'], {
        env: sandbox.env,
        timeoutMs: 300_000,
      })
    // The first run builds whatever is out of date (normally nothing: scripts/test.sh just ran it).
    const first = await script()
    assert.equal(first.code, 0, first.stderr)
    const started = performance.now()
    const r = await script()
    const ms = Math.round(performance.now() - started)
    assert.equal(r.code, 0, r.stderr)
    for (const image of [DICE, FIXTURE, EVERYTHING])
      assert.match(r.stderr, new RegExp(`${image}\\s+cached \\(`))
    t.diagnostic(`build-images.mjs --test, all cached: ${ms}ms\n${r.stderr.trimEnd()}`)
  })
})

describe('pure helpers', () => {
  test('parseLdd: libraries, the loader, no vdso, missing ones reported', () => {
    const out = [
      '\tlinux-vdso.so.1 (0x00007ffd)',
      '\tlibdl.so.2 => /lib/x86_64-linux-gnu/libdl.so.2 (0x00007f01)',
      '\tlibc.so.6 => /lib/x86_64-linux-gnu/libc.so.6 (0x00007f02)',
      '\tlibfoo.so.1 => not found',
      '\t/lib64/ld-linux-x86-64.so.2 (0x00007f03)',
      '\tlibc.so.6 => /lib/x86_64-linux-gnu/libc.so.6 (0x00007f02)',
    ].join('\n')
    assert.deepEqual(parseLdd(out), {
      libs: [
        '/lib/x86_64-linux-gnu/libdl.so.2',
        '/lib/x86_64-linux-gnu/libc.so.6',
        '/lib64/ld-linux-x86-64.so.2',
      ],
      missing: ['libfoo.so.1'],
    })
    // musl's ldd prints the loader as the libc too.
    assert.deepEqual(
      parseLdd(
        '\t/lib/ld-musl-x86_64.so.1 (0x7f)\n\tlibc.musl-x86_64.so.1 => /lib/ld-musl-x86_64.so.1 (0x7f)\n',
      ),
      {
        libs: ['/lib/ld-musl-x86_64.so.1'],
        missing: [],
      },
    )
  })

  test('splitTag: default tag, registry ports, bad names', () => {
    assert.deepEqual(splitTag('dice-mcp-server'), {repo: 'dice-mcp-server', tag: 'latest'})
    assert.deepEqual(splitTag('dice-mcp-server:1.0'), {repo: 'dice-mcp-server', tag: '1.0'})
    assert.deepEqual(splitTag('localhost:5000/team/dice'), {repo: 'localhost:5000/team/dice', tag: 'latest'})
    assert.deepEqual(splitTag('localhost:5000/dice:x'), {repo: 'localhost:5000/dice', tag: 'x'})
    assert.throws(() => splitTag('Dice'), DockerMcpError)
    assert.throws(() => splitTag('dice:'), DockerMcpError)
  })
})
