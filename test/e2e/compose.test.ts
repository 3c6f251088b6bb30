/**
 * Issue #15, compose parity: the gateway image in a compose project beside a TCP service (`db`), driven by
 * docker-compose (v1, Debian's; the v2 plugin is not installed here; both read this file the same way).
 *
 * - the gateway reads the compose secret at /run/secrets/mcp_secret without --secrets;
 * - the server containers it starts join its networks, so a server reaches `db` by its service name: the
 *   call succeeds only then (on the default bridge, `db` does not resolve; a `disableNetwork: true` server
 *   beside it fails the same call);
 * - `--static`: a second gateway, without the Docker socket, reaches a pre-started `mcp-<server>` service
 *   running docker-mcp-bridge, taken from the gateway image through a volume;
 * - `docker-compose down` succeeds (its network has no endpoint left: the gateway removed its servers on
 *   SIGTERM) and leaves no container, network or volume of the project, nor any server container.
 *
 * Needs docker-compose (scripts/test.sh installs it) and the fixture image (DOCKER_MCP_TEST_TAG).
 */
import assert from 'node:assert/strict'
import {createHash, randomBytes} from 'node:crypto'
import {mkdtemp, rm, writeFile} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import path from 'node:path'
import {after, before, test} from 'node:test'

import {Client, StreamableHTTPClientTransport} from '@modelcontextprotocol/client'

import {eventually, textOf} from '../helpers/gateway.js'
import {freePort} from '../helpers/http-gateway.js'
import {ROOT, run} from '../helpers/sandbox.js'

const TEST_TAG = process.env.DOCKER_MCP_TEST_TAG || 'test'
const FIXTURE = `docker-mcp-fixture:${TEST_TAG}`
// Our own gateway tag: docker-mcp-gateway:local may be rebuilt from another checkout while this runs.
const GATEWAY = `docker-mcp-gateway:compose-${TEST_TAG}`
const id = randomBytes(4).toString('hex')
const PROJECT = `dmcpcompose${id}`
const LABEL = `io.docker-mcp.test=compose-${id}`
const SERVER = `probe-${id}`
const ISOLATED = `isolated-${id}`
const SECRET = `compose_${id}.token`
const SECRET_VALUE = randomBytes(12).toString('hex')

let dir: string
let port: number
let staticPort: number
let composeAvailable = true

const compose = (...args: string[]) =>
  run('docker-compose', ['--project-name', PROJECT, '--file', path.join(dir, 'compose.yaml'), ...args], {
    cwd: dir,
    timeoutMs: 180_000,
  })

/** What is left of the project and of the servers the gateway started. */
async function leftovers(): Promise<string[]> {
  const lines = async (args: string[]) =>
    (await run('docker', args)).stdout
      .split('\n')
      .map((l) => l.trim())
      .filter(Boolean)
  return [
    ...(await lines(['ps', '-aq', '--filter', `label=com.docker.compose.project=${PROJECT}`])),
    ...(await lines(['ps', '-aq', '--filter', `label=docker-mcp-name=${SERVER}`])),
    ...(await lines(['ps', '-aq', '--filter', `label=docker-mcp-name=${ISOLATED}`])),
    ...(await lines(['network', 'ls', '-q', '--filter', `label=com.docker.compose.project=${PROJECT}`])),
    ...(await lines(['volume', 'ls', '-q', '--filter', `label=com.docker.compose.project=${PROJECT}`])),
  ]
}

before(async () => {
  composeAvailable = (await run('docker-compose', ['version']).catch(() => ({code: 1}))).code === 0
  if (!composeAvailable) return
  const built = await run(
    process.execPath,
    [path.join(ROOT, 'scripts/build-images.mjs'), '--only', 'gateway'],
    {
      env: {...process.env, DOCKER_MCP_GATEWAY_TAG: GATEWAY},
      timeoutMs: 300_000,
    },
  )
  assert.equal(built.code, 0, built.stderr)
  dir = await mkdtemp(path.join(tmpdir(), 'docker-mcp-compose-'))
  port = await freePort()
  staticPort = await freePort()
  await writeFile(
    path.join(dir, 'catalog.yaml'),
    [
      'version: 2',
      'name: compose-test',
      'registry:',
      // Declares nothing about its network: it gets one (the original's default), here the gateway's.
      `  ${SERVER}:`,
      `    image: ${FIXTURE}`,
      '    longLived: true',
      '    env:',
      '      - name: FIXTURE_TCP_TARGET',
      '        value: db:7000',
      '    secrets:',
      `      - name: ${SECRET}`,
      '        env: COMPOSE_TOKEN',
      `  ${ISOLATED}:`,
      `    image: ${FIXTURE}`,
      '    disableNetwork: true',
      '    env:',
      '      - name: FIXTURE_TCP_TARGET',
      '        value: db:7000',
      '      - name: FIXTURE_TOOLS_PREFIX',
      '        value: iso_',
      '',
    ].join('\n'),
  )
  await writeFile(path.join(dir, 'mcp_secret.env'), `${SECRET}=${SECRET_VALUE}\n`)
  const tcpService =
    "require('net').createServer((s) => s.once('data', () => s.end('pong from db\\n'))).listen(7000)"
  const labels = `    labels: ['${LABEL}']`
  await writeFile(
    path.join(dir, 'compose.yaml'),
    [
      "version: '3.7'",
      'services:',
      '  db:',
      `    image: ${FIXTURE}`,
      `    entrypoint: ['/usr/bin/node', '-e', ${JSON.stringify(tcpService)}]`,
      '    networks: [backend]',
      labels,
      '  gateway:',
      `    image: ${GATEWAY}`,
      `    command: ['--transport', 'streaming', '--port', '8811', '--catalog', '/mcp/catalog.yaml', '--servers', '${SERVER},${ISOLATED}', '--verbose']`,
      `    environment: ['MCP_GATEWAY_AUTH_TOKEN=${id}-token']`,
      `    ports: ['127.0.0.1:${port}:8811']`,
      '    volumes:',
      '      - /var/run/docker.sock:/var/run/docker.sock',
      '      - ./catalog.yaml:/mcp/catalog.yaml:ro',
      '    secrets: [mcp_secret]',
      '    networks: [backend]',
      labels,
      // Static mode: no Docker socket; the server is a service of the project.
      '  gateway-static:',
      `    image: ${GATEWAY}`,
      `    command: ['--transport', 'streaming', '--port', '8811', '--catalog', '/mcp/catalog.yaml', '--servers', '${SERVER}', '--static']`,
      `    environment: ['MCP_GATEWAY_AUTH_TOKEN=${id}-token']`,
      `    ports: ['127.0.0.1:${staticPort}:8811']`,
      '    volumes:',
      '      - ./catalog.yaml:/mcp/catalog.yaml:ro',
      // Created first (mcp-* depends on it), it fills the empty volume with the image's bridge.
      '      - bridge:/docker-mcp/misc',
      '    networks: [backend]',
      labels,
      `  mcp-${SERVER}:`,
      `    image: ${FIXTURE}`,
      `    entrypoint: ['/docker-mcp/misc/docker-mcp-bridge', '/usr/bin/node', '/app/index.mjs']`,
      "    environment: ['FIXTURE_TCP_TARGET=db:7000']",
      '    volumes: ["bridge:/docker-mcp/misc:ro"]',
      '    depends_on: [gateway-static]',
      '    networks: [backend]',
      labels,
      'secrets:',
      '  mcp_secret:',
      '    file: ./mcp_secret.env',
      'networks:',
      '  backend: {}',
      'volumes:',
      '  bridge: {}',
      '',
    ].join('\n'),
  )
})

let completed = false
// A fetch to a published port whose container does not listen yet can hang (docker-proxy accepted it)
// holding no ref'd handle (undici): the test process then ended mid-test ("event loop has already
// resolved"). This keeps it alive, and `waitUntilHealthy` gives each try its own deadline.
const keepAlive = setInterval(() => {}, 1000)

async function waitUntilHealthy(base: string): Promise<void> {
  const status = await eventually(
    () =>
      fetch(`${base}/health`, {signal: AbortSignal.timeout(3000)})
        .then((r) => r.status)
        .catch(() => 0),
    (s) => s === 200,
    120_000,
  )
  assert.equal(status, 200, `${base}/health did not answer 200 in 120 s`)
}

after(async () => {
  clearInterval(keepAlive)
  if (!dir) return
  // What the gateways said, when the test did not get to its end.
  if (!completed) process.stderr.write((await compose('logs', '--no-color', '--tail', '80')).stdout)
  await compose('down', '--volumes', '--remove-orphans', '--timeout', '20').catch(() => undefined)
  // Belt and braces: anything labelled for this run.
  for (const name of [SERVER, ISOLATED]) {
    const ids = (await run('docker', ['ps', '-aq', '--filter', `label=docker-mcp-name=${name}`])).stdout
      .split('\n')
      .filter(Boolean)
    if (ids.length) await run('docker', ['rm', '-f', ...ids])
  }
  await rm(dir, {recursive: true, force: true})
})

async function connect(base: string): Promise<Client> {
  await waitUntilHealthy(base)
  const client = new Client({name: 'compose-test', version: '1'})
  await client.connect(
    new StreamableHTTPClientTransport(new URL(`${base}/mcp`), {
      requestInit: {headers: {Authorization: `Bearer ${id}-token`}},
    }),
  )
  return client
}

test('compose: the gateway image beside a TCP service, its secret file, static mode, and down', async (t) => {
  if (!composeAvailable) return t.skip('docker-compose is not installed (scripts/test.sh installs it)')
  const up = await compose('up', '--detach')
  assert.equal(up.code, 0, up.stderr)

  const client = await connect(`http://127.0.0.1:${port}`)
  try {
    // The server reaches `db` by its compose service name: only on the gateway's network.
    const probe = await client.callTool({name: 'tcp_probe', arguments: {}})
    assert.equal(probe.isError, undefined, textOf(probe))
    assert.equal(textOf(probe), 'pong from db')
    // Its secret came from /run/secrets/mcp_secret (no --secrets given), and is not shown.
    const hash = await client.callTool({name: 'env_hash', arguments: {name: 'COMPOSE_TOKEN'}})
    assert.equal(textOf(hash), createHash('sha256').update(SECRET_VALUE).digest('hex'))
    // The server that declares `disableNetwork: true` has none, in compose as anywhere.
    const isolated = await client.callTool({name: 'iso_tcp_probe', arguments: {}})
    assert.equal(isolated.isError, true, textOf(isolated))

    // The long-lived server container is on the project's network (and nothing else).
    const container = (
      await run('docker', ['ps', '-q', '--filter', `label=docker-mcp-name=${SERVER}`])
    ).stdout.trim()
    assert.ok(container, 'the long-lived server container runs')
    const networks = (
      await run('docker', ['inspect', '--format', '{{json .NetworkSettings.Networks}}', container])
    ).stdout
    assert.deepEqual(Object.keys(JSON.parse(networks) as object), [`${PROJECT}_backend`])
  } finally {
    await client.close()
  }

  // Static: the gateway without a socket reaches the pre-started mcp-<server> through the bridge.
  const staticClient = await connect(`http://127.0.0.1:${staticPort}`)
  try {
    const probe = await staticClient.callTool({name: 'tcp_probe', arguments: {}})
    assert.equal(textOf(probe), 'pong from db')
    // The server process runs in the pre-started container (its hostname is that container's id).
    const who = JSON.parse(textOf(await staticClient.callTool({name: 'whoami', arguments: {}}))) as {
      hostname: string
    }
    const inspected = await run('docker', ['ps', '-q', '--filter', `name=${PROJECT}_mcp-${SERVER}`])
    assert.ok(inspected.stdout.trim().startsWith(who.hostname), `${who.hostname} vs ${inspected.stdout}`)
  } finally {
    await staticClient.close()
  }

  // down stops the gateway (SIGTERM: it removes its servers), then removes the network: that fails while a
  // server container is still attached to it.
  const down = await compose('down', '--volumes', '--timeout', '20')
  assert.equal(down.code, 0, down.stderr)
  assert.doesNotMatch(down.stderr, /error|active endpoints/i)
  assert.deepEqual(await eventually(leftovers, (left) => left.length === 0, 15_000), [])
  completed = true
})
