#!/usr/bin/env node
// How many containers a stdio gateway starts for a number of calls to one per-call server, with the default
// --spare-containers and with each value given: the test suite's time is mostly container starts on a
// CPU-bound machine, so this counts them (docker events, by the server's own name), not seconds.
//
// Usage: node scripts/count-container-starts.mjs [--calls N] [--spares N]...
//   (after `npm run build` and `node scripts/build-images.mjs --test`; DOCKER_MCP_TEST_TAG picks the fixture)
import {spawn} from 'node:child_process'
import {randomBytes} from 'node:crypto'
import {mkdtemp, rm, writeFile} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import path from 'node:path'
import {fileURLToPath} from 'node:url'
import {parseArgs} from 'node:util'

import {Client} from '@modelcontextprotocol/client'
import {StdioClientTransport} from '@modelcontextprotocol/client/stdio'

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const FIXTURE = `docker-mcp-fixture:${process.env.DOCKER_MCP_TEST_TAG || 'test'}`

const {values} = parseArgs({
  options: {calls: {type: 'string', default: '1'}, spares: {type: 'string', multiple: true, default: []}},
})
const calls = Number(values.calls)

for (const spares of [undefined, ...values.spares]) {
  const home = await mkdtemp(path.join(tmpdir(), 'docker-mcp-starts-'))
  const name = `starts-${randomBytes(4).toString('hex')}`
  const catalog = path.join(home, 'catalog.yaml')
  await writeFile(
    catalog,
    `version: 2\nname: starts\nregistry:\n  ${name}:\n    title: t\n    description: t\n    type: server\n` +
      `    image: ${FIXTURE}\n    prefix: p\n`,
  )
  const since = Math.floor(Date.now() / 1000)
  const args = ['gateway', 'run', '--catalog', catalog, '--servers', name, '--no-cache']
  if (spares !== undefined) args.push('--spare-containers', spares)
  const env = {...process.env, HOME: home, DOCKER_CONFIG: path.join(home, '.docker')}
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [path.join(ROOT, 'bin/run.js'), ...args],
    env,
    stderr: 'ignore',
  })
  const client = new Client({name: 'count-container-starts', version: '1'})
  await client.connect(transport)
  for (let i = 0; i < calls; i++) await client.callTool({name: 'p__echo', arguments: {text: `${i}`}})
  await client.close()
  // The gateway removes its containers as it exits; give the engine's event log a moment to have them all.
  await new Promise((resolve) => setTimeout(resolve, 2000))
  const until = Math.floor(Date.now() / 1000) + 1
  const starts = await new Promise((resolve, reject) => {
    const filter = [
      '--filter',
      'type=container',
      '--filter',
      'event=start',
      '--filter',
      `label=docker-mcp-name=${name}`,
    ]
    const child = spawn('docker', [
      'events',
      '--since',
      `${since}`,
      '--until',
      `${until}`,
      ...filter,
      '--format',
      '{{.ID}}',
    ])
    let out = ''
    child.stdout.on('data', (d) => (out += d))
    child.on('error', reject)
    child.on('close', () => resolve(out.split('\n').filter(Boolean).length))
  })
  process.stdout.write(
    `--spare-containers ${spares ?? 'default'}: ${starts} container starts for ${calls} call(s)\n`,
  )
  await rm(home, {recursive: true, force: true})
}
