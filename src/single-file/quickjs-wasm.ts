import {getAsset} from 'node:sea'

/**
 * `src/gateway/codemode/wasm.ts` in the single executable: QuickJS's WebAssembly is one of its assets
 * (scripts/build-binary.mjs), since the bundled variant package cannot find its `.wasm` file on disk.
 */
export async function quickjsWasm(): Promise<ArrayBuffer | undefined> {
  return getAsset('quickjs.wasm')
}
