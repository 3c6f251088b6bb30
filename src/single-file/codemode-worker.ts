import {getAsset} from 'node:sea'

import type {WorkerSource} from '../gateway/codemode/worker-source.js'

/**
 * `src/gateway/codemode/worker-source.ts` in the single executable: there is no file to start a worker
 * from, so code mode's worker is bundled on its own (scripts/build-binary.mjs) and carried as an asset,
 * run with `eval`. QuickJS's WebAssembly reaches it as bytes from the main thread (./quickjs-wasm.ts).
 */
export function workerSource(): WorkerSource {
  return {source: getAsset('codemode-worker.js', 'utf8'), eval: true}
}
