import assert from 'node:assert/strict'
import {test} from 'node:test'

import {runScript, type HostFunction} from '../../../src/gateway/codemode/sandbox.js'

// Issue #17, code mode: the sandbox must never block the gateway. A script that allocates big arrays
// until its memory limit spends its time inside one QuickJS builtin that collects garbage on every
// allocation, where the interrupt handler is not called: on the gateway's own thread that blocked the
// event loop for tens of seconds. It runs in a worker thread now, stopped from the main thread.

const echo: Record<string, HostFunction> = {say: async (args) => ({said: args.text})}

test('a script stuck in a long builtin near its memory limit leaves the event loop free, and is stopped', async () => {
  let ticks = 0
  const interval = setInterval(() => ticks++, 10)
  const started = performance.now()
  const out = await runScript({
    script: 'const a = []; while (true) a.push(new Array(100000).fill(1))',
    globals: {},
    limits: {memoryBytes: 16 * 1024 * 1024, timeoutMs: 1000},
  })
  const elapsed = performance.now() - started
  clearInterval(interval)
  assert.equal(out.ok, false, JSON.stringify(out))
  if (!out.ok) assert.ok(['timeout', 'memory'].includes(out.error.kind), out.error.message)
  // A free event loop fires a 10 ms interval about elapsed/10 times; a blocked one once or twice.
  const expected = elapsed / 10
  assert.ok(
    ticks >= expected * 0.3,
    `the event loop was blocked: ${ticks} ticks of 10 ms in ${elapsed.toFixed(0)} ms (expected about ${expected.toFixed(0)})`,
  )
  // And the next script is served, tool calls included.
  const next = await runScript({script: 'return (await echo.say({text: "hi"})).said', globals: {echo}})
  assert.deepEqual(next.ok && next.value, 'hi')
})

test('the client cancelling stops a script stuck in a long builtin at once', async () => {
  const controller = new AbortController()
  const run = runScript({
    script: 'const a = []; while (true) a.push(new Array(100000).fill(1))',
    globals: {},
    limits: {memoryBytes: 16 * 1024 * 1024, timeoutMs: 60_000},
    signal: controller.signal,
  })
  setTimeout(() => controller.abort(), 200)
  const out = await run
  assert.equal(out.ok, false)
  if (!out.ok) assert.equal(out.error.kind, 'cancelled', out.error.message)
})
