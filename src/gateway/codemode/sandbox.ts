import type {Worker} from 'node:worker_threads'

import {lateWorkerThreads} from '../../late-builtins.js'

import {
  DEFAULT_LIMITS,
  memoryError,
  timeoutError,
  type ScriptError,
  type ScriptOutcome,
  type ScriptRun,
} from './limits.js'
import {quickjsWasm} from './wasm.js'
import type {FromWorker, ToWorker, WorkerInput} from './worker.js'
import {workerSource} from './worker-source.js'

export * from './limits.js'

/**
 * The code-mode sandbox: a script runs in QuickJS compiled to WebAssembly, a separate JavaScript engine
 * with its own heap inside the wasm instance's memory, and that engine runs in a worker thread
 * (./worker.ts, ./engine.ts), never on the gateway's own thread. Nothing of the host exists in there (no
 * process, require, import, timers, fetch, file system): the only way out is the tool functions, which
 * are messages to this thread carrying JSON, so no object ever crosses by reference. Each run gets a fresh
 * QuickJS runtime and context, with a memory limit, a stack limit and an interrupt handler for its wall
 * time; what one run does to its globals or prototypes is gone with it.
 *
 * Why a thread: QuickJS runs synchronously, and some of its work cannot be interrupted (one builtin call
 * near the memory limit collects garbage on every allocation: tens of seconds). The wall-time limit and
 * the client's cancel are enforced from here with `worker.terminate()`, which stops the thread even
 * inside such a call, while the gateway goes on serving everyone else. The thread's own `resourceLimits`
 * bound its JavaScript heap as a second line.
 *
 * Start-up: one worker is kept warm (QuickJS compiled), so a run does not pay a thread start and a wasm
 * compile (together ~100–200 ms). A worker whose run ended normally serves the next run (each run has its
 * own QuickJS runtime anyway); one that was stopped or failed is terminated and replaced in the background.
 *
 * This is the difference from `node:vm` (same heap and engine, escapable through any host object that
 * leaks in) and vm2 (discontinued after repeated escapes).
 */

/** The worker thread's own heap: our code, messages and JSON text in transit (QuickJS's memory is apart). */
const RESOURCE_LIMITS = {maxOldGenerationSizeMb: 128, maxYoungGenerationSizeMb: 16, stackSizeMb: 4}

let spare: Promise<Worker> | undefined

/** A new worker, resolved once QuickJS is compiled in it. */
function spawn(): Promise<Worker> {
  return (async () => {
    // node:worker_threads on the first run: the gateway loads this module at start, to list code mode's tool.
    const {Worker} = lateWorkerThreads()
    const wasm = await quickjsWasm()
    const {source, eval: isEval} = workerSource()
    const input: WorkerInput = {wasm}
    const worker = new Worker(source, {
      eval: isEval,
      workerData: input,
      resourceLimits: RESOURCE_LIMITS,
    })
    // An idle worker does not keep the process alive.
    worker.unref()
    await new Promise<void>((resolve, reject) => {
      const done = () => {
        worker.off('message', onMessage)
        worker.off('error', onError)
        worker.off('exit', onExit)
      }
      const onMessage = (m: FromWorker) => {
        if (m.type !== 'ready') return
        done()
        resolve()
      }
      const onError = (err: Error) => {
        done()
        void worker.terminate()
        reject(err)
      }
      const onExit = (code: number) => {
        done()
        reject(new Error(`the code-mode worker exited with code ${code} while starting`))
      }
      worker.on('message', onMessage)
      worker.on('error', onError)
      worker.on('exit', onExit)
    })
    // Should it die while it is the spare, it is no longer the spare.
    worker.once('exit', () => {
      void spare?.then(
        (w) => {
          if (w === worker) spare = undefined
        },
        () => undefined,
      )
    })
    return worker
  })()
}

/** Have a warm worker ready (in the background). */
export function prewarmSandbox(): void {
  if (spare) return
  const s = spawn()
  spare = s
  s.catch(() => {
    if (spare === s) spare = undefined
  })
}

/** Wait until a warm worker is ready (benchmarks, tests); rejects if one cannot start. */
export async function warmSandbox(): Promise<void> {
  prewarmSandbox()
  await spare
}

async function take(): Promise<Worker> {
  const s = spare
  spare = undefined
  if (s) {
    try {
      return await s
    } catch {
      // Start a fresh one below.
    }
  }
  return spawn()
}

/** A worker whose run ended normally: the warm one, unless there already is one. */
function giveBack(worker: Worker): void {
  worker.unref()
  if (spare) {
    void worker.terminate()
    return
  }
  spare = Promise.resolve(worker)
}

/** Run one script to its end: a value, or an error that says what happened. Never throws for the script's doing. */
export async function runScript(run: ScriptRun): Promise<ScriptOutcome> {
  const limits = {...DEFAULT_LIMITS, ...run.limits}
  const cancelled: ScriptError = {kind: 'cancelled', message: 'the client cancelled the call'}
  if (run.signal?.aborted) return {ok: false, error: cancelled, logs: [], calls: 0}
  let worker: Worker
  try {
    worker = await take()
  } catch (err) {
    prewarmSandbox()
    return {
      ok: false,
      logs: [],
      calls: 0,
      error: {
        kind: 'sandbox',
        message: `the sandbox failed to start (${(err as Error).message}); call again`,
      },
    }
  }
  worker.ref()
  const logs: string[] = []
  let calls = 0
  let finished = false
  const abort = new AbortController()
  const post = (message: ToWorker) => {
    if (!finished) worker.postMessage(message)
  }

  return new Promise<ScriptOutcome>((resolve) => {
    const finish = (outcome: ScriptOutcome, reuse: boolean) => {
      if (finished) return
      finished = true
      clearTimeout(timer)
      run.signal?.removeEventListener('abort', onAbort)
      worker.off('message', onMessage)
      worker.off('error', onError)
      worker.off('exit', onExit)
      abort.abort(new Error(outcome.ok ? 'the script ended' : outcome.error.message))
      if (reuse) giveBack(worker)
      else {
        // A hard stop: works even while QuickJS is inside a long builtin. A fresh worker warms up meanwhile.
        void worker.terminate()
        prewarmSandbox()
      }
      resolve(outcome)
    }
    const stopped = (error: ScriptError) => finish({ok: false, error, logs, calls}, false)
    const onAbort = () => stopped(cancelled)
    const timer = setTimeout(() => stopped(timeoutError(limits)), limits.timeoutMs)
    const onMessage = (m: FromWorker) => {
      if (m.type === 'log') logs.push(m.line)
      else if (m.type === 'call') {
        calls++
        void hostCall(m)
      } else if (m.type === 'done') finish(m.outcome, m.sound)
    }
    const onError = (err: Error & {code?: string}) =>
      stopped(
        err.code === 'ERR_WORKER_OUT_OF_MEMORY'
          ? memoryError(limits)
          : {kind: 'sandbox', message: `the sandbox failed (${err.message}); call again`},
      )
    const onExit = (code: number) =>
      stopped({kind: 'sandbox', message: `the sandbox stopped unexpectedly (exit code ${code}); call again`})

    const hostCall = async (m: Extract<FromWorker, {type: 'call'}>) => {
      const fns = Object.hasOwn(run.globals, m.ns) ? run.globals[m.ns] : undefined
      const fn = fns && Object.hasOwn(fns, m.name) ? fns[m.name] : undefined
      let message: ToWorker
      try {
        if (!fn) throw new Error('no such function')
        const value = await fn(m.args, abort.signal)
        message = {type: 'settle', call: m.call, value: JSON.stringify(value ?? null)}
      } catch (err) {
        const e = err instanceof Error ? err : new Error(String(err))
        message = {type: 'settle', call: m.call, error: {name: e.name, message: e.message}}
      }
      post(message)
    }

    run.signal?.addEventListener('abort', onAbort)
    worker.on('message', onMessage)
    worker.on('error', onError)
    worker.on('exit', onExit)
    const names: Record<string, string[]> = {}
    for (const [ns, fns] of Object.entries(run.globals)) names[ns] = Object.keys(fns)
    post({type: 'run', script: run.script, globals: names, limits: run.limits})
  })
}
