import assert from 'node:assert/strict'
import {describe, test} from 'node:test'

import {
  runScript,
  type HostFunction,
  type ScriptErrorKind,
  type ScriptOutcome,
  type ScriptRun,
} from '../../../src/gateway/codemode/sandbox.js'

// Issue #17, code mode: the QuickJS sandbox alone, without a gateway. Every limit and every classic
// escape must end in a clean outcome (never a host exception, never host state changed), and the same
// module must then serve a normal script.

/** What the host functions saw, call by call. */
let seen: Array<{fn: string; args: Record<string, unknown>}> = []
const dice: Record<string, HostFunction> = {
  roll_dice: async (args) => {
    seen.push({fn: 'roll_dice', args})
    return {sides: args.sides ?? 6, rolls: [3]}
  },
  fail: async () => {
    throw new Error('the dice fell off the table')
  },
  slow: (_args, signal) =>
    new Promise((resolve, reject) => {
      signal.addEventListener('abort', () => reject(new Error('aborted')))
      void resolve
    }),
  text: async () => 'plain text',
}

async function run(script: string, extra: Partial<ScriptRun> = {}): Promise<ScriptOutcome> {
  seen = []
  return runScript({script, globals: {dice}, ...extra})
}

async function value(script: string, extra: Partial<ScriptRun> = {}): Promise<unknown> {
  const out = await run(script, extra)
  assert.ok(out.ok, `failed: ${JSON.stringify(out)}`)
  return out.value
}

async function fails(script: string, kind: ScriptErrorKind, extra: Partial<ScriptRun> = {}) {
  const out = await run(script, extra)
  assert.equal(out.ok, false, `should fail (${kind}): ${JSON.stringify(out)}`)
  if (!out.ok) assert.equal(out.error.kind, kind, out.error.message)
  if (!out.ok) return out.error.message
  return ''
}

/** After anything bad, the module still serves a normal script. */
async function stillServes(): Promise<void> {
  assert.equal(await value('const r = await dice.roll_dice({sides: 8}); return r.sides + 1'), 9)
}

describe('values in and out', () => {
  test('a script returns plain data; tool functions take objects and return parsed values', async () => {
    assert.deepEqual(await value('return {a: [1, "two", null, true], b: {c: 1.5}}'), {
      a: [1, 'two', null, true],
      b: {c: 1.5},
    })
    assert.equal(await value('const r = await dice.roll_dice({sides: 20}); return r.sides'), 20)
    assert.deepEqual(seen, [{fn: 'roll_dice', args: {sides: 20}}])
    assert.equal(await value('return await dice.text()'), 'plain text')
    assert.equal(await value('return 1 + 1'), 2)
    assert.equal(await value(''), undefined)
  })

  test('calls in parallel with Promise.all', async () => {
    assert.deepEqual(
      await value(
        'const rs = await Promise.all([1,2,3].map(s => dice.roll_dice({sides: s}))); return rs.map(r => r.sides)',
      ),
      [1, 2, 3],
    )
    assert.equal(seen.length, 3)
  })

  test('a tool error throws inside the script, and can be caught', async () => {
    assert.equal(
      await value('try { await dice.fail({}) } catch (e) { return e.name + ": " + e.message }'),
      'ToolError: the dice fell off the table',
    )
    const message = await fails('await dice.fail({})', 'threw')
    assert.match(message, /ToolError: the dice fell off the table/)
  })

  test('arguments must be one object', async () => {
    assert.match(await fails('await dice.roll_dice([1])', 'threw'), /takes one object of arguments/)
    assert.match(await fails('await dice.roll_dice(5)', 'threw'), /takes one object of arguments/)
  })

  test('console output is captured, in order, with levels', async () => {
    const out = await run('console.log("a", 1, {b: 2}); console.warn("careful"); return 3')
    assert.ok(out.ok)
    assert.deepEqual(out.logs, ['a 1 {"b":2}', '[warn] careful'])
  })

  test('console output beyond its limit is dropped with a note, the run still answers', async () => {
    const out = await run('for (let i = 0; i < 1000; i++) console.log("x".repeat(100)); return "done"', {
      limits: {maxLogBytes: 1024},
    })
    assert.ok(out.ok)
    assert.equal(out.value, 'done')
    assert.ok(out.logs.length < 20)
    assert.match(out.logs.at(-1)!, /console output over 1 KiB was dropped/)
  })

  test('a throw is reported with its line; a syntax error says it does not parse', async () => {
    assert.match(await fails('const a = 1\nnull.x', 'threw'), /TypeError: .*\(line 2\)/)
    assert.match(await fails('throw "plain"', 'threw'), /the value "plain"/)
    assert.match(await fails('return (', 'syntax'), /does not parse: SyntaxError/)
  })

  test('values that are not JSON are refused, naming where', async () => {
    assert.match(await fails('return () => 1', 'not-serialisable'), /a function at the return value/)
    assert.match(
      await fails('return {a: {f() {}}}', 'not-serialisable'),
      /a function at the return value\.a\.f/,
    )
    assert.match(await fails('const o = {}; o.self = o; return o', 'not-serialisable'), /circular reference/)
    assert.match(await fails('return [1, 2n]', 'not-serialisable'), /a BigInt .* at the return value\[1\]/)
    assert.match(await fails('return Symbol("s")', 'not-serialisable'), /a Symbol/)
    await stillServes()
  })

  test('a promise nothing settles ends the run instead of hanging', async () => {
    assert.match(await fails('await new Promise(() => {})', 'never-settles'), /nothing will settle/)
  })
})

describe('limits', () => {
  test('wall time: a loop that never yields is interrupted', async () => {
    assert.match(await fails('while (true) {}', 'timeout', {limits: {timeoutMs: 200}}), /longer than 0.2 s/)
    await stillServes()
  })

  test('wall time: a tool call that never answers is abandoned, and aborted', async () => {
    assert.match(await fails('await dice.slow({})', 'timeout', {limits: {timeoutMs: 200}}), /time limit/)
    await stillServes()
  })

  test('memory: a huge allocation fails cleanly', async () => {
    for (const script of [
      // Many small objects. (Large native builtins near the limit are slow in QuickJS: its GC runs on
      // every allocation there, and a builtin like fill() is not interruptible. See the README.)
      'const a = []; for (;;) a.push({x: a.length})',
      'return new Array(1e9).fill(0).length',
      'return "x".repeat(2 ** 28).length',
      'return new ArrayBuffer(2 ** 30).byteLength',
    ]) {
      assert.match(
        await fails(script, 'memory', {limits: {memoryBytes: 16 * 1024 * 1024}}),
        /more than 16 MiB/,
      )
      await stillServes()
    }
  })

  test('stack: deep recursion fails cleanly', async () => {
    for (const script of [
      'function f() { return f() + 1 } return f()',
      'function g(a, b) { return g([a], b) + 1 } return g(1, 2)',
      'const o = {}; o.toString = function () { return String(this) }; return String(o)',
      'return JSON.stringify((function mk(n) { return n ? [mk(n - 1)] : 1 })(100000))',
    ]) {
      assert.match(await fails(script, 'stack'), /recursed too deeply/)
      await stillServes()
    }
  })

  test('tool calls: one more than the limit stops the run, even if the script catches it', async () => {
    const message = await fails(
      'for (let i = 0; i < 10; i++) { try { await dice.roll_dice({}) } catch (e) {} } return "kept going"',
      'calls',
      {limits: {maxCalls: 3}},
    )
    assert.match(message, /more than 3 tool calls/)
    assert.equal(seen.length, 3, 'the fourth call never reached the host')
    await stillServes()
  })

  test('result size: a return value over the limit is refused', async () => {
    assert.match(
      await fails('return "x".repeat(5000)', 'result-size', {limits: {maxResultBytes: 1000}}),
      /over code mode's limit of 1000 bytes/,
    )
  })

  test('cancellation ends the run and aborts the call in flight', async () => {
    const controller = new AbortController()
    const out = run('await dice.slow({})', {signal: controller.signal})
    setImmediate(() => controller.abort())
    const done = await out
    assert.equal(done.ok, false)
    if (!done.ok) assert.equal(done.error.kind, 'cancelled')
    await stillServes()
  })
})

describe('escapes fail cleanly', () => {
  test('no host objects: process, require, Function constructor, dynamic import', async () => {
    assert.match(
      await fails("return this.constructor.constructor('return process')()", 'threw'),
      /process' is not defined/,
    )
    assert.match(
      await fails("return (async () => {}).constructor('return process')()", 'threw'),
      /process' is not defined/,
    )
    assert.match(
      await fails("return dice.roll_dice.constructor('return process')()", 'threw'),
      /process' is not defined/,
    )
    assert.equal(await value('return typeof globalThis.process'), 'undefined')
    assert.match(await fails("return require('fs')", 'threw'), /require' is not defined/)
    assert.match(
      await fails("const fs = await import('fs'); return typeof fs", 'threw'),
      /could not load module 'fs'/,
    )
    assert.deepEqual(
      await value(
        'return [typeof setTimeout, typeof fetch, typeof WebAssembly, typeof Buffer, typeof std, typeof os, typeof __dirname]',
      ),
      ['undefined', 'undefined', 'undefined', 'undefined', 'undefined', 'undefined', 'undefined'],
    )
    await stillServes()
  })

  test('prototype pollution stays inside the sandbox, and inside the run', async () => {
    await value('Object.prototype.polluted = 1; Array.prototype.polluted = 2; return 0')
    assert.equal(({} as Record<string, unknown>).polluted, undefined, 'host Object.prototype untouched')
    assert.equal(
      ([] as unknown as Record<string, unknown>).polluted,
      undefined,
      'host Array.prototype untouched',
    )
    assert.equal(await value('return typeof ({}).polluted'), 'undefined', 'the next run starts clean')
  })

  test('pollution does not reach what the host functions receive', async () => {
    await value('Object.prototype.injected = "yes"; await dice.roll_dice({sides: 4}); return 0')
    assert.deepEqual(seen, [{fn: 'roll_dice', args: {sides: 4}}])
    assert.equal(Object.getPrototypeOf(seen[0]!.args), Object.prototype)
    assert.equal((seen[0]!.args as Record<string, unknown>).injected, undefined)
    // A __proto__ key is an own property on the host (JSON.parse), never a prototype.
    await value('await dice.roll_dice(JSON.parse(\'{"__proto__": {"admin": true}}\')); return 0')
    assert.equal((seen[0]!.args as {admin?: unknown}).admin, undefined)
    assert.equal(({} as {admin?: unknown}).admin, undefined)
  })

  test('tampering with the bridge: tool functions and namespaces are frozen, JSON swaps do not cross', async () => {
    assert.match(await fails('"use strict"; dice.roll_dice = () => 1', 'threw'), /TypeError/)
    assert.match(await fails('"use strict"; dice.roll_dice.call = () => 1', 'threw'), /TypeError/)
    assert.match(await fails('"use strict"; globalThis.dice = {}', 'threw'), /TypeError/)
    assert.match(await fails('"use strict"; console.log = () => 1', 'threw'), /TypeError/)
    // Replacing JSON or prototypes the bridge could use changes nothing the host receives.
    const out = await value(`
      JSON.stringify = () => '{"sides": "hacked"}'
      JSON.parse = () => ({hacked: true})
      Function.prototype.call = Function.prototype.apply = () => 'hacked'
      Promise.prototype.then = function () { return 'hacked' }
      Object.defineProperty(Object.prototype, 'sides', {get() { return 'hacked' }, configurable: true})
      const r = await dice.roll_dice({sides: 12})
      delete Object.prototype.sides
      return r.rolls`)
    assert.deepEqual(out, [3])
    assert.deepEqual(seen, [{fn: 'roll_dice', args: {sides: 12}}])
    await stillServes()
  })

  test('an error from the host is a sandbox object: its constructor leads nowhere', async () => {
    assert.equal(
      await value(
        "try { await dice.fail({}) } catch (e) { return e.constructor.constructor('return typeof process')() }",
      ),
      'undefined',
    )
  })
})
