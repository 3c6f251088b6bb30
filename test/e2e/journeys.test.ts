import assert from 'node:assert/strict'
import {spawn} from 'node:child_process'
import {createHash, randomBytes} from 'node:crypto'
import {mkdir, readFile, writeFile} from 'node:fs/promises'
import path from 'node:path'
import {after, before, describe, test} from 'node:test'
import {hostname} from 'node:os'

import {Client, SSEClientTransport, StreamableHTTPClientTransport} from '@modelcontextprotocol/client'
import {StdioClientTransport} from '@modelcontextprotocol/client/stdio'
import {build} from 'esbuild'

import {createDocker} from '../../src/docker/engine.js'
import {buildNodeImage} from '../../src/docker/local-image.js'
import {eventually, managedContainers, textOf, waitForHealth} from '../helpers/gateway.js'
import {freePort} from '../helpers/http-gateway.js'
import {installPlugin, makeSandbox, ROOT, run, type Sandbox} from '../helpers/sandbox.js'

// The journeys of the README, end to end through the real docker CLI and engine.
let sandbox: Sandbox
const docker = (args: string[], options: {input?: string; cwd?: string; timeoutMs?: number} = {}) =>
  run('docker', args, {env: sandbox.env, ...options})

before(async () => {
  // A keychain service of our own: the test never sees or leaves entries in another namespace.
  sandbox = await makeSandbox({
    DOCKER_MCP_KEYCHAIN_SERVICE: `docker-mcp-journey-${randomBytes(4).toString('hex')}`,
  })
  await installPlugin(sandbox)
})
after(async () => sandbox.cleanup())

const TUTORIAL_SERVER = `
import {createHash} from 'node:crypto'
import {McpServer} from '@modelcontextprotocol/server'
import {StdioServerTransport} from '@modelcontextprotocol/server/stdio'
import * as z from 'zod'

const server = new McpServer({name: 'dice', version: '1.0.0'})
server.registerTool('roll_dice', {description: 'Roll a die', inputSchema: z.object({sides: z.number().int().min(2)})}, async ({sides}) => {
  const key = process.env.SERVER_API_KEY
  const fingerprint = key ? createHash('sha256').update(key).digest('hex').slice(0, 12) : 'no key'
  return {content: [{type: 'text', text: 'rolled ' + (1 + Math.floor(Math.random() * sides)) + ' (key ' + fingerprint + ')'}]}
})
await server.connect(new StdioServerTransport())
`

describe('journey 2: a custom server, as in the popular tutorials', () => {
  const image = 'docker-mcp-journey-dice:test'
  const API_KEY = `tutorial-key-${randomBytes(6).toString('hex')}`

  after(async () => {
    // Leave the sandbox as the other journeys expect it: the shipped dice again, no secret, no image.
    await docker(['mcp', 'secret', 'rm', 'API_KEY'])
    await docker(['mcp', 'server', 'rm', 'dice'])
    await docker(['mcp', 'catalog', 'rm', 'custom'])
    await run('docker', ['rmi', '-f', image])
  })

  test('write, build, catalog import, server add, secret set, client connect; the client calls the tool and the tool sees its secret', async () => {
    // 1. The server and its image (no registry: the local builder).
    const work = path.join(sandbox.home, 'my-dice')
    await mkdir(work, {recursive: true})
    await writeFile(path.join(work, 'server.mjs'), TUTORIAL_SERVER)
    await build({
      entryPoints: [path.join(work, 'server.mjs')],
      outfile: path.join(work, 'app/index.mjs'),
      bundle: true,
      platform: 'node',
      format: 'esm',
      nodePaths: [path.join(ROOT, 'node_modules')],
      banner: {
        js: "import {createRequire as __cr} from 'node:module'; const require = __cr(import.meta.url);",
      },
      logLevel: 'error',
    })
    await buildNodeImage(
      createDocker(sandbox.env, (await import('../../src/paths.js')).mcpPaths(sandbox.env)),
      {
        tag: image,
        appDir: path.join(work, 'app'),
        entry: 'index.mjs',
      },
    )

    // 2. The catalog, in the format of the tutorials.
    await writeFile(
      path.join(work, 'custom.yaml'),
      `version: 2
name: custom
displayName: Custom MCP Servers
registry:
  dice:
    description: "Roll dice"
    title: "Dice"
    type: server
    image: ${image}
    tools:
      - name: roll_dice
    secrets:
      - name: API_KEY
        env: SERVER_API_KEY
`,
    )
    const imported = await docker(['mcp', 'catalog', 'import', './custom.yaml'], {cwd: work})
    assert.equal(imported.code, 0, imported.stderr)
    const added = await docker(['mcp', 'server', 'add', 'dice'])
    assert.equal(added.code, 0, added.stderr)
    const secret = await docker(['mcp', 'secret', 'set', 'API_KEY'], {input: `${API_KEY}\n`})
    assert.equal(secret.code, 0, secret.stderr)
    assert.ok(!secret.stdout.includes(API_KEY) && !secret.stderr.includes(API_KEY))
    const connected = await docker(['mcp', 'client', 'connect', 'claude-desktop', '--global'])
    assert.equal(connected.code, 0, connected.stderr)

    // 3. Claude Desktop's config now launches the gateway; start it exactly as the client would.
    const configFile = path.join(sandbox.home, '.config/Claude/claude_desktop_config.json')
    const config = JSON.parse(await readFile(configFile, 'utf8')) as {
      mcpServers: Record<string, {command: string; args: string[]; env?: Record<string, string>}>
    }
    const entry = config.mcpServers.MCP_DOCKER!
    assert.equal(entry.command, 'docker')
    assert.deepEqual(entry.args, ['mcp', 'gateway', 'run'])
    const env: Record<string, string> = {}
    for (const [k, v] of Object.entries(sandbox.env)) if (v !== undefined) env[k] = v
    const client = new Client({name: 'claude-desktop-stand-in', version: '1'})
    await client.connect(
      new StdioClientTransport({
        command: entry.command,
        args: entry.args,
        env: {...env, ...entry.env},
        stderr: 'pipe',
      }),
    )
    try {
      const {tools} = await client.listTools()
      assert.ok(
        tools.some((t) => t.name === 'roll_dice'),
        tools.map((t) => t.name).join(','),
      )
      const result = textOf(await client.callTool({name: 'roll_dice', arguments: {sides: 6}}))
      const fingerprint = createHash('sha256').update(API_KEY).digest('hex').slice(0, 12)
      assert.match(result, new RegExp(`rolled [1-6] \\(key ${fingerprint}\\)`))
    } finally {
      await client.close()
    }
    assert.deepEqual(
      await eventually(
        () => managedContainers('dice'),
        (c) => c.length === 0,
        15_000,
      ),
      [],
    )
  })
})

describe('journey 3: network access for automation tools, through the docker CLI', () => {
  for (const transport of ['sse', 'streaming'] as const) {
    test(`docker mcp gateway run --transport ${transport}`, async () => {
      const port = await freePort()
      const token = randomBytes(16).toString('hex')
      const child = spawn(
        'docker',
        [
          'mcp',
          'gateway',
          'run',
          '--transport',
          transport,
          '--port',
          String(port),
          '--servers',
          'dice',
          '--catalog',
          'docker-mcp',
        ],
        {
          env: {...sandbox.env, MCP_GATEWAY_AUTH_TOKEN: token},
          stdio: ['ignore', 'ignore', 'pipe'],
        },
      )
      let stderr = ''
      child.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d))
      const exited = new Promise<number | null>((r) => child.on('exit', r))
      try {
        await waitForHealth(`http://127.0.0.1:${port}`)
        const headers = {Authorization: `Bearer ${token}`}
        const client = new Client({name: `automation-${transport}`, version: '1'})
        await client.connect(
          transport === 'sse'
            ? new SSEClientTransport(new URL(`http://127.0.0.1:${port}/sse`), {
                requestInit: {headers},
                eventSourceInit: {
                  fetch: (u, i) =>
                    fetch(u, {...i, headers: {...(i?.headers as Record<string, string>), ...headers}}),
                },
              })
            : new StreamableHTTPClientTransport(new URL(`http://127.0.0.1:${port}/mcp`), {
                requestInit: {headers},
              }),
        )
        assert.match(
          textOf(await client.callTool({name: 'roll_dice', arguments: {sides: 20}})),
          /Rolled 1d20/,
        )
        await client.close()
      } finally {
        child.kill('SIGTERM')
        assert.equal(await exited, 0, stderr)
      }
    })
  }
})

describe('journey 4: the gateway as a container', () => {
  test('docker run with the socket and ~/.docker/mcp mounted starts sibling servers and serves clients', async () => {
    const built = await run(
      process.execPath,
      [path.join(ROOT, 'scripts/build-images.mjs'), '--only', 'gateway'],
      {timeoutMs: 300_000},
    )
    assert.equal(built.code, 0, built.stderr)
    const mcpDir = path.join(sandbox.dockerConfig, 'mcp')
    await mkdir(mcpDir, {recursive: true})
    await writeFile(path.join(mcpDir, 'registry.yaml'), 'registry:\n  dice:\n    ref: ""\n')
    const port = await freePort()
    const token = randomBytes(16).toString('hex')
    const name = `docker-mcp-gateway-test-${randomBytes(4).toString('hex')}`
    const started = await run('docker', [
      'run',
      '-d',
      '--name',
      name,
      // The gateway labels its servers' containers with its host name: this lane's (see managedContainers).
      '--hostname',
      hostname(),
      '-p',
      `127.0.0.1:${port}:8811`,
      '-v',
      '/var/run/docker.sock:/var/run/docker.sock',
      '-v',
      `${mcpDir}:/root/.docker/mcp:ro`,
      '-e',
      `MCP_GATEWAY_AUTH_TOKEN=${token}`,
      'docker-mcp-gateway:local',
      '--transport',
      'sse',
      '--port',
      '8811',
    ])
    assert.equal(started.code, 0, started.stderr)
    try {
      await waitForHealth(`http://127.0.0.1:${port}`)
      const headers = {Authorization: `Bearer ${token}`}
      const client = new Client({name: 'container-test', version: '1'})
      await client.connect(
        new SSEClientTransport(new URL(`http://127.0.0.1:${port}/sse`), {
          requestInit: {headers},
          eventSourceInit: {
            fetch: (u, i) =>
              fetch(u, {...i, headers: {...(i?.headers as Record<string, string>), ...headers}}),
          },
        }),
      )
      assert.match(textOf(await client.callTool({name: 'roll_dice', arguments: {sides: 12}})), /Rolled 1d12/)
      await client.close()
      const unauthorized = await fetch(`http://127.0.0.1:${port}/sse`)
      assert.equal(unauthorized.status, 401)
      // The listing may come from the cache in the mounted dir; the live refresh logs when it is done.
      const logs = await eventually(
        async () => (await run('docker', ['logs', name])).stderr,
        (text) => /dice: \(2 tools/.test(text),
        20_000,
      )
      assert.match(logs, /dice: \(2 tools/)
    } finally {
      await run('docker', ['stop', '-t', '10', name])
      await run('docker', ['rm', '-f', name])
    }
    assert.deepEqual(
      await eventually(
        () => managedContainers('dice'),
        (c) => c.length === 0,
        15_000,
      ),
      [],
    )
  })
})
