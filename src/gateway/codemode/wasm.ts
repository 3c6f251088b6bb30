/**
 * Where QuickJS's WebAssembly comes from. Installed from npm, the variant package finds its own `.wasm`
 * file beside its code: nothing to give. The single executable has no node_modules: its build
 * (scripts/build-binary.mjs) swaps this module for `src/single-file/quickjs-wasm.ts`, which returns the
 * bytes it carries as an asset.
 */
export async function quickjsWasm(): Promise<ArrayBuffer | undefined> {
  return undefined
}
