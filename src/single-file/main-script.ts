/**
 * The single executable runs its code in two steps (scripts/build-binary.mjs): the SEA's own main script
 * is small (src/single-file/sea-main.ts) and answers docker's `docker-cli-plugin-metadata` probe, which
 * comes before every `docker mcp …`, without compiling the rest; everything else runs the bundle of every
 * command, carried as an asset with V8's compiled code for it made at build time. The build and the
 * executable must compile the same text for that code to be accepted: both take it from here.
 */

/** Asset holding the bundle of every command (CommonJS). */
export const MAIN_ASSET = 'main.cjs'
/** Asset holding V8's code cache for the wrapped bundle (`vm.Script#createCachedData`). */
export const MAIN_CODE_CACHE_ASSET = 'main.cjs.cache'
/** File name the bundle's code is compiled under (stack traces name it). */
export const MAIN_FILENAME = 'docker-mcp-main.cjs'

/** The bundle as one function of CommonJS's module variables, like Node's own module wrapper. */
export function wrapMainScript(source: string): string {
  return `(function (exports, require, module, __filename, __dirname) {${source}\n})`
}
