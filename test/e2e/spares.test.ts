/**
 * Spare containers for per-call servers (#21), on a real engine: every call still gets a fresh container
 * (the fixture's whoami names its container, and no two calls see the same one), a spare is ready between
 * calls, the per-server cap holds under a burst, and nothing is left after SIGTERM or SIGKILL.
 */
import assert from 'node:assert/strict'
import {after, before, test} from 'node:test'

import {connectGateway, eventually, managedContainers, textOf, writeTestCatalog} from '../helpers/gateway.js'
import {makeSandbox, run, type Sandbox} from '../helpers/sandbox.js'

let sandbox: Sandbox
let catalog: string

before(async () => {
  sandbox = await makeSandbox()
  catalog = await writeTestCatalog(sandbox)
})
after(async () => {
  const left = await managedContainers('fixture')
  if (left.length > 0) await run('docker', ['rm', '-f', ...left]).catch(() => {})
  await sandbox.cleanup()
})

const whoami = async (gw: Awaited<ReturnType<typeof connectGateway>>) =>
  (
    JSON.parse(textOf(await gw.client.callTool({name: 'whoami', arguments: {}}, {timeout: 120_000}))) as {
      hostname: string
    }
  ).hostname

test('every call gets a fresh container; between calls a spare waits, handshake done; SIGTERM leaves nothing', async () => {
  const gw = await connectGateway(
    sandbox,
    ['--catalog', catalog, '--servers', 'fixture', '--spare-containers', '2', '--no-cache', '--verbose'],
    {viaDocker: false},
  )
  try {
    const seen: string[] = []
    seen.push(await whoami(gw))
    // The call is answered; its container goes and a spare, started meanwhile, is ready (its handshake done).
    await eventually(
      async () => gw.stderr(),
      (log) => log.includes('fixture: a spare container is ready'),
      120_000,
    )
    const spare = await eventually(
      () => managedContainers('fixture'),
      (ids) => ids.length === 1 && !seen[0]!.startsWith(ids[0]!.slice(0, 12)),
      60_000,
    )
    assert.equal(spare.length, 1, `expected one spare between calls, saw ${spare.join(',')}`)
    for (let i = 0; i < 5; i++) seen.push(await whoami(gw))
    assert.equal(new Set(seen).size, seen.length, `a container served two calls: ${seen.join(',')}`)
    // The spare that was waiting served the second call.
    assert.ok(
      seen[1]!.startsWith(spare[0]!.slice(0, 12)),
      `call 2 ran in ${seen[1]}, not the spare ${spare[0]}`,
    )
  } finally {
    await gw.close()
  }
  assert.deepEqual(
    await eventually(
      () => managedContainers('fixture'),
      (c) => c.length === 0,
      30_000,
    ),
    [],
    'a spare outlived its gateway',
  )
})

test('a burst never has more containers than the cap, spares included', async () => {
  const gw = await connectGateway(
    sandbox,
    [
      '--catalog',
      catalog,
      '--servers',
      'fixture',
      '--spare-containers',
      '3',
      '--max-containers-per-server',
      '3',
      '--no-cache',
    ],
    {viaDocker: false},
  )
  let max = 0
  let polling = true
  try {
    await whoami(gw)
    const poller = (async () => {
      while (polling) {
        max = Math.max(max, (await managedContainers('fixture')).length)
        await new Promise((r) => setTimeout(r, 250))
      }
    })()
    const names = await Promise.all(Array.from({length: 12}, () => whoami(gw))).finally(
      () => (polling = false),
    )
    await poller
    assert.equal(new Set(names).size, 12, 'a container served two calls')
    assert.ok(max <= 3, `saw ${max} containers at once, cap is 3`)
  } finally {
    polling = false
    await gw.close()
  }
})

test('after a SIGKILL the spares end by themselves', async () => {
  const gw = await connectGateway(
    sandbox,
    ['--catalog', catalog, '--servers', 'fixture', '--spare-containers', '1', '--no-cache', '--verbose'],
    {viaDocker: false},
  )
  try {
    const called = await whoami(gw)
    // The kill comes once the spare is ready, i.e. attached and started. A container the engine is still
    // creating or starting when its gateway is killed is not a spare yet: no attach of ours ends it, and the
    // next gateway's orphan sweep removes it (engine-link.ts). Killing at the first sight of the container
    // made this test fail under load with a container caught mid-start.
    await eventually(
      async () => gw.stderr(),
      (log) => log.includes('fixture: a spare container is ready'),
      120_000,
    )
    await eventually(
      () => managedContainers('fixture'),
      (ids) => ids.length === 1 && !called.startsWith(ids[0]!.slice(0, 12)),
      60_000,
    )
    process.kill(gw.transport.pid!, 'SIGKILL')
    // Its stdin closes with the attach: the server exits at end of input and AutoRemove removes it.
    assert.deepEqual(
      await eventually(
        () => managedContainers('fixture'),
        (c) => c.length === 0,
        60_000,
      ),
      [],
      'a spare outlived its SIGKILLed gateway',
    )
  } finally {
    await gw.close()
  }
})

test('a call that finds a spare takes the raw path, fresh; cancelled there, its container reads the cancellation', async () => {
  const gw = await connectGateway(
    sandbox,
    [
      ...['--catalog', catalog, '--servers', 'fixture', '--spare-containers', '1', '--no-cache'],
      // The call log in JSON names each call's path (raw, sdk); --verbose logs the containers' stderr.
      ...['--verbose', '--log-calls', '--log-format', 'json'],
    ],
    {viaDocker: false},
  )
  const sparesReady = (n: number) =>
    eventually(
      async () => gw.stderr().split('fixture: a spare container is ready').length - 1,
      (ready) => ready >= n,
      120_000,
    )
  try {
    const first = await whoami(gw)
    await sparesReady(1)
    const second = await whoami(gw)
    assert.notEqual(second, first, 'a container served two calls')
    await sparesReady(2)
    // Cancelled once the server says the call arrived: it must hear of it before its container is removed.
    const controller = new AbortController()
    gw.client.setNotificationHandler('notifications/message', (n) => {
      if (n.params.data === 'waiting raw-spare') controller.abort(new Error('cancelled by the test'))
    })
    await assert.rejects(
      gw.client.callTool({name: 'wait_cancel', arguments: {tag: 'raw-spare'}}, {signal: controller.signal}),
      /cancelled by the test/,
    )
    assert.ok(
      await eventually(
        // In the client's words: a container that only saw its connection close says "Connection closed".
        async () => gw.stderr().includes('call raw-spare was cancelled (Error: cancelled by the test)'),
        (seen) => seen,
        10_000,
      ),
      gw.stderr().split('\n').slice(-10).join('\n'),
    )
    const paths = gw
      .stderr()
      .split('\n')
      .filter((line) => line.includes('"call.start"'))
      .map((line) => (JSON.parse(line) as {path?: string}).path)
    // The first call had no spare to take: it started its own container, on the regular path.
    assert.deepEqual(paths, ['sdk', 'raw', 'raw'])
  } finally {
    await gw.close()
  }
})

test('a call a guard refuses gives its spare back: the next call runs in it', async () => {
  // Assembled at run time: this file must not look like a leak to the scanners that guard the repository.
  const token = `ghp_${'aB3dE5gH7jK9'.repeat(3)}`
  const gw = await connectGateway(
    sandbox,
    [
      ...['--catalog', catalog, '--servers', 'fixture', '--spare-containers', '1', '--no-cache'],
      ...['--verbose', '--log-calls', '--log-format', 'json'],
    ],
    {viaDocker: false},
  )
  const ready = () => gw.stderr().split('fixture: a spare container is ready').length - 1
  try {
    const first = await whoami(gw)
    await eventually(
      async () => ready(),
      (n) => n >= 1,
      120_000,
    )
    const spare = await eventually(
      () => managedContainers('fixture'),
      (ids) => ids.length === 1 && !first.startsWith(ids[0]!.slice(0, 12)),
      60_000,
    )
    // Refused by --block-secrets (on by default) on the raw path, before it reached the spare it held.
    await assert.rejects(
      gw.client.callTool({name: 'echo', arguments: {text: `use ${token}`}}),
      (e: Error & {code?: number}) => e.code === -32600,
    )
    const second = await whoami(gw)
    assert.ok(
      second.startsWith(spare[0]!.slice(0, 12)),
      `the call after the refused one ran in ${second}, not in the spare ${spare[0]} (the refusal used it up)`,
    )
    const paths = gw
      .stderr()
      .split('\n')
      .filter((line) => line.includes('"call.start"'))
      .map((line) => (JSON.parse(line) as {path?: string}).path)
    assert.deepEqual(paths, ['sdk', 'raw', 'raw'], 'the refused call held the spare on the raw path')
  } finally {
    await gw.close()
  }
})
