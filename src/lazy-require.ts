import {createRequire} from 'node:module'

/**
 * require() for CommonJS packages loaded on first use (yaml's stringify, dockerode). The single-file
 * build (scripts/build-binary.mjs) swaps this module for `src/single-file/lazy-require.ts`, which
 * returns the copies bundled into the executable: there is no node_modules beside it to resolve from.
 */
export const lazyRequire: NodeJS.Require = createRequire(import.meta.url)
