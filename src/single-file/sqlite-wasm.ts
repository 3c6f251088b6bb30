import {getAsset} from 'node:sea'

/**
 * `src/profiles/sqlite-wasm.ts` in the single executable: sql.js's WebAssembly is one of its assets
 * (scripts/build-binary.mjs), since there is no node_modules to read it from.
 */
export async function sqliteWasm(): Promise<ArrayBuffer> {
  return getAsset('sql-wasm.wasm')
}
