/**
 * Servers scaled and balanced (#20), on a real engine and real remote servers: a long-lived server with 3
 * replica containers spreads 32 concurrent calls over all three (raw hot path and SDK path), and the
 * least-outstanding rule is visible while two slow calls hold two replicas; a replica killed with
 * `docker kill` is taken out, calls keep succeeding, a replacement starts and the per-server cap is never
 * exceeded; a remote server whose URL refuses opens its circuit (calls fail fast) and a probe closes it
 * after the cool-down; a remote server with two URLs is balanced over both, and one stopped leaves the
 * other serving every call.
 */
import assert from 'node:assert/strict'
import {writeFile} from 'node:fs/promises'
import path from 'node:path'
import {after, before, test} from 'node:test'

import {connectGateway, eventually, IMAGES, textOf, type ConnectedGateway} from '../helpers/gateway.js'
import {startRemoteServer, type RemoteServer} from '../helpers/remote-server.js'
import {makeSandbox, run, type Sandbox} from '../helpers/sandbox.js'

let sandbox: Sandbox
let catalog: string
/** Gateway pids this file started: their containers are removed at the end whatever happened. */
const pids: number[] = []

before(async () => {
  sandbox = await makeSandbox()
  // The remote test servers listen on 127.0.0.1: the remote guard refuses loopback unless told (tests only).
  sandbox.env.DOCKER_MCP_ALLOW_INSECURE_REMOTE_URLS = '1'
  catalog = path.join(sandbox.home, 'replicas.yaml')
  await writeFile(
    catalog,
    `version: 2
name: replicas
displayName: Replicas
registry:
  pool:
    title: Pool
    description: The fixture, three replicas per session
    type: server
    image: ${IMAGES.fixture}
    replicas: 3
    env:
      - name: FIXTURE_NAME
        value: pool
`,
  )
})

after(async () => {
  for (const pid of pids) {
    const left = await running(pid, true)
    if (left.length > 0) await run('docker', ['rm', '-f', ...left]).catch(() => {})
  }
  await sandbox.cleanup()
})

/** Containers of gateway `pid` (running ones, or all with `all`). */
async function running(pid: number, all = false): Promise<string[]> {
  const r = await run('docker', [
    'ps',
    ...(all ? ['-a'] : []),
    '--filter',
    'label=docker-mcp=true',
    '--filter',
    `label=docker-mcp-gateway-pid=${pid}`,
    '--format',
    '{{.ID}}',
  ])
  return r.stdout.split('\n').filter(Boolean)
}

async function whoami(gw: ConnectedGateway, sdkPath = false): Promise<string> {
  const result = await gw.client.callTool({name: 'whoami', arguments: {}}, {
    timeout: 120_000,
    // A progress token sends the call the SDK way (the raw path takes only calls without one).
    ...(sdkPath ? {onprogress: () => {}} : {}),
  } as never)
  return (JSON.parse(textOf(result)) as {hostname: string}).hostname
}

/** Call whoami until `n` different containers answered (replicas start in the background). */
async function seeReplicas(gw: ConnectedGateway, n: number): Promise<Set<string>> {
  const seen = new Set<string>()
  const deadline = Date.now() + 180_000
  while (seen.size < n && Date.now() < deadline) {
    seen.add(await whoami(gw))
    if (seen.size < n) await new Promise((r) => setTimeout(r, 200))
  }
  return seen
}

async function spread(gw: ConnectedGateway, sdkPath: boolean): Promise<Map<string, number>> {
  const answers = await Promise.all(Array.from({length: 32}, () => whoami(gw, sdkPath)))
  const counts = new Map<string, number>()
  for (const h of answers) counts.set(h, (counts.get(h) ?? 0) + 1)
  return counts
}

test('3 replicas: calls spread over all, least-outstanding first; a killed replica is replaced within the cap', async () => {
  const gw = await connectGateway(
    sandbox,
    ['--catalog', catalog, '--servers', 'pool', '--no-cache', '--max-containers-per-server', '3'],
    {viaDocker: false},
  )
  const pid = gw.transport.pid!
  pids.push(pid)
  // Sampled all along: the cap (3) is never exceeded, the listing's container and replacements included.
  let most = 0
  let sampling = true
  const sampler = (async () => {
    while (sampling) {
      most = Math.max(most, (await running(pid)).length)
      await new Promise((r) => setTimeout(r, 150))
    }
  })()
  try {
    const first = await seeReplicas(gw, 3)
    assert.equal(first.size, 3, `three replicas answer: ${[...first].join(',')}`)

    for (const sdkPath of [false, true]) {
      const counts = await spread(gw, sdkPath)
      const path = sdkPath ? 'SDK path' : 'raw path'
      assert.equal(
        counts.size,
        3,
        `${path}: 32 calls answered by all three replicas: ${JSON.stringify([...counts])}`,
      )
      for (const h of counts.keys()) assert.ok(first.has(h), `${path}: ${h} is one of the replicas`)
    }

    // Least-outstanding: two slow calls hold two replicas; every call meanwhile goes to the third (plain
    // round-robin would send two of every three there).
    for (const sdkPath of [false, true]) {
      const stop = new AbortController()
      const slow = [1, 2].map(() =>
        gw.client
          .callTool({name: 'slow', arguments: {ms: 120_000, steps: 1}}, {
            signal: stop.signal,
            timeout: 300_000,
            ...(sdkPath ? {onprogress: () => {}} : {}),
          } as never)
          .catch(() => undefined),
      )
      const during: string[] = []
      for (let i = 0; i < 6; i++) during.push(await whoami(gw, sdkPath))
      stop.abort()
      await Promise.all(slow)
      assert.equal(
        new Set(during).size,
        1,
        `${sdkPath ? 'SDK' : 'raw'} path: with two replicas busy every call went to the idle one: ${during.join(',')}`,
      )
    }

    // Kill one replica. Calls in flight on it would fail with a clear error (not retried: they may have
    // reached it); once the gateway took it out, every call succeeds, and a replacement starts.
    const [victim] = await running(pid)
    await run('docker', ['kill', victim!])
    const log = await eventually(
      async () => gw.stderr(),
      (l) => /pool: replica [0-9a-f]{12} is out/.test(l),
      60_000,
    )
    assert.match(log, /pool: replica [0-9a-f]{12} is out \(.*\): starting another/)
    const after = await Promise.all(Array.from({length: 16}, () => whoami(gw)))
    assert.equal(after.length, 16, 'every call after the kill succeeded')
    assert.ok(!after.some((h) => victim!.startsWith(h.slice(0, 12))), 'no call went to the killed replica')
    const back = await eventually(
      () => running(pid),
      (ids) => ids.length === 3 && !ids.includes(victim!),
      120_000,
    )
    assert.equal(back.length, 3, `the replica set is back to 3 containers: ${back.join(',')}`)
    const again = await seeReplicas(gw, 3)
    assert.equal(again.size, 3, 'and all three answer')
  } finally {
    sampling = false
    await sampler
    await gw.close()
  }
  assert.ok(most <= 3, `at most 3 containers ran at once (--max-containers-per-server 3), saw ${most}`)
  assert.deepEqual(
    await eventually(
      () => running(pid, true),
      (ids) => ids.length === 0,
      60_000,
    ),
    [],
    'no container outlived the gateway',
  )
})

function remoteCatalog(name: string, urls: string[]): string {
  const [url, ...more] = urls
  return `version: 2
name: remote-${name}
displayName: Remote
registry:
  ${name}:
    title: ${name}
    description: a remote test server
    type: remote
    remote:
      url: ${url}
${more.length ? `      urls: [${more.join(', ')}]\n` : ''}      transport_type: http
`
}

test('circuit breaker: a remote URL that refuses opens the circuit, calls fail fast, a probe closes it', async () => {
  let server: RemoteServer | undefined = await startRemoteServer(0, 'brk')
  const port = server.port
  const file = path.join(sandbox.home, 'brk.yaml')
  await writeFile(file, remoteCatalog('brk', [server.url]))
  const gw = await connectGateway(
    sandbox,
    [
      '--catalog',
      file,
      '--servers',
      'brk',
      '--no-cache',
      '--circuit-failures',
      '2',
      '--circuit-cooldown',
      '3s',
    ],
    {viaDocker: false},
  )
  const ping = () => gw.client.callTool({name: 'brk_ping', arguments: {}}, {timeout: 120_000})
  try {
    assert.equal(textOf(await ping()), 'pong from brk')
    await server.close()
    server = undefined
    // Two calls fail on the way (connection refused): the circuit opens.
    for (let i = 0; i < 2; i++) await assert.rejects(ping(), (err: Error) => !/is failing/.test(err.message))
    await assert.rejects(
      ping(),
      /server "brk" is failing: 2 call\(s\) failed in a row, last error: .+; retrying in [0-3]s/,
    )
    // The server comes back; the circuit stays open until its cool-down is over, then one probe closes it.
    server = await startRemoteServer(port, 'brk')
    const failFast: string[] = []
    const answer = await eventually(
      () =>
        ping().then(
          (r) => textOf(r),
          (err: Error) => (failFast.push(err.message), ''),
        ),
      (text) => text === 'pong from brk',
      60_000,
    )
    assert.equal(answer, 'pong from brk', 'the probe after the cool-down succeeded')
    for (const m of failFast) assert.match(m, /server "brk" is failing/, 'until then calls failed fast')
    assert.equal(textOf(await ping()), 'pong from brk', 'the circuit is closed again')
  } finally {
    await gw.close()
    await server?.close()
  }
})

test('a remote server with two URLs: calls balanced over both; one stopped, the other takes every call', async () => {
  const a = await startRemoteServer(0, 'duo')
  const b = await startRemoteServer(0, 'duo')
  const file = path.join(sandbox.home, 'duo.yaml')
  await writeFile(file, remoteCatalog('duo', [a.url, b.url]))
  const gw = await connectGateway(sandbox, ['--catalog', file, '--servers', 'duo', '--no-cache'], {
    viaDocker: false,
  })
  const ping = async () =>
    textOf(await gw.client.callTool({name: 'duo_ping', arguments: {}}, {timeout: 120_000}))
  try {
    // Both connections open in the background; then sequential calls alternate (ties round-robin).
    await eventually(
      async () => {
        await ping()
        return a.pings > 0 && b.pings > 0
      },
      (both) => both,
      60_000,
    )
    const before = {a: a.pings, b: b.pings}
    await Promise.all(Array.from({length: 20}, () => ping()))
    assert.ok(
      a.pings > before.a && b.pings > before.b,
      `both URLs took calls: ${JSON.stringify({a: a.pings, b: b.pings})}`,
    )
    await a.close()
    // The gateway learns that a URL stopped from a call: one that provably never left (connection refused)
    // goes to the other URL; one that may have reached it (its connection reset mid-request) fails with a
    // clear error and is not sent again. Either way the replica is taken out, and the calls after it all
    // go to the URL still up.
    const fromB = b.pings
    const failures: string[] = []
    let inRow = 0
    for (let i = 0; i < 30 && inRow < 10; i++) {
      try {
        assert.equal(await ping(), 'pong from duo')
        inRow++
      } catch (err) {
        failures.push((err as Error).message)
        inRow = 0
      }
    }
    assert.equal(inRow, 10, `10 calls in a row succeeded after the stop (failures: ${failures.join(' | ')})`)
    assert.ok(
      failures.length <= 2,
      `at most the calls already on their way to it failed: ${failures.join(' | ')}`,
    )
    for (const m of failures) assert.match(m, /server "duo"/, 'a failure names the server')
    assert.ok(b.pings - fromB >= 10, 'the URL still up answered them')
  } finally {
    await gw.close()
    await a.close().catch(() => {})
    await b.close()
  }
})
