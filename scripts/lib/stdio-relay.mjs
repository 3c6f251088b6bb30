#!/usr/bin/env node
// The floor for a Node process in the gateway's place (scripts/bench.mjs --stdio, "node relay" row): start
// a container as the gateway does (create, attach with stdin, start; the engine's socket, the same
// demultiplexer), then copy bytes: its stdin to the attach socket, the container's stdout to its stdout.
// No parsing, no line splitting, no MCP: what is left is Node's own cost of moving bytes both ways.
//   node scripts/lib/stdio-relay.mjs <image> [KEY=VALUE…]
import Dockerode from 'dockerode'

import {demux} from '../../dist/src/docker/demux.js'

const [image, ...envs] = process.argv.slice(2)
const docker = new Dockerode()
const container = await docker.createContainer({
  Image: image,
  Env: envs,
  OpenStdin: true,
  StdinOnce: true,
  AttachStdin: true,
  AttachStdout: true,
  AttachStderr: true,
  HostConfig: {AutoRemove: true, Init: true, NetworkMode: 'none'},
  Labels: {'docker-mcp.bench': 'stdio-relay'},
})
const stream = await container.attach({stream: true, stdin: true, stdout: true, stderr: true, hijack: true})
const {stdout} = demux(stream)
await container.start()
stdout.on('data', (chunk) => process.stdout.write(chunk))
process.stdin.on('data', (chunk) => stream.write(chunk))
const stop = () => {
  stream.end()
  container.remove({force: true}).then(
    () => process.exit(0),
    () => process.exit(0),
  )
}
process.stdin.on('end', stop)
process.on('SIGTERM', stop)
