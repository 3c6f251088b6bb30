import {readFile} from 'node:fs/promises'
import {createRequire} from 'node:module'

/**
 * SQLite's WebAssembly for sql.js (`profile import-db`), as bytes: from node_modules when installed from
 * npm. The single executable has no node_modules: its build (scripts/build-binary.mjs) swaps this module
 * for `src/single-file/sqlite-wasm.ts`, which returns the bytes it carries as an asset.
 */
export async function sqliteWasm(): Promise<ArrayBuffer> {
  const file = createRequire(import.meta.url).resolve('sql.js/dist/sql-wasm.wasm')
  const bytes = await readFile(file)
  return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer
}
