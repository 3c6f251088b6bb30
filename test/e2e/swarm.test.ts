/**
 * Issue #20, Swarm: deploy/swarm/stack.yaml deployed with `docker stack deploy` on this machine's engine.
 *
 * - the engine joins a single-node swarm (`docker swarm init --advertise-addr 127.0.0.1`) unless it is in one
 *   already; the test leaves it only if it initialised it;
 * - the token is a Docker secret, read by the gateway from /run/secrets (MCP_GATEWAY_AUTH_TOKEN_FILE); the
 *   catalog is a Docker config;
 * - the stack starts with 1 replica, is scaled to 3 with `docker service scale`, then updated (rolling,
 *   start-first, waited for until "completed"); each replica answers a 2026-07-28 (stateless) client and a
 *   2025-era session, and calls a tool in a server container it started on the stack's attachable overlay
 *   network;
 * - with --peers (cross-replica forwarding, when the gateway has it), a 2025 session opened on one replica is
 *   served through another;
 * - `docker stack rm` leaves no container, network or service of the stack, and no server container.
 *
 * This machine's kernel has no IPVS (CONFIG_IP_VS is not set): Swarm's routing mesh and VIPs need it (dockerd
 * logs "Could not get ipvs family information from the kernel ... Native loadbalancing will not work"), so
 * the ingress-published port accepts connections that reach no replica. The test deploys the file as shipped
 * (routing mesh) and calls a tool from inside the replica (the server container must not try to join
 * `ingress`); after the scale, a rolling `docker service update` publishes each replica in host mode on a port the
 * engine picks, with `endpoint_mode: dnsrr`, to reach the replicas from here.
 *
 * Needs root's engine and the fixture image (DOCKER_MCP_TEST_TAG); builds its own gateway image tag.
 */
import assert from 'node:assert/strict'
import {randomBytes} from 'node:crypto'
import {mkdtemp, readFile, rm, writeFile} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import path from 'node:path'
import {after, before, test} from 'node:test'

import {Client, StreamableHTTPClientTransport} from '@modelcontextprotocol/client'
import {parse, stringify} from 'yaml'

import {eventually, textOf} from '../helpers/gateway.js'
import {freePort} from '../helpers/http-gateway.js'
import {ROOT, run, RUN_JS} from '../helpers/sandbox.js'

const TEST_TAG = process.env.DOCKER_MCP_TEST_TAG || 'test'
const FIXTURE = `docker-mcp-fixture:${TEST_TAG}`
// Our own gateway tag: docker-mcp-gateway:local may be rebuilt from another checkout while this runs.
const GATEWAY = `docker-mcp-gateway:swarm-${TEST_TAG}`
const id = randomBytes(4).toString('hex')
const STACK = `dmcpswarm${id}`
const SERVICE = `${STACK}_gateway`
const SERVER = `swarmprobe-${id}`
const SECRET = `dmcp_swarm_${id}_token`
const TOKEN = randomBytes(16).toString('hex')
const auth = {Authorization: `Bearer ${TOKEN}`}

let dir: string
let skipReason: string | undefined
let initialisedSwarm = false
/** Whether docker_gwbridge existed before this test initialised the swarm (see `after`). */
let hadGatewayBridge = true
let peersSupported = false
let completed = false

const docker = (
  args: string[],
  options: {input?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number} = {},
) => run('docker', args, {timeoutMs: 180_000, ...options})

async function lines(args: string[]): Promise<string[]> {
  return (await docker(args)).stdout
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean)
}

/** Whatever of the stack and of the gateways' servers is still on the engine. */
async function leftovers(): Promise<string[]> {
  const label = `label=com.docker.stack.namespace=${STACK}`
  return [
    ...(await lines(['service', 'ls', '-q', '--filter', label])),
    ...(await lines(['ps', '-aq', '--filter', label])),
    ...(await lines(['network', 'ls', '-q', '--filter', label])),
    ...(await lines(['config', 'ls', '-q', '--filter', label])),
    ...(await lines(['ps', '-aq', '--filter', `label=docker-mcp-name=${SERVER}`])),
  ]
}

// A fetch to a port whose listener is not up yet can hang holding no ref'd handle: keep the process alive.
const keepAlive = setInterval(() => {}, 1000)

before(async () => {
  const state = (
    await docker(['info', '--format', '{{.Swarm.LocalNodeState}} {{.Swarm.ControlAvailable}}'])
  ).stdout.trim()
  if (state.startsWith('active') && !state.endsWith('true')) {
    skipReason = 'this engine is a swarm worker: a stack is deployed from a manager'
    return
  }
  if (!state.startsWith('active')) {
    if (state !== 'inactive false') {
      skipReason = `the engine's swarm state is "${state}"`
      return
    }
    hadGatewayBridge = (await lines(['network', 'ls', '-q', '--filter', 'name=^docker_gwbridge$'])).length > 0
    const init = await docker(['swarm', 'init', '--advertise-addr', '127.0.0.1'])
    assert.equal(init.code, 0, init.stderr)
    initialisedSwarm = true
  }
  const help = await run(process.execPath, [RUN_JS, 'gateway', 'run', '--help'])
  peersSupported = help.stdout.includes('--peers')

  const built = await run(
    process.execPath,
    [path.join(ROOT, 'scripts/build-images.mjs'), '--only', 'gateway'],
    {
      env: {...process.env, DOCKER_MCP_GATEWAY_TAG: GATEWAY},
      timeoutMs: 300_000,
    },
  )
  assert.equal(built.code, 0, built.stderr)

  dir = await mkdtemp(path.join(tmpdir(), 'docker-mcp-swarm-'))
  await writeFile(
    path.join(dir, 'catalog.yaml'),
    [
      'version: 2',
      'name: swarm-test',
      'registry:',
      `  ${SERVER}:`,
      `    image: ${FIXTURE}`,
      // One container per session, on the gateway's network: the stack's overlay.
      '    longLived: true',
      '',
    ].join('\n'),
  )
  // The stack file as shipped (MCP_GATEWAY_PEERS included), but for the first replica count (scaled to 3 below).
  const stack = parse(await readFile(path.join(ROOT, 'deploy/swarm/stack.yaml'), 'utf8')) as {
    services: {
      gateway: {
        deploy: {replicas: number}
        environment: Record<string, string>
        healthcheck: Record<string, unknown>
      }
    }
  }
  const gateway = stack.services.gateway
  assert.equal(gateway.deploy.replicas, 3, 'the shipped stack runs 3 replicas')
  assert.equal(gateway.environment.MCP_GATEWAY_PEERS, 'tasks.gateway:8811')
  gateway.deploy.replicas = 1
  // The same check, with room for this shared 2-core machine (load averages near 40 were seen): there a
  // check's `node` took more than the file's 10 s and Swarm never saw the replica healthy. A healthcheck is a
  // timer; the test must not depend on how fast the machine is.
  gateway.healthcheck = {...gateway.healthcheck, timeout: '60s', retries: 10, start_period: '300s'}
  await writeFile(path.join(dir, 'stack.yaml'), stringify(stack))

  const secret = await docker(
    ['secret', 'create', '--label', `io.docker-mcp.test=swarm-${id}`, SECRET, '-'],
    {
      input: `${TOKEN}\n`,
    },
  )
  assert.equal(secret.code, 0, secret.stderr)
})

after(async () => {
  clearInterval(keepAlive)
  if (dir) {
    if (!completed) {
      const logs = await docker(['service', 'logs', '--raw', '--tail', '60', SERVICE])
      process.stderr.write(logs.stdout + logs.stderr)
    }
    await docker(['stack', 'rm', STACK])
    await eventually(leftovers, (left) => left.length === 0, 90_000)
    const servers = await lines(['ps', '-aq', '--filter', `label=docker-mcp-name=${SERVER}`])
    if (servers.length) await docker(['rm', '-f', ...servers])
    await rm(dir, {recursive: true, force: true})
  }
  await docker(['secret', 'rm', SECRET])
  if (initialisedSwarm) {
    await docker(['swarm', 'leave', '--force'])
    // `swarm init` creates the docker_gwbridge network and `swarm leave` keeps it: removed when it was ours.
    if (!hadGatewayBridge) await docker(['network', 'rm', 'docker_gwbridge'])
  }
})

/** The host port of each running replica (host-mode publishing: one per task). */
async function replicaPorts(): Promise<number[]> {
  const ids = await lines(['ps', '-q', '--filter', `label=com.docker.swarm.service.name=${SERVICE}`])
  const ports: number[] = []
  for (const cid of ids) {
    const out = (await docker(['port', cid, '8811/tcp'])).stdout
    const m = /:(\d+)\s*$/m.exec(out)
    if (m) ports.push(Number(m[1]))
  }
  return ports.sort()
}

async function healthy(port: number): Promise<boolean> {
  return fetch(`http://127.0.0.1:${port}/health`, {signal: AbortSignal.timeout(3000)})
    .then((r) => r.status === 200)
    .catch(() => false)
}

/** Wait until `n` replicas run and answer /health; their ports. */
async function waitForReplicas(n: number): Promise<number[]> {
  const ports = await eventually(
    async () => {
      const found = await replicaPorts()
      const ok = await Promise.all(found.map(healthy))
      return found.filter((_, i) => ok[i])
    },
    (p) => p.length === n,
    240_000,
  )
  assert.equal(ports.length, n, `${n} healthy replicas of ${SERVICE}: ${ports.join(', ')}`)
  return ports
}

function client(port: number, era: '2025' | '2026', routed?: typeof fetch) {
  const c = new Client(
    {name: 'swarm-test', version: '1'},
    era === '2026' ? {versionNegotiation: {mode: {pin: '2026-07-28'}}} : {},
  )
  const transport = new StreamableHTTPClientTransport(new URL(`http://127.0.0.1:${port}/mcp`), {
    requestInit: {headers: auth},
    ...(routed ? {fetch: routed} : {}),
  })
  return {client: c, transport}
}

/** A call through one replica; the server container's host name (its container id). */
async function whoamiThrough(port: number, era: '2025' | '2026'): Promise<string> {
  const {client: c, transport} = client(port, era)
  await c.connect(transport)
  try {
    const names = (await c.listTools()).tools.map((t) => t.name)
    assert.ok(names.includes('echo'), `replica on ${port} lists the server's tools: ${names.join(', ')}`)
    const echoed = await c.callTool({name: 'echo', arguments: {text: `hi ${era} via ${port}`}})
    assert.equal(textOf(echoed), `hi ${era} via ${port}`)
    return (JSON.parse(textOf(await c.callTool({name: 'whoami', arguments: {}}))) as {hostname: string})
      .hostname
  } finally {
    await c.close()
  }
}

/**
 * A 2025-era call made inside a replica's container, to its own 127.0.0.1:8811 (the routing mesh does not
 * work on this machine): the token is read there from the secret's file, never put on a command line.
 * Prints the hostname the server's whoami tool answers.
 */
const CALL_INSIDE = `
const token = require('fs').readFileSync('/run/secrets/mcp_gateway_token', 'utf8').trim()
const url = 'http://127.0.0.1:8811/mcp'
let session
async function rpc(method, params, id) {
  const headers = {authorization: 'Bearer ' + token, 'content-type': 'application/json',
    accept: 'application/json, text/event-stream'}
  if (session) headers['mcp-session-id'] = session
  const r = await fetch(url, {method: 'POST', headers, body: JSON.stringify({jsonrpc: '2.0', method, params, id})})
  session = session || r.headers.get('mcp-session-id')
  const text = await r.text()
  if (id === undefined) return
  const line = text.split('\\n').find((l) => l.startsWith('data: '))
  return JSON.parse(line ? line.slice(6) : text)
}
;(async () => {
  await rpc('initialize', {protocolVersion: '2025-06-18', capabilities: {}, clientInfo: {name: 'inside', version: '1'}}, 1)
  await rpc('notifications/initialized', {})
  const answer = await rpc('tools/call', {name: 'whoami', arguments: {}}, 2)
  if (!answer.result || answer.result.isError) throw new Error(JSON.stringify(answer))
  process.stdout.write(JSON.parse(answer.result.content[0].text).hostname)
})().catch((e) => { console.error(e.message); process.exit(1) })
`

async function serverNetworks(container: string): Promise<string[]> {
  const out = (await docker(['inspect', '--format', '{{json .NetworkSettings.Networks}}', container])).stdout
  return Object.keys(JSON.parse(out) as Record<string, unknown>)
}

test('swarm: the stack deploys, scales to 3, serves each era through the published ports, and rm leaves nothing', async (t) => {
  if (skipReason) return t.skip(skipReason)
  const stackFile = path.join(dir, 'stack.yaml')
  const deployed = await docker(['stack', 'deploy', '--resolve-image', 'never', '-c', stackFile, STACK], {
    env: {
      ...process.env,
      MCP_GATEWAY_IMAGE: GATEWAY,
      MCP_SERVERS: SERVER,
      MCP_CATALOG_FILE: path.join(dir, 'catalog.yaml'),
      MCP_TOKEN_SECRET: SECRET,
      // Not the default 8811: the routing mesh would take that port on every address of this shared machine.
      MCP_GATEWAY_PORT: String(await freePort()),
    },
  })
  assert.equal(deployed.code, 0, deployed.stderr)

  // As shipped (routing mesh): the replica is on `ingress` and the stack's network; its server joins only
  // the latter (the engine refuses containers on `ingress`: the server would not start).
  const healthyTask = await eventually(
    () =>
      lines([
        'ps',
        '-q',
        '--filter',
        `label=com.docker.swarm.service.name=${SERVICE}`,
        '--filter',
        'health=healthy',
      ]),
    (ids) => ids.length === 1,
    240_000,
  )
  assert.equal(healthyTask.length, 1, 'one healthy replica (the stack healthcheck)')
  assert.deepEqual((await serverNetworks(healthyTask[0]!)).sort(), ['ingress', `${STACK}_mcp`].sort())
  const inside = await docker(['exec', healthyTask[0]!, 'node', '-e', CALL_INSIDE])
  assert.equal(inside.code, 0, inside.stderr)
  assert.deepEqual(await serverNetworks(inside.stdout.trim()), [`${STACK}_mcp`])

  // Scaled to 3 (still behind the routing mesh): three healthy replicas.
  const scaled = await docker(['service', 'scale', '--detach', `${SERVICE}=3`])
  assert.equal(scaled.code, 0, scaled.stderr)
  const threeHealthy = await eventually(
    () =>
      lines([
        'ps',
        '-q',
        '--filter',
        `label=com.docker.swarm.service.name=${SERVICE}`,
        '--filter',
        'health=healthy',
      ]),
    (ids) => ids.length === 3,
    240_000,
  )
  assert.equal(threeHealthy.length, 3, 'three healthy replicas')

  // What this machine needs to reach replicas from outside (no IPVS, see the header), as a rolling update of
  // the three (the stack's update_config: one at a time, start-first); the CLI waits until it has converged.
  // A shorter monitor period than the file's 30 s: the test does not need to wait for a rollback window.
  const updated = await docker(
    [
      'service',
      'update',
      '--detach=false',
      '--quiet',
      '--update-monitor',
      '5s',
      '--update-delay',
      '1s',
      '--publish-rm',
      '8811',
      '--publish-add',
      'mode=host,target=8811',
      '--endpoint-mode',
      'dnsrr',
      SERVICE,
    ],
    {timeoutMs: 300_000},
  )
  assert.equal(updated.code, 0, updated.stderr)
  // The CLI returns once the tasks converged; the update's monitor period may still be running.
  const state = await eventually(
    async () =>
      (await docker(['service', 'inspect', '--format', '{{.UpdateStatus.State}}', SERVICE])).stdout.trim(),
    (st) => st !== 'updating',
    120_000,
  )
  assert.equal(state, 'completed', 'the rolling update completed (no rollback)')
  const ports = await waitForReplicas(3)
  // The token is the secret's: without it, 401; with it, calls work.
  const refused = await fetch(`http://127.0.0.1:${ports[0]}/mcp`, {method: 'POST', body: '{}'})
  assert.equal(refused.status, 401)

  for (const port of ports) {
    await whoamiThrough(port, '2026')
    const host = await whoamiThrough(port, '2025')
    // The session's server container runs on the stack's overlay network, started by this replica.
    assert.deepEqual(await serverNetworks(host), [`${STACK}_mcp`], `server ${host} via ${port}`)
  }

  await t.test('a 2025 session opened on one replica is served by another (--peers)', async (s) => {
    if (!peersSupported) return s.skip('gateway run has no --peers yet (cross-replica forwarding)')
    // Initialise on replica A; send the rest of the session to replica B: B forwards to A, the owner.
    let target = ports[0]!
    const routed: typeof fetch = (input, init) => {
      const url = new URL(input instanceof Request ? input.url : String(input))
      url.port = String(target)
      return fetch(url, init)
    }
    const {client: c, transport} = client(ports[0]!, '2025', routed)
    await c.connect(transport)
    try {
      target = ports[1]!
      const echoed = await c.callTool({name: 'echo', arguments: {text: 'forwarded'}})
      assert.equal(textOf(echoed), 'forwarded')
    } finally {
      await c.close()
    }
  })

  // Each gateway gets SIGTERM, drains and removes its server containers; the stack's network can only go once
  // they have: `docker stack rm` does not wait for that, so a second one (as deploy/README.md says) removes it.
  const removed = await docker(['stack', 'rm', STACK])
  const gone = (left: string[]) => left.length === 0
  const containersGone = await eventually(
    async () => [
      ...(await lines(['ps', '-aq', '--filter', `label=com.docker.stack.namespace=${STACK}`])),
      ...(await lines(['ps', '-aq', '--filter', `label=docker-mcp-name=${SERVER}`])),
    ],
    gone,
    90_000,
  )
  assert.deepEqual(containersGone, [], 'the gateways and their server containers are gone')
  if (removed.code !== 0) {
    process.stderr.write(`first docker stack rm: ${removed.stderr}\n`)
    const again = await docker(['stack', 'rm', STACK])
    assert.equal(again.code, 0, again.stderr)
  }
  assert.deepEqual(await eventually(leftovers, gone, 60_000), [])
  completed = true
})
