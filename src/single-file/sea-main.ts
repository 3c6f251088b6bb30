import {getAsset} from 'node:sea'
import vm from 'node:vm'

import {pluginMetadata} from '../plugin/metadata.js'
import {MAIN_ASSET, MAIN_CODE_CACHE_ASSET, MAIN_FILENAME, wrapMainScript} from './main-script.js'

/**
 * The single executable's main script. Docker runs the plugin with `docker-cli-plugin-metadata` before
 * every `docker mcp …` (and for `docker --help`): answered here, before the bundle of every command is
 * compiled (the npm launcher answers it in shell). Anything else runs that bundle, compiled with the code
 * cache made at build time (a cache V8 refuses, another node's or other flags', only costs a compile).
 */
const argv = process.argv.slice(2)
if (argv.length === 1 && argv[0] === 'docker-cli-plugin-metadata') {
  const pkg = JSON.parse(getAsset('package.json', 'utf8')) as {version: string; homepage?: string}
  process.stdout.write(JSON.stringify(pluginMetadata(pkg)) + '\n')
} else {
  const script = new vm.Script(wrapMainScript(getAsset(MAIN_ASSET, 'utf8')), {
    filename: MAIN_FILENAME,
    cachedData: Buffer.from(getAsset(MAIN_CODE_CACHE_ASSET)),
  })
  const run = script.runInThisContext() as (...args: unknown[]) => void
  // The SEA's own module variables: its require() loads built-in modules only, as the bundle expects.
  run.call(module.exports, module.exports, require, module, __filename, __dirname)
}
