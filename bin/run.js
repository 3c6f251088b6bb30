#!/usr/bin/env node
// Entry point of the docker-mcp CLI plugin. Docker runs `docker-mcp docker-cli-plugin-metadata` before
// every `docker mcp ...` and for every `docker --help`, so that answer must come before anything loads
// (the installed launcher answers it in shell; this copy serves `node bin/run.js` and npm installs).
import {readFileSync} from 'node:fs'
import {fileURLToPath} from 'node:url'

const argv = process.argv.slice(2)
if (argv.length === 1 && argv[0] === 'docker-cli-plugin-metadata') {
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'))
  process.stdout.write(
    JSON.stringify({
      SchemaVersion: '0.1.0',
      Vendor: 'docker-mcp contributors',
      Version: pkg.version,
      ShortDescription: 'Docker MCP Plugin',
      URL: pkg.homepage ?? '',
    }) + '\n',
  )
} else if (argv[0] === '__complete' || argv[0] === '__completeNoDesc') {
  // Docker completes `docker mcp …` by running `docker-mcp __complete mcp <words…> <word>` (cobra's
  // protocol) and passing our stdout to the shell: answered from the manifest, without loading oclif.
  const {runCompletion} = await import('../dist/bundle/src/cli/completion.js')
  const words = argv[1] === 'mcp' ? argv.slice(2) : argv.slice(1)
  const out = await runCompletion(words, {
    root: fileURLToPath(new URL('..', import.meta.url)),
    noDescriptions: argv[0] === '__completeNoDesc',
  })
  process.stderr.write(out.stderr)
  // Exit once stdout is flushed: a keychain connection left open must not keep the shell waiting.
  process.stdout.write(out.stdout, () => process.exit(0))
} else {
  const {normalizeArgv, dockerOptionsToEnv} = await import('../dist/bundle/src/plugin/argv.js')
  const {args, docker} = normalizeArgv(argv)
  for (const [key, value] of Object.entries(dockerOptionsToEnv(docker))) {
    if (value === '') delete process.env[key]
    else process.env[key] = value
  }
  if (!(await runGatewayWithoutOclif(args))) {
    // oclif checks node against its own `engines` as it loads, with `semver`: 48 more files to load on
    // every command (a quarter of what oclif loads) for a check package.json's `engines` already makes.
    process.env.OCLIF_DISABLE_ENGINE_WARNING ??= '1'
    const {runOclif} = await import('../dist/bundle/src/cli/run-oclif.js')
    await runOclif(args, {root: fileURLToPath(new URL('..', import.meta.url)).replace(/[\\/]$/, '')})
  }
}

/** MCP clients launch the gateway on every start and time out on a slow `initialize`: skip oclif there. */
async function runGatewayWithoutOclif(args) {
  if (args[0] !== 'gateway' || args[1] !== 'run' || args.includes('--help') || args.includes('-h'))
    return false
  const {runGatewayFast} = await import('../dist/bundle/src/cli/gateway-fast-path.js')
  return runGatewayFast(args.slice(2), fileURLToPath(new URL('..', import.meta.url)).replace(/\/$/, ''))
}
