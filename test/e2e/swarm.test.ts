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
