#!/usr/bin/node
// docker-mcp-bridge: run an MCP stdio server once per TCP connection, for `gateway run --static`.
//
// In static mode the gateway starts no container: it connects to a pre-started container `mcp-<name>` on
// port 4444 (the original's convention). That container's entrypoint is this bridge, followed by the server's
// own command:
//
//   entrypoint: ["/docker-mcp/misc/docker-mcp-bridge", "node", "/app/index.mjs"]
//
// Each connection gets a fresh server process: the socket's bytes are its stdin, its stdout goes back on the
// socket (the gateway opens a connection per call, or per session for long-lived servers, as it would start a
// container). Its stderr goes to the container's log. When either side ends, the other is ended too.
//
// Plain CommonJS with no dependencies, so that it runs with any Node >= 18 in the server's image (this file
// is copied into the gateway image at /docker-mcp/misc/ and shared through a volume). Images without Node can
// use any equivalent, e.g. `socat TCP-LISTEN:4444,fork,reuseaddr EXEC:"<command>"`.
//
// Environment: DOCKER_MCP_BRIDGE_PORT (default 4444), DOCKER_MCP_BRIDGE_HOST (default all interfaces: the
// port is reached over the compose network and is never published).
'use strict'
/* eslint-disable @typescript-eslint/no-require-imports -- CommonJS on purpose: it runs with no package.json beside it */
const {spawn} = require('node:child_process')
const net = require('node:net')

const command = process.argv.slice(2)
if (command.length === 0) {
  process.stderr.write('usage: docker-mcp-bridge <server command> [args...]\n')
  process.exit(2)
}
const port = Number(process.env.DOCKER_MCP_BRIDGE_PORT || 4444)
const host = process.env.DOCKER_MCP_BRIDGE_HOST || undefined
const children = new Set()
let connections = 0

const server = net.createServer((socket) => {
  const id = ++connections
  const child = spawn(command[0], command.slice(1), {stdio: ['pipe', 'pipe', 'inherit']})
  children.add(child)
  let ended = false
  const end = () => {
    if (ended) return
    ended = true
    socket.destroy()
    child.stdin.destroy()
    // MCP servers exit at the end of their input; one that does not is stopped.
    const timer = setTimeout(() => child.kill('SIGKILL'), 5000)
    timer.unref()
  }
  child.on('error', (err) => {
    process.stderr.write(`docker-mcp-bridge: connection ${id}: cannot run ${command[0]}: ${err.message}\n`)
    end()
  })
  child.on('exit', () => {
    children.delete(child)
    // Whatever the server wrote last goes out before the socket closes.
    child.stdout.once('end', () => socket.end())
    if (child.stdout.readableEnded) socket.end()
  })
  socket.pipe(child.stdin).on('error', () => {})
  child.stdout.pipe(socket).on('error', () => {})
  socket.on('close', end)
  socket.on('error', () => {})
})
server.listen(port, host, () => {
  const address = server.address()
  process.stderr.write(
    `docker-mcp-bridge: listening on port ${address.port}, running: ${command.join(' ')}\n`,
  )
})
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    server.close()
    for (const child of children) child.kill('SIGTERM')
    process.exit(0)
  })
}
