/**
 * Declared tools drift (issue #13): the shipped catalog's dice tools had other wording, no 2–1000 bounds
 * and no output schema, and a client whose gateway had no cached listing yet was shown that version. The
 * declared tools of every server shipped with the project must be its live listing, and the gateway must
 * offer them as exactly that. Needs the dice image (scripts/test.sh builds it; the script rebuilds it).
 */
import assert from 'node:assert/strict'
import {randomBytes} from 'node:crypto'
import {readFile} from 'node:fs/promises'
import path from 'node:path'
import {test} from 'node:test'

import {Client} from '@modelcontextprotocol/client'
import {StdioClientTransport} from '@modelcontextprotocol/client/stdio'
import {parse} from 'yaml'

import {catalogFileSchema} from '../../src/catalog/schema.js'
import {toolsFromCatalog} from '../../src/gateway/catalog-tools.js'
import {ROOT, run} from '../helpers/sandbox.js'

const LABEL = 'docker-mcp-test=catalog-tools'

test('the shipped catalog declares the live tools of every shipped server (node scripts/catalog-tools.mjs --check)', async () => {
  const r = await run(process.execPath, [path.join(ROOT, 'scripts/catalog-tools.mjs'), '--check'], {
    timeoutMs: 120_000,
  })
  assert.equal(r.code, 0, r.stderr)
})

test('a cold-cache client is offered the exact live definition of the dice tools', async (t) => {
  const catalog = catalogFileSchema.parse(
    parse(await readFile(path.join(ROOT, 'catalogs/docker-mcp.yaml'), 'utf8')),
  )
  const entry = catalog.registry!.dice!
  const name = `docker-mcp-test-${randomBytes(4).toString('hex')}`
  const transport = new StdioClientTransport({
    command: 'docker',
    args: [
      'run',
      '-i',
      '--rm',
      '--init',
      '--network',
      'none',
      '--name',
      name,
      '--label',
      LABEL,
      entry.image!,
    ],
    // The SDK passes only HOME, PATH and a few more by default: DOCKER_HOST and friends must reach docker.
    env: Object.fromEntries(
      Object.entries(process.env).filter((e): e is [string, string] => e[1] !== undefined),
    ),
    stderr: 'pipe',
  })
  const client = new Client({name: 'catalog-tools-test', version: '1.0.0'})
  t.after(async () => {
    await client.close()
    await run('docker', ['rm', '-f', name])
  })
  await client.connect(transport)
  const live = await client.listTools()
  const declared = toolsFromCatalog(entry.tools)
  assert.deepEqual(declared, live.tools)
  // What the drift had lost, named so that a failure says which part went missing.
  const roll = declared!.find((tool) => tool.name === 'roll_dice')!
  const sides = (roll.inputSchema.properties as Record<string, {minimum?: number; maximum?: number}>).sides!
  assert.deepEqual([sides.minimum, sides.maximum], [2, 1000])
  assert.ok(roll.outputSchema, 'roll_dice keeps its output schema')
})
