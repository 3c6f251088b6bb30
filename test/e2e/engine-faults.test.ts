/**
 * Issue #14: the engine goes away and comes back. These tests stop and restart a Docker engine of their
 * own (test/helpers/private-engine.ts), never the shared one, under stdio and HTTP gateways, idle and with
 * calls in flight, and start a gateway while the engine is down. Every gateway runs with
 * `--unhandled-rejections=strict`: a promise rejected with nobody to catch it ends the process, which is
 * the crash the issue reports (`connect ENOENT /var/run/docker.sock`, exit 1).
 */
import assert from 'node:assert/strict'
import {after, before, describe, test} from 'node:test'

import type {ConnectedGateway} from '../helpers/gateway.js'
import {connectGateway, eventually, IMAGES, textOf, writeTestCatalog} from '../helpers/gateway.js'
import {startHttpGateway} from '../helpers/http-gateway.js'
import {canRunPrivateEngine, startPrivateEngine, type PrivateEngine} from '../helpers/private-engine.js'
import {makeSandbox, type Sandbox} from '../helpers/sandbox.js'

/** Engine restarts per stdio gateway: the issue saw tools lost in 2 of 3 runs. */
const RESTARTS = 3

const skip = canRunPrivateEngine() ? false : 'needs root and dockerd to run a private engine'
let engine: PrivateEngine
let sandbox: Sandbox
let catalog: string

before(async () => {
  if (skip) return
  engine = await startPrivateEngine()
  await engine.loadImage(IMAGES.fixture)
  sandbox = await makeSandbox({DOCKER_HOST: engine.host, NODE_OPTIONS: '--unhandled-rejections=strict'})
  catalog = await writeTestCatalog(sandbox)
})
after(async () => {
  if (skip) return
  await engine?.remove()
  await sandbox?.cleanup()
})

/** Our containers on the private engine, per server. */
async function containersOf(server: string): Promise<string[]> {
  const r = await engine.docker([
    'ps',
    '-a',
    '--filter',
    'label=docker-mcp=true',
    '--filter',
    `label=docker-mcp-name=${server}`,
    '--format',
    '{{.ID}}',
  ])
  return r.stdout.split('\n').filter(Boolean)
}

/** A tool call's outcome as text, whether the gateway answered with an error result or a protocol error. */
async function attempt(gw: ConnectedGateway, name: string, args: Record<string, unknown>): Promise<string> {
  try {
    const result = await gw.client.callTool({name, arguments: args}, {timeout: 60_000})
    return `${result.isError ? 'error: ' : ''}${textOf(result)}`
  } catch (err) {
    return `error: ${(err as Error).message}`
  }
}

const gatewayAlive = (gw: ConnectedGateway) => {
  try {
    process.kill(gw.transport.pid!, 0)
    return true
  } catch {
    return false
  }
}

describe('engine faults', {skip}, () => {
  test(`stdio gateway lives through ${RESTARTS} engine restarts: calls meanwhile name the engine, the long-lived server comes back with its tools, never doubled`, async () => {
    const gw = await connectGateway(
      sandbox,
      ['--catalog', catalog, '--servers', 'sticky,fixture', '--no-cache', '--verbose'],
      {viaDocker: false},
    )
    try {
      assert.equal(await attempt(gw, 'sticky__echo', {text: 'before'}), 'before')
      for (let round = 1; round <= RESTARTS; round++) {
        await engine.stop()
        const down = await attempt(gw, 'sticky__echo', {text: 'down'})
        assert.ok(gatewayAlive(gw), `round ${round}: the gateway died with the engine:\n${gw.stderr()}`)
        assert.match(down, /Docker engine/, `round ${round}`)
        assert.ok(down.includes(engine.host), `round ${round}: ${down}`)
        const perCall = await attempt(gw, 'echo', {text: 'down'})
        assert.match(perCall, /Docker engine/, `round ${round}`)
        await engine.start()
        assert.equal(await attempt(gw, 'sticky__echo', {text: `after ${round}`}), `after ${round}`)
        assert.equal(await attempt(gw, 'echo', {text: `per-call ${round}`}), `per-call ${round}`)
        assert.equal((await containersOf('sticky')).length, 1, `round ${round}: long-lived containers`)
      }
    } finally {
      await gw.close()
    }
    assert.deepEqual(
      await eventually(
        () => containersOf('sticky'),
        (c) => c.length === 0,
      ),
      [],
    )
  })

  test('a call in flight when the engine stops gets an error naming the engine; the next call after it returns works', async () => {
    const gw = await connectGateway(sandbox, ['--catalog', catalog, '--servers', 'sticky', '--no-cache'], {
      viaDocker: false,
    })
    try {
      assert.equal(await attempt(gw, 'sticky__echo', {text: 'warm'}), 'warm')
      const inFlight = attempt(gw, 'sticky__slow', {ms: 60_000, steps: 1})
      await engine.stop()
      const answer = await inFlight
      assert.ok(gatewayAlive(gw), gw.stderr())
      assert.match(answer, /^error: .*Docker engine/, answer)
      await engine.start()
      assert.equal(await attempt(gw, 'sticky__echo', {text: 'again'}), 'again')
      assert.equal((await containersOf('sticky')).length, 1)
    } finally {
      await gw.close()
    }
  })

  test('HTTP gateway, idle through an engine restart: it lives, /health and /ready say the engine is down, then recover', async () => {
    // Ready once sticky is listed: its first container on an engine restarted moments ago, on a loaded CI
    // machine, once took more than the default 30 s (the listing's own handshake timeout is 60 s).
    const gw = await startHttpGateway(
      ['--catalog', catalog, '--servers', 'sticky', '--no-cache', '--verbose'],
      {sandbox, readyMs: 90_000},
    ).catch((err: Error) => {
      throw new Error(`${err.message}\nthe private engine's log:\n${engine.log().slice(-4000)}`)
    })
    try {
      await engine.stop()
      const health = await eventually(
        () => fetch(`${gw.base}/health`).then(async (r) => ({status: r.status, body: await r.text()})),
        (h) => /unreachable/.test(h.body),
        30_000,
      )
      assert.match(health.body, /unreachable/, gw.stderr())
      const ready = await fetch(`${gw.base}/ready`)
      assert.equal(ready.status, 503)
      assert.match(await ready.text(), /Docker engine/)
      await engine.start()
      const back = await eventually(
        () => fetch(`${gw.base}/ready`).then((r) => r.status),
        (s) => s === 200,
        30_000,
      )
      assert.equal(back, 200, gw.stderr())
      assert.equal(gw.child.exitCode, null, gw.stderr())
    } finally {
      assert.equal(await gw.stop(), 0, gw.stderr())
    }
  })

  test('a gateway started while the engine is down lists the tools once it is up, tells its client, and calls work', async () => {
    await engine.stop()
    const gw = await connectGateway(sandbox, ['--catalog', catalog, '--servers', 'sticky', '--no-cache'], {
      viaDocker: false,
    })
    try {
      let changed = 0
      gw.client.setNotificationHandler('notifications/tools/list_changed', () => void changed++)
      const down = await attempt(gw, 'sticky__echo', {text: 'x'})
      assert.doesNotMatch(down, /unknown tool|Tool sticky__echo not found/)
      assert.match(down, /Docker engine/)
      await engine.start()
      const tools = await eventually(
        async () => (await gw.client.listTools()).tools.map((t) => t.name),
        (names) => names.includes('sticky__echo'),
        60_000,
      )
      assert.ok(tools.includes('sticky__echo'), gw.stderr())
      assert.ok(changed > 0, 'the client was not told that the tools changed')
      assert.equal(await attempt(gw, 'sticky__echo', {text: 'up'}), 'up')
    } finally {
      await gw.close()
    }
  })
})
