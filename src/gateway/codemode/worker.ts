import {parentPort, workerData} from 'node:worker_threads'

import type {QuickJSWASMModule} from 'quickjs-emscripten-core'

import {JsonText, loadQuickJS, runInEngine} from './engine.js'
import type {HostFunction, ScriptOutcome, SandboxLimits} from './limits.js'

/**
 * A code-mode worker thread (started by ./sandbox.ts): compiles QuickJS once, says `ready`, then runs the
 * scripts the main thread sends, one at a time. A script's tool calls are messages to the main thread,
 * which makes the call and posts the answer back as JSON text. Nothing here touches the gateway: the
 * main thread can end this thread at any moment (`worker.terminate()`), even inside a long builtin.
 */

/** Main thread → worker. */
export type ToWorker =
  | {
      type: 'run'
      script: string
      /** Function names by namespace. */
      globals: Record<string, string[]>
      limits: Partial<SandboxLimits> | undefined
    }
  | {type: 'settle'; call: number; value?: string; error?: {name: string; message: string}}

/** Worker → main thread. */
export type FromWorker =
  | {type: 'ready'}
  | {type: 'call'; call: number; ns: string; name: string; args: Record<string, unknown>}
  | {type: 'log'; line: string}
  | {type: 'done'; outcome: ScriptOutcome; sound: boolean}

export interface WorkerInput {
  /** QuickJS's WebAssembly, when the variant package cannot find its own file (the single executable). */
  wasm?: ArrayBuffer | undefined
}

// A worker's stdout is the process's, the stdio gateway's channel: whatever prints here goes to stderr.
// (A `stdout: true` worker, piped elsewhere, keeps the process alive even when unref'd.)
console.log = console.info = console.debug = console.error

const port = parentPort
if (!port) throw new Error('the code-mode worker runs only as a worker thread')

const post = (message: FromWorker): void => port.postMessage(message)
const pending = new Map<number, {resolve: (v: JsonText) => void; reject: (e: Error) => void}>()
let nextCall = 0

let module: QuickJSWASMModule

// Not a top-level await: the single executable bundles this file as CommonJS.
void loadQuickJS((workerData as WorkerInput | undefined)?.wasm).then((m) => {
  module = m
  port.on('message', onMessage)
  post({type: 'ready'})
})

function onMessage(message: ToWorker): void {
  if (message.type === 'settle') {
    const p = pending.get(message.call)
    pending.delete(message.call)
    if (!p) return
    if (message.error) {
      const err = new Error(message.error.message)
      err.name = message.error.name
      p.reject(err)
    } else p.resolve(new JsonText(message.value ?? 'null'))
    return
  }
  void run(message)
}

async function run(message: Extract<ToWorker, {type: 'run'}>): Promise<void> {
  const globals: Record<string, Record<string, HostFunction>> = {}
  for (const [ns, names] of Object.entries(message.globals)) {
    const fns: Record<string, HostFunction> = {}
    for (const name of names)
      fns[name] = (args) =>
        new Promise((resolve, reject) => {
          const call = nextCall++
          pending.set(call, {resolve, reject})
          post({type: 'call', call, ns, name, args})
        })
    globals[ns] = fns
  }
  const {outcome, sound} = await runInEngine(module, {
    script: message.script,
    globals,
    limits: message.limits,
    onLog: (line) => post({type: 'log', line}),
  })
  pending.clear()
  post({type: 'done', outcome, sound})
}
