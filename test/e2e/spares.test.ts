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
    ['--catalog', catalog, '--servers', 'fixture', '--spare-containers', '1', '--no-cache'],
    {viaDocker: false},
  )
  try {
    await whoami(gw)
    await eventually(
      () => managedContainers('fixture'),
      (ids) => ids.length === 1,
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
