import type {
  QuickJSContext,
  QuickJSDeferredPromise,
  QuickJSHandle,
  QuickJSRuntime,
  QuickJSSyncVariant,
  QuickJSWASMModule,
} from 'quickjs-emscripten-core'

import {
  DEFAULT_LIMITS,
  formatBytes,
  memoryError,
  timeoutError,
  type HostFunction,
  type SandboxLimits,
  type ScriptError,
  type ScriptOutcome,
  type ScriptRun,
} from './limits.js'

/**
 * The QuickJS side of code mode, run inside a worker thread (./worker.ts, started by ./sandbox.ts): one
 * script at a time, each in a fresh QuickJS runtime and context (about 0.3 ms), with a memory limit, a
 * stack limit and an interrupt handler for its wall time; what one run does to its globals or prototypes
 * is gone with it. The host functions it is given post messages to the main thread.
 */

/**
 * Set up inside each fresh context before the script: console, the tool namespaces, and the serialiser
 * of the result. It keeps its own references to JSON and Object functions, so a script that replaces
 * them (`JSON.stringify = …`) changes what it sees, never what crosses to the host. The host functions
 * are reachable only through these closures, not as globals.
 */
const BOOTSTRAP = `(function (hostCall, hostLog, spec) {
  'use strict'
  const stringify = JSON.stringify, parse = JSON.parse, keys = Object.keys, freeze = Object.freeze
  const define = Object.defineProperty, isArray = Array.isArray
  const show = (v) => {
    if (typeof v === 'string') return v
    try { const s = stringify(v); return s === undefined ? String(v) : s } catch (e) { return String(v) }
  }
  const log = (level) => function () {
    let line = ''
    for (let i = 0; i < arguments.length; i++) line += (i ? ' ' : '') + show(arguments[i])
    hostLog(level, line)
  }
  define(globalThis, 'console', {value: freeze({
    log: log('log'), info: log('info'), warn: log('warn'), error: log('error'), debug: log('debug'),
  })})
  for (const [ns, fns] of parse(spec)) {
    const obj = {}
    for (const [fn, id] of fns) {
      define(obj, fn, {enumerable: true, value: freeze(async function (args) {
        return parse(await hostCall(id, stringify(args === undefined ? {} : args)))
      })})
    }
    define(globalThis, ns, {value: freeze(obj), enumerable: true})
  }
  const bad = (what, path) => { throw new TypeError('\\u0000' + what + ' at ' + path) }
  const check = (v, path, seen) => {
    const t = typeof v
    if (t === 'function') bad('a function', path)
    if (t === 'bigint') bad('a BigInt (convert it with String() or Number())', path)
    if (t === 'symbol') bad('a Symbol', path)
    if (v === null || t !== 'object') return
    for (let i = 0; i < seen.length; i++) if (seen[i] === v) bad('a circular reference', path)
    seen.push(v)
    const ks = keys(v), arr = isArray(v)
    for (let i = 0; i < ks.length; i++) check(v[ks[i]], arr ? path + '[' + ks[i] + ']' : path + '.' + ks[i], seen)
    seen.pop()
  }
  return function serialise(value) {
    if (value === undefined) return undefined
    check(value, 'the return value', [])
    return stringify(value)
  }
})`

/** Marks the serialiser's own TypeErrors (a value that cannot become JSON), as opposed to the script's. */
const NOT_SERIALISABLE = '\u0000'

/** The WebAssembly module, compiled once per worker (about 150 ms); every run gets its own runtime in it. */
export async function loadQuickJS(wasm: ArrayBuffer | undefined): Promise<QuickJSWASMModule> {
  const [{newQuickJSWASMModuleFromVariant, newVariant}, variantModule] = await Promise.all([
    import('quickjs-emscripten-core'),
    import('@jitl/quickjs-wasmfile-release-sync'),
  ])
  // An ES module with a default export; its types describe the CommonJS build.
  const variant = (variantModule as unknown as {default: QuickJSSyncVariant}).default
  return newQuickJSWASMModuleFromVariant(wasm ? newVariant(variant, {wasmBinary: wasm}) : variant)
}

/** A tool's answer already as JSON text (from the main thread): handed to the script as is. */
export class JsonText {
  constructor(readonly text: string) {}
}

export interface EngineRun extends ScriptRun {
  /** Each console line kept, as it is written (the main thread keeps them if the run is stopped). */
  onLog?: ((line: string) => void) | undefined
}

/**
 * Run one script to its end: a value, or an error that says what happened. Never throws for the
 * script's doing. `sound` is false when the module's state cannot be trusted any more (the host's stack
 * overflowed inside it, or QuickJS aborted): the worker is then replaced.
 */
export async function runInEngine(
  module: QuickJSWASMModule,
  run: EngineRun,
): Promise<{outcome: ScriptOutcome; sound: boolean}> {
  const execution = new Execution(module, run)
  let outcome: ScriptOutcome
  let sound = true
  try {
    outcome = await execution.run()
  } catch (err) {
    // Not the script's exception (those come back as values) but the engine's: the host's own stack ran
    // out inside the interpreter, or QuickJS aborted. This run fails; the next gets a fresh worker.
    sound = false
    const hostStack = err instanceof RangeError
    outcome = {
      ok: false,
      logs: [],
      calls: 0,
      error: hostStack
        ? {
            kind: 'stack',
            message: 'the script recursed too deeply and was stopped: use a loop instead of deep recursion',
          }
        : {kind: 'sandbox', message: `the sandbox failed (${(err as Error).message}); call again`},
    }
  }
  if (!execution.dispose()) sound = false
  return {outcome, sound}
}

/** One run: its runtime, context, pending tool calls and captured output. */
class Execution {
  private readonly limits: SandboxLimits
  private readonly deadline: number
  private readonly runtime: QuickJSRuntime
  private readonly vm: QuickJSContext
  private readonly handles: QuickJSHandle[] = []
  private readonly pending = new Set<QuickJSDeferredPromise>()
  private readonly logs: string[] = []
  private logBytes = 0
  private logsDropped = false
  private calls = 0
  /** Set when the run must end whatever the script does next (a limit, the client cancelling). */
  private fatal: ScriptError | undefined
  private readonly abort = new AbortController()
  private wake: (() => void) | undefined
  private alive = true
  /** Host functions by the id the script calls them with. */
  private readonly functions: Array<{name: string; fn: HostFunction}> = []

  constructor(
    private readonly module: QuickJSWASMModule,
    private readonly spec: EngineRun,
  ) {
    this.limits = {...DEFAULT_LIMITS, ...spec.limits}
    this.deadline = Date.now() + this.limits.timeoutMs
    this.runtime = module.newRuntime()
    this.runtime.setMemoryLimit(this.limits.memoryBytes)
    this.runtime.setMaxStackSize(this.limits.stackBytes)
    // Called regularly while the interpreter runs: ends loops that never yield.
    this.runtime.setInterruptHandler(
      () => this.fatal !== undefined || Date.now() > this.deadline || spec.signal?.aborted === true,
    )
    this.vm = this.runtime.newContext()
  }

  async run(): Promise<ScriptOutcome> {
    const serialise = this.bootstrap()
    const evaluated = this.vm.evalCode(`(async () => {${this.spec.script}\n})()`, 'script.js')
    if (evaluated.error) return this.failed(this.classify(this.take(evaluated.error), 'syntax'))
    const promise = this.take(evaluated.value)
    const onAbort = () => this.stop({kind: 'cancelled', message: 'the client cancelled the call'})
    this.spec.signal?.addEventListener('abort', onAbort)
    const timer = setTimeout(
      () => this.stop(timeoutError(this.limits)),
      Math.max(0, this.deadline - Date.now()),
    )
    try {
      for (;;) {
        const jobs = this.runtime.executePendingJobs()
        if (jobs.error) return this.failed(this.classify(this.take(jobs.error), 'threw'))
        if (this.fatal) return this.failed(this.fatal)
        const state = this.vm.getPromiseState(promise)
        if (state.type === 'fulfilled') {
          const value = this.take(state.value)
          if (state.notAPromise) return this.failed({kind: 'sandbox', message: 'the script did not run'})
          return this.result(serialise, value)
        }
        if (state.type === 'rejected') return this.failed(this.classify(this.take(state.error), 'threw'))
        if (this.pending.size === 0)
          return this.failed({
            kind: 'never-settles',
            message:
              'the script is waiting on a promise that nothing will settle (there are no timers or events in the sandbox, only tool calls): await the tool functions directly',
          })
        await new Promise<void>((resolve) => (this.wake = resolve))
      }
    } finally {
      clearTimeout(timer)
      this.spec.signal?.removeEventListener('abort', onAbort)
    }
  }

  /** End the run now: a limit or the client. The loop wakes and reports it; tool calls in flight are aborted. */
  private stop(error: ScriptError): void {
    this.fatal ??= error
    this.abort.abort(new Error(error.message))
    this.wake?.()
  }

  /** Release everything; false when the module is no longer safe to use (see discardModule). */
  dispose(): boolean {
    this.alive = false
    this.abort.abort(new Error('the script ended'))
    try {
      for (const d of this.pending) d.dispose()
      this.pending.clear()
      for (const h of this.handles) if (h.alive) h.dispose()
      this.vm.dispose()
      this.runtime.dispose()
      return true
    } catch {
      return false
    }
  }

  /** Own a handle until the run ends. */
  private take(handle: QuickJSHandle): QuickJSHandle {
    this.handles.push(handle)
    return handle
  }

  private bootstrap(): QuickJSHandle {
    const spec: Array<[string, Array<[string, number]>]> = []
    for (const [ns, fns] of Object.entries(this.spec.globals)) {
      const entries: Array<[string, number]> = []
      for (const [name, fn] of Object.entries(fns)) {
        entries.push([name, this.functions.length])
        this.functions.push({name: `${ns}.${name}`, fn})
      }
      spec.push([ns, entries])
    }
    const vm = this.vm
    const setup = this.take(vm.unwrapResult(vm.evalCode(BOOTSTRAP, 'bootstrap.js')))
    const hostCall = this.take(
      vm.newFunction('call', (id, text) => this.hostCall(vm.getNumber(id), vm.getString(text))),
    )
    const hostLog = this.take(
      vm.newFunction('log', (level, line) => this.log(vm.getString(level), vm.getString(line))),
    )
    const specText = this.take(vm.newString(JSON.stringify(spec)))
    return this.take(vm.unwrapResult(vm.callFunction(setup, vm.undefined, hostCall, hostLog, specText)))
  }

  private log(level: string, line: string): void {
    if (this.logsDropped) return
    const text = level === 'log' ? line : `[${level}] ${line}`
    const bytes = Buffer.byteLength(text) + 1
    if (this.logBytes + bytes > this.limits.maxLogBytes) {
      this.logsDropped = true
      const note = `… console output over ${formatBytes(this.limits.maxLogBytes)} was dropped`
      this.logs.push(note)
      this.spec.onLog?.(note)
      return
    }
    this.logBytes += bytes
    this.logs.push(text)
    this.spec.onLog?.(text)
  }

  /** The script called a tool function: a promise in the VM, settled when the host call settles. */
  private hostCall(id: number, text: string): QuickJSHandle {
    const deferred = this.vm.newPromise()
    this.pending.add(deferred)
    const target = this.functions[id]
    // Settled after the handle is returned: settling disposes the deferred.
    const refuse = (err: Error) => queueMicrotask(() => this.settle(deferred, err))
    if (!target) {
      refuse(new Error('no such function'))
      return deferred.handle
    }
    if (++this.calls > this.limits.maxCalls) {
      this.stop({
        kind: 'calls',
        message: `the script made more than ${this.limits.maxCalls} tool calls (code mode's limit per run) and was stopped: do the work in several runs, or call a tool that does more at once`,
      })
      return deferred.handle
    }
    let args: unknown
    try {
      args = JSON.parse(text)
    } catch {
      args = undefined
    }
    if (args === null || typeof args !== 'object' || Array.isArray(args)) {
      refuse(new TypeError(`${target.name}() takes one object of arguments, e.g. ${target.name}({})`))
      return deferred.handle
    }
    target.fn(args as Record<string, unknown>, this.abort.signal).then(
      (value) => this.settle(deferred, undefined, value),
      (err: unknown) => this.settle(deferred, err instanceof Error ? err : new Error(String(err))),
    )
    return deferred.handle
  }

  /** Settle a tool call's promise inside the VM (unless the run is over), and wake the loop. */
  private settle(deferred: QuickJSDeferredPromise, error: Error | undefined, value?: unknown): void {
    this.pending.delete(deferred)
    if (!this.alive || !deferred.alive) return
    try {
      if (error) {
        const handle = this.vm.newError({
          name: error.name === 'TypeError' ? 'TypeError' : 'ToolError',
          message: error.message,
        })
        deferred.reject(handle)
        handle.dispose()
      } else {
        const handle = this.vm.newString(
          value instanceof JsonText ? value.text : JSON.stringify(value ?? null),
        )
        deferred.resolve(handle)
        handle.dispose()
      }
    } catch {
      // The VM could not even hold the answer (its memory limit): the run ends with that.
      this.stop(memoryError(this.limits))
    }
    deferred.dispose()
    this.wake?.()
  }

  private result(serialise: QuickJSHandle, value: QuickJSHandle): ScriptOutcome {
    const out = this.vm.callFunction(serialise, this.vm.undefined, value)
    if (out.error) return this.failed(this.classify(this.take(out.error), 'threw'))
    const json = this.take(out.value)
    if (this.vm.typeof(json) === 'undefined')
      return {ok: true, value: undefined, logs: this.logs, calls: this.calls}
    const text = this.vm.getString(json)
    const size = Buffer.byteLength(text)
    if (size > this.limits.maxResultBytes)
      return this.failed({
        kind: 'result-size',
        message: `the script's return value is ${formatBytes(size)} as JSON, over code mode's limit of ${formatBytes(this.limits.maxResultBytes)}: return a smaller value (a summary, the fields you need)`,
      })
    return {ok: true, value: JSON.parse(text) as unknown, logs: this.logs, calls: this.calls}
  }

  private failed(error: ScriptError): ScriptOutcome {
    return {ok: false, error: this.fatal ?? error, logs: this.logs, calls: this.calls}
  }

  /** What an exception out of the VM means: a limit, a syntax error, or the script's own throw. */
  private classify(handle: QuickJSHandle, fallback: 'syntax' | 'threw'): ScriptError {
    if (this.fatal) return this.fatal
    let dumped: unknown
    try {
      dumped = this.vm.dump(handle)
    } catch {
      dumped = undefined
    }
    const e = (dumped && typeof dumped === 'object' ? dumped : {}) as {
      name?: unknown
      message?: unknown
      stack?: unknown
    }
    const name = typeof e.name === 'string' ? e.name : undefined
    const message = typeof e.message === 'string' ? e.message : undefined
    if (name === 'InternalError' && message === 'interrupted')
      return this.spec.signal?.aborted
        ? {kind: 'cancelled', message: 'the client cancelled the call'}
        : timeoutError(this.limits)
    if (name === 'InternalError' && message === 'out of memory') return memoryError(this.limits)
    if ((name === 'InternalError' || name === 'RangeError') && message === 'stack overflow')
      return {
        kind: 'stack',
        message: `the script recursed too deeply (code mode's stack limit is ${formatBytes(this.limits.stackBytes)}) and was stopped: use a loop instead of deep recursion`,
      }
    if (name === 'TypeError' && message?.startsWith(NOT_SERIALISABLE))
      return {
        kind: 'not-serialisable',
        message: `the script returned something that cannot be sent back as JSON: ${message.slice(1)}. Return plain data (objects, arrays, strings, numbers, booleans, null)`,
      }
    const where = typeof e.stack === 'string' ? /script\.js:(\d+)(?::(\d+))?/.exec(e.stack) : null
    const at = where ? ` (line ${where[1]})` : ''
    const what =
      name !== undefined || message !== undefined
        ? `${name ?? 'Error'}: ${message ?? ''}`
        : describeThrown(dumped)
    if (fallback === 'syntax' && name === 'SyntaxError')
      return {kind: 'syntax', message: `the script does not parse: ${what}${at}. Fix it and call again`}
    return {kind: 'threw', message: `the script threw ${what}${at}`}
  }
}

function describeThrown(value: unknown): string {
  try {
    return `the value ${JSON.stringify(value) ?? String(value)}`
  } catch {
    return 'a value'
  }
}
