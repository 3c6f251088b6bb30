// Issue #15, `gateway run --static`: the gateway reaches a pre-started server over TCP through
// docker-mcp-bridge, which runs the server's command once per connection. Real processes and sockets on
// 127.0.0.1 (the compose e2e test runs the same in containers).
import assert from 'node:assert/strict'
import {spawn, type ChildProcess} from 'node:child_process'
import path from 'node:path'
import {after, test} from 'node:test'

import {silentLogger} from '../../../src/gateway/logger.js'
import {connectBridge, staticUpstreams} from '../../../src/gateway/static/upstreams.js'
import {freePort} from '../../helpers/http-gateway.js'
import {ROOT} from '../../helpers/sandbox.js'

const BRIDGE = path.join(ROOT, 'src/gateway/static/docker-mcp-bridge.cjs')
const FIXTURE = path.join(ROOT, 'test/fixtures/servers/fixture/index.ts')
const children: ChildProcess[] = []
after(() => {
  for (const child of children) child.kill('SIGTERM')
})

function startBridge(port: number): ChildProcess {
  const child = spawn(process.execPath, [BRIDGE, process.execPath, '--import', 'tsx', FIXTURE], {
    cwd: ROOT,
    env: {...process.env, DOCKER_MCP_BRIDGE_HOST: '127.0.0.1', DOCKER_MCP_BRIDGE_PORT: String(port)},
    stdio: ['ignore', 'ignore', 'pipe'],
  })
  children.push(child)
  return child
}

test('the gateway side waits for a bridge that is still starting, then each connection is its own server', async () => {
  const port = await freePort()
  const start = staticUpstreams({
    servers: new Set(['probe']),
    version: 'test',
    startTimeoutMs: 60_000,
    logger: silentLogger,
    onListChanged: () => {},
    address: () => ({host: '127.0.0.1', port}),
  })
  // Connecting first, as a gateway in compose may, before its sibling listens.
  const first = start('probe', 's1')
  startBridge(port)
  const a = await first
  const b = await start('probe', 's2')
  try {
    const echo = await a.client.callTool({name: 'echo', arguments: {text: 'over tcp'}})
    assert.match(JSON.stringify(echo.content), /over tcp/)
    const pidOf = async (u: typeof a) =>
      JSON.parse(
        ((await u.client.callTool({name: 'whoami', arguments: {}})).content[0] as {text: string}).text,
      ).pid as number
    assert.notEqual(await pidOf(a), await pidOf(b))
  } finally {
    await a.close()
    await b.close()
  }
  await assert.rejects(start('other', 's3'), /not enabled/)
})

test('no bridge: the error names the address and what --static expects', async () => {
  const port = await freePort()
  await assert.rejects(connectBridge('127.0.0.1', port, 300), (err: Error & {suggestions?: string[]}) => {
    assert.match(err.message, new RegExp(`cannot connect to 127\\.0\\.0\\.1:${port}`))
    assert.match(String(err.suggestions), /docker-mcp-bridge listening on port/)
    return true
  })
})
