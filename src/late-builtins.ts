import {lazyRequire} from './lazy-require.js'

/**
 * Node's own modules that only some runs use, loaded at their first use: the gateway's stdio `initialize`
 * answer must not wait for them (test/e2e/gateway-startup-order.test.ts lists what is loaded by then).
 * Through lazyRequire, not import(): the single file's V8 code cache has no dynamic import.
 */
export const lateHttp = () => lazyRequire('node:http') as typeof import('node:http')
/** With node:tls: about 10 ms to load. */
export const lateHttps = () => lazyRequire('node:https') as typeof import('node:https')
export const lateChildProcess = () => lazyRequire('node:child_process') as typeof import('node:child_process')
export const lateWorkerThreads = () =>
  lazyRequire('node:worker_threads') as typeof import('node:worker_threads')
