import {existsSync} from 'node:fs'
import path from 'node:path'
import {fileURLToPath, pathToFileURL} from 'node:url'

/**
 * What a code-mode worker thread runs (./worker.ts). Installed from npm: the compiled `worker.js`, beside
 * this module or, in the bundle (scripts/bundle.mjs), under `dist/bundle/src/gateway/codemode/`. Run from
 * the TypeScript sources (tests under tsx): a tiny script that registers tsx in the thread (a worker does
 * not inherit `--import tsx`) and imports `worker.ts`. The single executable has no files: its build
 * (scripts/build-binary.mjs) swaps this module for `src/single-file/codemode-worker.ts`, which returns
 * the worker's bundled code, one of its assets.
 */
export interface WorkerSource {
  source: string | URL
  eval: boolean
}

const WORKER = path.join('src', 'gateway', 'codemode', 'worker.js')

export function workerSource(): WorkerSource {
  const here = import.meta.url
  if (here.endsWith('.ts')) {
    const tsx = import.meta.resolve('tsx/esm/api')
    const worker = new URL('./worker.ts', here).href
    return {
      source: `import(${JSON.stringify(tsx)}).then((m) => { m.register(); return import(${JSON.stringify(worker)}) })`,
      eval: true,
    }
  }
  const sibling = new URL('./worker.js', here)
  if (existsSync(fileURLToPath(sibling))) return {source: sibling, eval: false}
  // Bundled into a chunk: the worker is an entry of the same bundle, found from a directory above.
  for (let dir = path.dirname(fileURLToPath(here)); ;) {
    const file = path.join(dir, WORKER)
    if (existsSync(file)) return {source: pathToFileURL(file), eval: false}
    const up = path.dirname(dir)
    if (up === dir) throw new Error(`code mode's worker (${WORKER}) is missing from this installation`)
    dir = up
  }
}
