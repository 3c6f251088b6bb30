#!/usr/bin/env node
// Regenerate the declared `tools:` of every server shipped with the project (catalogs/servers/<name>, the
// entry of the same name in catalogs/docker-mcp.yaml) from what the server itself lists. The gateway offers
// declared tools to a client before the server's first live listing (a cold cache), so a declaration that
// drifts from the server shows the model a tool that is not the one it will call.
//
//   node scripts/catalog-tools.mjs          rebuild the images, list each server's tools, rewrite the catalog
//   node scripts/catalog-tools.mjs --check  exit 1 when a declaration differs from the live listing (a test)
//
// Run `npm run build` first (this builds the images with scripts/build-images.mjs, which imports dist/).
// Each server runs the way the gateway runs it: its image, `docker run -i --rm --network none`.
// Only the `tools:` value of each shipped entry is replaced: comments, key order and the other entries stay.
import {spawnSync} from 'node:child_process'
import {readdirSync, readFileSync, writeFileSync} from 'node:fs'
import path from 'node:path'
import {fileURLToPath} from 'node:url'
import {isDeepStrictEqual, parseArgs} from 'node:util'

import {Client} from '@modelcontextprotocol/client'
import {StdioClientTransport} from '@modelcontextprotocol/client/stdio'
import {parseDocument} from 'yaml'

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const CATALOG = path.join(ROOT, 'catalogs/docker-mcp.yaml')
const SERVERS = path.join(ROOT, 'catalogs/servers')
const LIST_TIMEOUT_MS = 60_000

/** Docker's argument types (pkg/catalog ToolArgument): the JSON-schema type of a property, when it has one. */
function argumentOf(name, property, required) {
  const arg = {name}
  if (typeof property.type === 'string') arg.type = property.type
  if (arg.type === 'array' && typeof property.items?.type === 'string')
    arg.items = {type: property.items.type}
  if (typeof property.description === 'string') arg.desc = property.description
  if (!required) arg.optional = true
  return arg
}

/**
 * A live tool as a catalog declaration: the tool exactly as the server lists it (title, description, input
 * schema with its bounds and defaults, output schema, annotations, anything else), plus Docker's `arguments`
 * summary of the input schema for Docker's own readers (`tools ls`, `server inspect`), which know only that.
 * Key order: name, title, description, arguments, then the listing's own order.
 */
export function declaredTool(tool) {
  const {name, title, description, ...rest} = tool
  const out = {name}
  if (title !== undefined) out.title = title
  if (description !== undefined) out.description = description
  const properties = tool.inputSchema?.properties ?? {}
  const required = new Set(tool.inputSchema?.required ?? [])
  const args = Object.entries(properties).map(([key, p]) => argumentOf(key, p ?? {}, required.has(key)))
  if (args.length) out.arguments = args
  return {...out, ...rest}
}

/** List a server's tools (every page) by running its image as the gateway would. */
export async function listImageTools(image, label) {
  const name = `docker-mcp-catalog-tools-${process.pid}-${label}`
  const transport = new StdioClientTransport({
    command: 'docker',
    args: ['run', '-i', '--rm', '--init', '--network', 'none', '--name', name, image],
    // The SDK passes only HOME, PATH and a few more by default: DOCKER_HOST and friends must reach docker.
    env: Object.fromEntries(Object.entries(process.env).filter(([, v]) => v !== undefined)),
    stderr: 'pipe',
  })
  let stderr = ''
  transport.stderr?.on('data', (chunk) => (stderr = (stderr + chunk).slice(-4000)))
  const client = new Client({name: 'docker-mcp-catalog-tools', version: '1.0.0'})
  try {
    await client.connect(transport, {timeout: LIST_TIMEOUT_MS})
    const tools = []
    let cursor
    do {
      const page = await client.listTools(cursor ? {cursor} : undefined, {timeout: LIST_TIMEOUT_MS})
      tools.push(...page.tools)
      cursor = page.nextCursor
    } while (cursor)
    return tools
  } catch (err) {
    throw new Error(`${image}: ${err.message}${stderr.trim() ? `\n${stderr.trim()}` : ''}`)
  } finally {
    await client.close().catch(() => {})
    // --rm removes the container when it exits; this covers a docker CLI killed before that.
    spawnSync('docker', ['rm', '-f', name], {stdio: 'ignore'})
  }
}

/** The servers whose source ships with the project: one directory each under catalogs/servers. */
function shippedServers() {
  return readdirSync(SERVERS, {withFileTypes: true})
    .filter((d) => d.isDirectory())
    .map((d) => d.name)
    .sort()
}

async function main() {
  const {values} = parseArgs({options: {check: {type: 'boolean', default: false}}})
  const text = readFileSync(CATALOG, 'utf8')
  const doc = parseDocument(text)
  if (doc.errors.length) fail(`${CATALOG}: ${doc.errors[0].message}`)
  const servers = shippedServers()
  for (const server of servers) {
    if (!doc.getIn(['registry', server, 'image']))
      fail(`${CATALOG} has no entry "${server}" with an image for catalogs/servers/${server}`)
  }
  // The images are built from this checkout, so the listing is the one of the source next to the catalog.
  const build = spawnSync(
    process.execPath,
    [path.join(ROOT, 'scripts/build-images.mjs'), ...servers.flatMap((s) => ['--only', s])],
    {stdio: ['ignore', 'ignore', 'inherit']},
  )
  if (build.status !== 0) fail('building the images failed (run `npm run build` first?)')

  const stale = []
  for (const server of servers) {
    const image = doc.getIn(['registry', server, 'image'])
    const live = (await listImageTools(image, server)).map(declaredTool)
    const declared = doc.getIn(['registry', server, 'tools'])
    const current = declared && typeof declared.toJSON === 'function' ? declared.toJSON() : declared
    if (isDeepStrictEqual(current, live)) continue
    stale.push(server)
    if (!values.check) doc.setIn(['registry', server, 'tools'], doc.createNode(live))
  }
  if (stale.length === 0) {
    process.stderr.write(`catalog-tools: ${servers.join(', ')} up to date\n`)
    return
  }
  if (values.check)
    fail(
      `the declared tools of ${stale.join(', ')} in catalogs/docker-mcp.yaml differ from the live listing: run "node scripts/catalog-tools.mjs"`,
    )
  writeFileSync(CATALOG, doc.toString({lineWidth: 0, flowCollectionPadding: false}))
  process.stderr.write(
    `catalog-tools: rewrote the tools of ${stale.join(', ')} in catalogs/docker-mcp.yaml\n`,
  )
}

function fail(message) {
  process.stderr.write(`catalog-tools: ${message}\n`)
  process.exit(1)
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) await main()
