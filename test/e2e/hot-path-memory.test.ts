/**
 * The raw hot path lets go of a call once it is answered (#21). With 32 calls in flight, a quarter of
 * everything the gateway allocated survived each young-generation collection and was promoted at the next:
 * answered calls stayed reachable through the raw path's tables (src/gateway/pending-calls.ts) and, in some
 * runs, through objects V8 had chosen to create in the old generation (src/gateway/heap-flags.ts).
 * Scavenges then took 5-6 ms, and the gateway spent 14 µs of CPU per call where it now spends 9.
 * V8's own accounting (`--trace-gc-nvp`, printed on the gateway's stdout between JSON-RPC lines) tells how
 * much survives. The figure is a share of bytes, never a time.
 */
import assert from 'node:assert/strict'
import {spawn} from 'node:child_process'
import {writeFile} from 'node:fs/promises'
import path from 'node:path'
import {after, before, test} from 'node:test'

import {IMAGES, managedContainers} from '../helpers/gateway.js'
import {makeSandbox, RUN_JS, run, type Sandbox} from '../helpers/sandbox.js'

let sandbox: Sandbox
let catalog: string

before(async () => {
  sandbox = await makeSandbox()
  catalog = path.join(sandbox.home, 'raw-echo.yaml')
  await writeFile(
    catalog,
    [
      'version: 2',
      'name: hot-path-memory',
      'registry:',
      '  echo:',
      `    image: ${IMAGES.fixture}`,
      '    longLived: true',
      '    env:',
      '      - name: FIXTURE_RAW_ECHO',
      '        value: "1"',
      '',
    ].join('\n'),
  )
})
after(async () => {
  const left = await managedContainers('echo')
  if (left.length > 0) await run('docker', ['rm', '-f', ...left]).catch(() => {})
  await sandbox.cleanup()
})

test('at 32 calls in flight, answered calls do not survive young-generation collections', async () => {
  const child = spawn(
    process.execPath,
    ['--trace-gc-nvp', RUN_JS, 'gateway', 'run', '--catalog', catalog, '--servers', 'echo', '--no-cache'],
    {env: sandbox.env, stdio: ['pipe', 'pipe', 'pipe']},
  )
  let stderr = ''
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d))
  const pending = new Map<number, (message: {error?: {message: string}}) => void>()
  const gcLines: string[] = []
  let recording = false
  let rest = ''
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    const lines = (rest + chunk).split('\n')
    rest = lines.pop()!
    for (const line of lines) {
      // V8's lines come between the JSON-RPC ones.
      if (!line.startsWith('{')) {
        if (recording && line.includes('gc=s ')) gcLines.push(line)
        continue
      }
      const message = JSON.parse(line) as {id: number; error?: {message: string}}
      pending.get(message.id)?.(message)
      pending.delete(message.id)
    }
  })
  let seq = 0
  const request = (method: string, params: unknown) =>
    new Promise<{error?: {message: string}}>((resolve) => {
      const id = ++seq
      pending.set(id, resolve)
      child.stdin.write(`${JSON.stringify({jsonrpc: '2.0', id, method, params})}\n`)
    })
  const callsInFlight = async (total: number) => {
    let next = 0
    await Promise.all(
      Array.from({length: 32}, async () => {
        while (next < total) {
          next++
          const answer = await request('tools/call', {name: 'echo', arguments: {text: 'x'}})
          assert.equal(answer.error, undefined, answer.error?.message)
        }
      }),
    )
  }
  try {
    const init = await request('initialize', {
      protocolVersion: '2025-06-18',
      capabilities: {},
      clientInfo: {name: 'hot-path-memory', version: '1'},
    })
    assert.equal(init.error, undefined, stderr)
    child.stdin.write('{"jsonrpc":"2.0","method":"notifications/initialized"}\n')
    await callsInFlight(3000)
    recording = true
    await callsInFlight(30_000)
    recording = false
    const rates = gcLines.map((line) => Number(/new_space_survive_rate_=([\d.]+)%/.exec(line)?.[1]))
    assert.ok(rates.length >= 2, `too few scavenges to judge: ${gcLines.length}`)
    rates.sort((a, b) => a - b)
    const median = rates[Math.floor(rates.length / 2)]!
    // Before the fix: 14-26% in every scavenge; after: 2-5%.
    assert.ok(
      median < 10,
      `a median ${median}% of the young generation survived its scavenges: ${rates.join(', ')}`,
    )
  } finally {
    child.stdin.end()
    await new Promise((resolve) => (child.exitCode === null ? child.once('exit', resolve) : resolve(null)))
  }
})
