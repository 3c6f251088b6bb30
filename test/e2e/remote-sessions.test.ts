import assert from 'node:assert/strict'
import {writeFile} from 'node:fs/promises'
import path from 'node:path'
import {after, before, describe, test} from 'node:test'

import {Client, StreamableHTTPClientTransport} from '@modelcontextprotocol/client'

import {eventually, textOf} from '../helpers/gateway.js'
import {freePort, startHttpGateway, type HttpGatewayProcess} from '../helpers/http-gateway.js'
import {remoteEntry, startRemoteServer, type RemoteServer} from '../helpers/remote-server.js'
import {makeSandbox, type Sandbox} from '../helpers/sandbox.js'

/**
 * The gateway's sessions with remote Streamable HTTP servers, against real SDK servers in this process that
 * count the sessions they open and the DELETEs that end them. No Docker: remote servers need no container.
 */
const TOKEN = 'remote-sessions-token-0123456789'
const ENV = {MCP_GATEWAY_AUTH_TOKEN: TOKEN, DOCKER_MCP_ALLOW_INSECURE_REMOTE_URLS: '1'}
let sandbox: Sandbox
let alpha: RemoteServer
let late: RemoteServer | undefined
let latePort = 0
let catalog = ''
let gateway: HttpGatewayProcess

before(async () => {
  sandbox = await makeSandbox()
  alpha = await startRemoteServer(0, 'alpha')
  // Reserved, not listening yet: "late" is down when the gateway starts.
  latePort = await freePort()
  catalog = path.join(sandbox.home, 'remotes.yaml')
  await writeFile(
    catalog,
    'version: 2\nname: remotes\ndisplayName: Remotes\nregistry:\n' +
      remoteEntry('alpha', alpha.url) +
      remoteEntry('late', `http://127.0.0.1:${latePort}/mcp`),
  )
  gateway = await startGateway()
})

after(async () => {
  if (gateway.child.exitCode === null) await gateway.stop()
  await alpha.close()
  await late?.close()
  await sandbox.cleanup()
})

function startGateway(extra: string[] = []): Promise<HttpGatewayProcess> {
  return startHttpGateway(
    ['--catalog', catalog, '--servers', 'alpha,late', '--no-cache', '--start-timeout', '5', ...extra],
    {env: ENV, sandbox},
  )
}

async function connect(g: HttpGatewayProcess) {
  const client = new Client({name: 'remote-sessions', version: '1.0.0'})
  const transport = new StreamableHTTPClientTransport(new URL(`${g.base}/mcp`), {
    requestInit: {headers: {Authorization: `Bearer ${TOKEN}`}},
  })
  await client.connect(transport)
  return {client, transport}
}

describe('remote Streamable HTTP sessions', () => {
  test('are closed with a DELETE: the listing session at once, a client session on its DELETE', async () => {
    // The listing session of the gateway's start (closed after listing) was left open by the old code.
    const listed = await eventually(
      async () => ({opened: alpha.opened, deleted: alpha.deleted}),
      (c) => c.opened >= 1 && c.deleted === c.opened,
    )
    assert.ok(listed.opened >= 1 && listed.deleted === listed.opened, JSON.stringify(listed))

    const {client, transport} = await connect(gateway)
    assert.equal(textOf(await client.callTool({name: 'alpha_ping', arguments: {}})), 'pong from alpha')
    assert.equal(alpha.opened, listed.opened + 1, 'the client session has a remote session of its own')
    await transport.terminateSession()
    await client.close()
    const closed = await eventually(
      async () => ({opened: alpha.opened, deleted: alpha.deleted, open: alpha.open}),
      (c) => c.deleted === c.opened,
    )
    assert.deepEqual(closed, {opened: listed.opened + 1, deleted: listed.opened + 1, open: 0})
  })

  test('a remote server down at start is listed once it comes up, and clients are told', async () => {
    const {client, transport} = await connect(gateway)
    try {
      let told = 0
      client.setNotificationHandler('notifications/tools/list_changed', () => void told++)
      const before = (await client.listTools()).tools.map((t) => t.name)
      assert.ok(before.includes('alpha_ping'))
      assert.ok(!before.includes('late_ping'), before.join(','))
      assert.match(gateway.stderr(), /Can't start late: .*\(trying again in the background\)/)

      late = await startRemoteServer(latePort, 'late')
      await eventually(
        async () => told,
        (n) => n > 0,
        30_000,
      )
      assert.ok(told > 0, `no tools/list_changed after "late" came up:\n${gateway.stderr()}`)
      assert.ok((await client.listTools()).tools.some((t) => t.name === 'late_ping'))
      assert.equal(textOf(await client.callTool({name: 'late_ping', arguments: {}})), 'pong from late')
      // Reported once when it failed, once when it came back: the retries in between are quiet.
      assert.equal(gateway.stderr().match(/Can't start late/g)?.length, 1, gateway.stderr())
      assert.match(gateway.stderr(), /late: available now \(2 tools\)/)
    } finally {
      await transport.terminateSession()
      await client.close()
    }
  })

  test('stopping the gateway closes every remote session it holds', async () => {
    const {client} = await connect(gateway)
    assert.equal(textOf(await client.callTool({name: 'alpha_ping', arguments: {}})), 'pong from alpha')
    assert.equal(textOf(await client.callTool({name: 'late_ping', arguments: {}})), 'pong from late')
    assert.ok(alpha.open > 0 && late!.open > 0)
    assert.equal(await gateway.stop(), 0)
    await client.close()
    assert.deepEqual({alpha: alpha.open, late: late!.open}, {alpha: 0, late: 0})
    assert.equal(alpha.deleted, alpha.opened)
    assert.equal(late!.deleted, late!.opened)
  })
})

describe('sessions whose client goes away without DELETE', () => {
  test('are closed once the client has had no event stream and no request for --session-ttl', async () => {
    const g = await startGateway(['--session-ttl', '1'])
    try {
      const stays = await connect(g)
      const leaves = await connect(g)
      for (const c of [stays, leaves]) {
        assert.equal(textOf(await c.client.callTool({name: 'alpha_ping', arguments: {}})), 'pong from alpha')
      }
      const openBefore = alpha.open
      // The SDK client's close() drops its connections and sends no DELETE: the usual way clients leave.
      await leaves.client.close()
      const open = await eventually(
        async () => alpha.open,
        (n) => n === openBefore - 1,
        15_000,
      )
      assert.equal(
        open,
        openBefore - 1,
        `the abandoned session's remote session is still open:\n${g.stderr()}`,
      )
      // The client that is still there (its event stream open) keeps its session well past the TTL.
      await new Promise((r) => setTimeout(r, 2500))
      assert.equal(
        textOf(await stays.client.callTool({name: 'alpha_ping', arguments: {}})),
        'pong from alpha',
      )
      assert.equal(alpha.open, openBefore - 1)
      await stays.transport.terminateSession()
      await stays.client.close()
    } finally {
      await g.stop()
    }
  })
})
