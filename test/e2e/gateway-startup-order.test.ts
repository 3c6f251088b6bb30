import assert from 'node:assert/strict'
import {spawn} from 'node:child_process'
import {readFile, writeFile} from 'node:fs/promises'
import net from 'node:net'
import path from 'node:path'
import {test} from 'node:test'

import {eventually} from '../helpers/gateway.js'
import {makeSandbox, RUN_JS, type Sandbox} from '../helpers/sandbox.js'

/**
 * Issue #21: linking to the engine loads dockerode and the SDK's client and talks to the engine, 100-300 ms
 * of CPU that used to run before the stdio gateway answered `initialize` although nothing in the answer
 * needs the engine (src/gateway/engine-gate.ts). The engine here is a stand-in socket that only notes
 * when it is first reached: the order of the two events, not their timing, is what is checked. The link
 * must still be made after the answer, without the client asking for anything else.
 */
test('over stdio the gateway answers initialize before it links to the engine, then links', async () => {
  const sandbox = await makeSandbox()
  const events: string[] = []
  const sockets = new Set<net.Socket>()
  const engine = net.createServer((socket) => {
    if (!events.includes('engine reached')) events.push('engine reached')
    sockets.add(socket)
    socket.on('error', () => {})
  })
  const socketPath = path.join(sandbox.home, 'engine.sock')
  await new Promise<void>((resolve) => engine.listen(socketPath, resolve))
  const gateway = await startGateway(sandbox, {DOCKER_HOST: `unix://${socketPath}`}, () => {
    if (!events.includes('answered')) events.push('answered')
  })
  try {
    await eventually(
      async () => events.length,
      (n) => n >= 2,
      60_000,
    )
    assert.deepEqual(events, ['answered', 'engine reached'], gateway.stderr())
    assert.equal(gateway.answer().result.serverInfo.name, 'Docker MCP Gateway')
  } finally {
    await gateway.stop()
    for (const s of sockets) s.destroy()
    engine.close()
    await sandbox.cleanup()
  }
})

/**
 * Issue #21: what the stdio gateway loads before its `initialize` answer is what that answer needs. Node's
 * http, https and tls (about 10 ms), worker_threads and child_process used to be loaded at start by
 * modules that need them only later: the engine client (src/docker/engine.ts), code mode's sandbox, the
 * exec interceptor and the plugin-socket helper. A probe preloaded into the gateway lists Node's own
 * modules at the moment the answer is written.
 */
test('over stdio the gateway answers initialize without loading http, tls, worker_threads or child_process', async () => {
  const sandbox = await makeSandbox()
  const probe = path.join(sandbox.home, 'probe.cjs')
  const loaded = path.join(sandbox.home, 'loaded.json')
  await writeFile(
    probe,
    [
      'const write = process.stdout.write',
      'process.stdout.write = function (...args) {',
      '  process.stdout.write = write',
      "  const builtins = process.moduleLoadList.filter((m) => m.startsWith('NativeModule ')).map((m) => m.slice(13))",
      "  require('node:fs').writeFileSync(process.env.PROBE_OUT, JSON.stringify(builtins))",
      '  return write.apply(this, args)',
      '}',
    ].join('\n'),
  )
  const gateway = await startGateway(sandbox, {
    // No engine: nothing before the answer may need one.
    DOCKER_HOST: `unix://${path.join(sandbox.home, 'no-engine.sock')}`,
    NODE_OPTIONS: `--require ${probe}`,
    PROBE_OUT: loaded,
  })
  try {
    await eventually(
      async () => gateway.stdout(),
      (s) => s.includes('\n'),
      60_000,
    )
    assert.equal(gateway.answer().result.serverInfo.name, 'Docker MCP Gateway', gateway.stderr())
    const builtins = JSON.parse(await readFile(loaded, 'utf8')) as string[]
    assert.ok(builtins.includes('net') && builtins.includes('crypto'), 'the probe lists what is loaded')
    const early = ['http', 'https', 'tls', 'worker_threads', 'child_process'].filter((m) =>
      builtins.includes(m),
    )
    assert.deepEqual(early, [], `loaded before the answer: ${early.join(', ')}`)
  } finally {
    await gateway.stop()
    await sandbox.cleanup()
  }
})

/**
 * `gateway run` over stdio with one enabled server (of an image that is never started here), sent
 * `initialize` at once; `onAnswer` is told when the first line comes back.
 */
async function startGateway(sandbox: Sandbox, env: NodeJS.ProcessEnv, onAnswer?: () => void) {
  const catalog = path.join(sandbox.home, 'catalog.yaml')
  await writeFile(
    catalog,
    'version: 2\nname: order\ndisplayName: Order\nregistry:\n' +
      '  one:\n    title: one\n    description: a server\n    type: server\n    image: docker-mcp-test/none:1\n',
  )
  const gateway = spawn(
    process.execPath,
    [RUN_JS, 'gateway', 'run', '--catalog', catalog, '--servers', 'one', '--no-cache'],
    {env: {...sandbox.env, ...env}, stdio: ['pipe', 'pipe', 'pipe']},
  )
  const exited = new Promise((resolve) => gateway.once('exit', resolve))
  let stdout = ''
  let stderr = ''
  gateway.stderr.on('data', (d: Buffer) => (stderr += d))
  gateway.stdout.on('data', (d: Buffer) => {
    stdout += d
    if (stdout.includes('\n')) onAnswer?.()
  })
  gateway.stdin.write(
    JSON.stringify({
      jsonrpc: '2.0',
      id: 1,
      method: 'initialize',
      params: {protocolVersion: '2025-06-18', capabilities: {}, clientInfo: {name: 'order', version: '1'}},
    }) + '\n',
  )
  return {
    stdout: () => stdout,
    stderr: () => stderr,
    answer: () => JSON.parse(stdout.split('\n')[0]!) as {result: {serverInfo: {name: string}}},
    async stop() {
      gateway.stdin.end()
      await Promise.race([exited, new Promise((r) => setTimeout(r, 20_000))])
      if (gateway.exitCode === null) gateway.kill('SIGKILL')
    },
  }
}
