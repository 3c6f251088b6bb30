/**
 * Issue #14, servers that die: an OOM-killed container and a `docker kill` both used to come back as "its
 * container exited: fixture MCP server ready (pid 7)", the server's start-up banner. The message must say
 * what happened (exit code, OOM with the memory limit and how to raise it, killed) and the verbose log keep
 * the last lines of its stderr. Runs on the shared engine: it only kills containers of its own gateway
 * (found by the gateway's pid label).
 */
import assert from 'node:assert/strict'
import {after, before, test} from 'node:test'

import {
  connectGateway,
  eventually,
  textOf,
  writeTestCatalog,
  type ConnectedGateway,
} from '../helpers/gateway.js'
import {makeSandbox, run, type Sandbox} from '../helpers/sandbox.js'

let sandbox: Sandbox
let gw: ConnectedGateway

before(async () => {
  sandbox = await makeSandbox({NODE_OPTIONS: '--unhandled-rejections=strict'})
  const catalog = await writeTestCatalog(sandbox)
  gw = await connectGateway(
    sandbox,
    ['--catalog', catalog, '--servers', 'sticky', '--no-cache', '--verbose', '--memory', '96m'],
    {viaDocker: false},
  )
})
after(async () => {
  await gw?.close()
  await sandbox?.cleanup()
})

/** The running container of this gateway's long-lived server. */
async function ourContainer(): Promise<string> {
  const ids = await eventually(
    async () =>
      (
        await run('docker', [
          'ps',
          '--filter',
          `label=docker-mcp-gateway-pid=${gw.transport.pid}`,
          // A session's container, not the one that lists the server's tools at start.
          '--filter',
          'label=docker-mcp-session',
          '--format',
          '{{.ID}}',
        ])
      ).stdout
        .split('\n')
        .filter(Boolean),
    (found) => found.length === 1,
  )
  assert.equal(ids.length, 1, `containers of this gateway: ${ids.join(', ')}`)
  return ids[0]!
}

async function failure(call: Promise<unknown>): Promise<string> {
  try {
    const result = await call
    return `no failure: ${textOf(result)}`
  } catch (err) {
    return (err as Error).message
  }
}

test('an OOM-killed server: the message says out of memory, the limit and how to raise it; the next call works', async () => {
  assert.equal(textOf(await gw.client.callTool({name: 'sticky__echo', arguments: {text: 'hi'}})), 'hi')
  const message = await failure(
    gw.client.callTool({name: 'sticky__huge', arguments: {mib: 200}}, {timeout: 120_000}),
  )
  assert.match(
    message,
    /server "sticky" stopped during tools\/call: its container ran out of memory/,
    message,
  )
  assert.match(message, /OOM, exit code 137; memory limit 96 MiB: raise it with --memory/)
  assert.doesNotMatch(message, /MCP server ready/)
  // The verbose log keeps what the server said last.
  assert.match(
    gw.stderr(),
    /sticky: container \w+ ended: its container ran out of memory[^\n]*\. Its last stderr lines:\n.*ready/,
  )
  assert.equal(textOf(await gw.client.callTool({name: 'sticky__echo', arguments: {text: 'back'}})), 'back')
})

test('a server killed with docker kill during a call: the message says killed, with the signal and exit code', async () => {
  assert.equal(textOf(await gw.client.callTool({name: 'sticky__echo', arguments: {text: 'up'}})), 'up')
  const id = await ourContainer()
  const outcome = failure(
    gw.client.callTool({name: 'sticky__slow', arguments: {ms: 60_000, steps: 1}}, {timeout: 120_000}),
  )
  // The call is on its way once the server logged it; then the container is killed from outside.
  await new Promise((r) => setTimeout(r, 500))
  const killed = await run('docker', ['kill', id])
  assert.equal(killed.code, 0, killed.stderr)
  const message = await outcome
  assert.match(message, /its container was killed \(signal SIGKILL, exit code 137\)/, message)
  assert.doesNotMatch(message, /MCP server ready/)
  assert.equal(textOf(await gw.client.callTool({name: 'sticky__echo', arguments: {text: 'again'}})), 'again')
})
