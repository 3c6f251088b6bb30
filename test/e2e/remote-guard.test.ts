// e2e-lane: main (it resolves this machine's own host name)
import assert from 'node:assert/strict'
import {writeFile} from 'node:fs/promises'
import net from 'node:net'
import {hostname} from 'node:os'
import path from 'node:path'
import {test} from 'node:test'

import {makeSandbox, runCli} from '../helpers/sandbox.js'

/**
 * A real gateway with remote servers whose URLs lead to this machine by a detour: an IPv4-mapped IPv6
 * literal (the URL parser rewrites it to hex, which the old check did not recognise), this machine's
 * own name, and a name under .localhost. A TCP listener counts the connections that reach it: none may.
 */
test('remote servers pointing at loopback through mapped literals or local names are never connected to', async () => {
  let connections = 0
  const listener = net.createServer((socket) => {
    connections++
    socket.destroy()
  })
  await new Promise<void>((r) => listener.listen(0, '127.0.0.1', r))
  const port = (listener.address() as net.AddressInfo).port
  const sandbox = await makeSandbox()
  try {
    const urls = {
      mapped: `https://[::ffff:127.0.0.1]:${port}/mcp`,
      'mapped-hex': `https://[::ffff:7f00:1]:${port}/mcp`,
      'own-name': `https://${hostname()}:${port}/mcp`,
      'dot-localhost': `https://mcp.localhost:${port}/mcp`,
    }
    let catalog = 'version: 2\nname: remote-guard\ndisplayName: Remote guard\nregistry:\n'
    for (const [name, url] of Object.entries(urls)) {
      catalog += `  ${name}:\n    title: ${name}\n    description: detour to loopback\n    type: remote\n    remote:\n      url: ${url}\n      transport_type: http\n`
    }
    const file = path.join(sandbox.home, 'remote-guard.yaml')
    await writeFile(file, catalog)
    const r = await runCli(sandbox, [
      'gateway',
      'run',
      '--dry-run',
      '--no-cache',
      '--catalog',
      file,
      '--servers',
      Object.keys(urls).join(','),
      '--start-timeout',
      '10',
    ])
    assert.equal(r.code, 1, r.stderr)
    for (const name of ['mapped', 'mapped-hex', 'dot-localhost']) {
      assert.match(r.stderr, new RegExp(`${name}: FAILED: .*private or local address`), r.stderr)
    }
    // This machine's name resolves to one of its own addresses (loopback or a private interface).
    assert.match(r.stderr, /own-name: FAILED: .*(private or local address|cannot resolve)/, r.stderr)
    assert.equal(connections, 0, 'the gateway connected to a loopback listener')
  } finally {
    listener.close()
    await sandbox.cleanup()
  }
})
