#!/usr/bin/env node
// Entry point of the docker-mcp CLI plugin. Docker runs `docker-mcp docker-cli-plugin-metadata` before
// every `docker mcp ...` and for every `docker --help`, so that answer must come before anything loads.
import {readFileSync} from 'node:fs'

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
} else {
  const {normalizeArgv, dockerOptionsToEnv} = await import('../dist/src/plugin/argv.js')
  const {args, docker} = normalizeArgv(argv)
  for (const [key, value] of Object.entries(dockerOptionsToEnv(docker))) {
    if (value === '') delete process.env[key]
    else process.env[key] = value
  }
  // oclif reads process.argv again when it renders usage for a flag error; keep it consistent.
  process.argv = [process.argv[0], process.argv[1], ...args]
  const {execute} = await import('@oclif/core')
  await execute({args, dir: import.meta.url})
}
