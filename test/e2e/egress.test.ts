import assert from 'node:assert/strict'
import {writeFile} from 'node:fs/promises'
import path from 'node:path'
import {after, before, test} from 'node:test'

import {connectGateway, eventually, IMAGES, textOf, type ConnectedGateway} from '../helpers/gateway.js'
import {makeSandbox, run, type Sandbox} from '../helpers/sandbox.js'

/**
 * Issue #16, egress allowlists: `gateway run --block-network` confines a server to the `allowHosts` of its
 * catalog entry, through an egress proxy the gateway builds and starts itself. Real containers: two
 * "internet" services (the fixture image in its FIXTURE_INTERNET mode) on a user-defined network under the
 * names allowed.test (also db.test, a /tcp entry) and denied.test, a fixture server with fetch and tcp
 * tools, and the gateway with --egress-network pointing its proxies at that network.
 *
 * Without the flag, the same server (on the default bridge, which the services also join; names from
 * extraHosts) reaches both services: what is refused with the flag is refused by the flag.
 */
const TAG = process.env.DOCKER_MCP_TEST_TAG || 'test'
const NET = `docker-mcp-egress-test-${TAG}`
const TEST_LABEL = `docker-mcp-egress-test=${TAG}`
const SERVICES = {allowed: `docker-mcp-egress-allowed-${TAG}`, denied: `docker-mcp-egress-denied-${TAG}`}

let sandbox: Sandbox
const bridgeIp: Record<string, string> = {}
const netIp: Record<string, string> = {}

async function docker(...args: string[]): Promise<string> {
  const r = await run('docker', args)
  if (r.code !== 0) throw new Error(`docker ${args.join(' ')}: ${r.stderr}`)
  return r.stdout.trim()
}

async function removeTestObjects(): Promise<void> {
  await run('docker', ['rm', '-f', SERVICES.allowed, SERVICES.denied])
  await run('docker', ['network', 'rm', NET])
}

/** Egress proxies, confined servers and egress networks anywhere on the engine (the label is ours alone). */
async function egressObjects(): Promise<{proxies: string[]; servers: string[]; networks: string[]}> {
  const list = async (...args: string[]) => (await docker(...args)).split('\n').filter(Boolean).sort()
  const ps = (type: string) =>
    list(
      'ps',
      '-a',
      '--filter',
      'label=docker-mcp-egress',
      '--filter',
      `label=docker-mcp-tool-type=${type}`,
      '--format',
      '{{.Names}}',
    )
  return {
    proxies: await ps('egress-proxy'),
    servers: await ps('mcp'),
    networks: await list('network', 'ls', '--filter', 'label=docker-mcp-egress', '--format', '{{.Name}}'),
  }
}
const NOTHING = {proxies: [], servers: [], networks: []}

before(async () => {
  sandbox = await makeSandbox()
  await removeTestObjects()
  await docker('network', 'create', '--label', TEST_LABEL, NET)
  for (const [role, name] of Object.entries(SERVICES)) {
    const host = `${role}.test`
    await docker(
      'run',
      '-d',
      '--rm',
      '--name',
      name,
      '--label',
      TEST_LABEL,
      '--network',
      NET,
      '--network-alias',
      host,
      ...(role === 'allowed' ? ['--network-alias', 'db.test'] : []),
      '-e',
      `FIXTURE_INTERNET=${host}`,
      '-e',
      'FIXTURE_INTERNET_HTTP=80,8081',
      '-e',
      'FIXTURE_INTERNET_TCP=5432',
      IMAGES.fixture,
    )
    await docker('network', 'connect', 'bridge', name)
    const ready = await eventually(
      () => run('docker', ['logs', name]).then((r) => r.stderr + r.stdout),
      (logs) => logs.includes('internet service ready'),
      30_000,
    )
    assert.match(ready, /internet service ready/)
    bridgeIp[role] = await docker('inspect', '-f', '{{.NetworkSettings.Networks.bridge.IPAddress}}', name)
    netIp[role] = await docker(
      'inspect',
      '-f',
      `{{(index .NetworkSettings.Networks "${NET}").IPAddress}}`,
      name,
    )
  }
})

after(async () => {
  await removeTestObjects()
  await sandbox.cleanup()
})

/** netfix: confined to allowed.test:80 and db.test:5432/tcp (and two names that resolve where no server may go). */
async function writeCatalog(file: string, extraHosts: string[]): Promise<string> {
  const catalog = path.join(sandbox.home, file)
  await writeFile(
    catalog,
    [
      'name: egress-test',
      'registry:',
      '  netfix:',
      `    image: ${IMAGES.fixture}`,
      '    allowHosts: [allowed.test:80, trick.test:80, meta.test:80, "db.test:5432/tcp"]',
      `    extraHosts: ${JSON.stringify(extraHosts)}`,
      '  nonet:',
      `    image: ${IMAGES.fixture}`,
      '    disableNetwork: false',
      '    env:',
      '      - {name: FIXTURE_TOOLS_PREFIX, value: nonet_}',
      '      - {name: FIXTURE_NAME, value: nonet}',
      '',
    ].join('\n'),
  )
  return catalog
}

async function call(gw: ConnectedGateway, name: string, args: Record<string, unknown>): Promise<string> {
  return textOf(await gw.client.callTool({name, arguments: args}))
}

test('--block-network: allowed host answered; other names, direct IPs, other ports, DNS tricks, SNI mismatch and bypasses refused; nothing left after shutdown', async () => {
  // DNS tricks: names in the allowlist that resolve to loopback and to the cloud metadata address.
  const catalog = await writeCatalog('confined.yaml', ['trick.test:127.0.0.1', 'meta.test:169.254.169.254'])
  const gw = await connectGateway(
    sandbox,
    [
      '--catalog',
      catalog,
      '--servers',
      'netfix,nonet',
      '--block-network',
      '--egress-network',
      NET,
      '--long-lived',
      '--no-cache',
      '--verbose',
    ],
    {viaDocker: false},
  )
  const seen: Record<string, string> = {}
  try {
    seen.allowed = await call(gw, 'fetch', {url: 'http://allowed.test/'})
    assert.match(seen.allowed, /^status 200\nhello from allowed\.test:80/, gw.stderr())
    seen.allowedTunnel = await call(gw, 'fetch', {url: 'http://allowed.test/', tunnel: true})
    assert.match(seen.allowedTunnel, /^status 200\nhello from allowed\.test:80/)

    seen.denied = await call(gw, 'fetch', {url: 'http://denied.test/'})
    assert.match(
      seen.denied,
      /^status 403\ndocker-mcp egress proxy refused denied\.test:80: denied\.test is not in this server's allowlist/,
    )
    assert.match(
      seen.denied,
      /may only reach: allowed\.test:80, db\.test:5432\/tcp, meta\.test:80, trick\.test:80/,
    )
    seen.deniedTunnel = await call(gw, 'fetch', {url: 'http://denied.test/', tunnel: true})
    assert.match(seen.deniedTunnel, /^status 403\n.*denied\.test is not in this server's allowlist/)

    seen.directIp = await call(gw, 'fetch', {url: `http://${netIp.allowed}/`})
    assert.match(seen.directIp, /^status 403\n.*direct connections to IP addresses are not allowed/)
    seen.directIpTunnel = await call(gw, 'fetch', {url: `http://${netIp.denied}/`, tunnel: true})
    assert.match(seen.directIpTunnel, /^status 403\n.*direct connections to IP addresses are not allowed/)

    seen.otherPort = await call(gw, 'fetch', {url: 'http://allowed.test:8081/'})
    assert.match(seen.otherPort, /^status 403\n.*port 8081 is not allowed for allowed\.test \(allowed: 80\)/)

    seen.dnsLoopback = await call(gw, 'fetch', {url: 'http://trick.test/'})
    assert.match(seen.dnsLoopback, /^status 403\n.*trick\.test resolves to 127\.0\.0\.1, a loopback address/)
    seen.dnsMetadata = await call(gw, 'fetch', {url: 'http://meta.test/', tunnel: true})
    assert.match(
      seen.dnsMetadata,
      /^status 403\n.*meta\.test resolves to 169\.254\.169\.254, a link-local address/,
    )

    // An allowed CONNECT whose TLS handshake names another host: the proxy closes the tunnel.
    seen.sniMismatch = await call(gw, 'fetch', {url: 'http://allowed.test/', sni: 'denied.test'})
    assert.match(seen.sniMismatch, /^tls: ECONNRESET .*disconnected before secure TLS connection/)
    // The same handshake naming the allowed host goes through (to an HTTP port, so TLS then fails there).
    seen.sniMatch = await call(gw, 'fetch', {url: 'http://allowed.test/', sni: 'allowed.test'})
    assert.doesNotMatch(seen.sniMatch, /disconnected before secure TLS connection/)

    // /tcp: the name resolves to the proxy, which forwards to the real db.test.
    seen.tcpAllowed = await call(gw, 'tcp', {host: 'db.test', port: 5432})
    assert.equal(seen.tcpAllowed, 'received: banner from allowed.test:5432\n')
    // Around the proxy: no route out of the internal network, by name or address.
    seen.bypassName = await call(gw, 'tcp', {host: 'denied.test', port: 80})
    assert.match(seen.bypassName, /^error: /)
    seen.bypassIp = await call(gw, 'tcp', {host: netIp.denied!, port: 80})
    assert.match(seen.bypassIp, /^error: /)

    // No allowHosts: no network at all.
    seen.noAllowHosts = await call(gw, 'nonet_fetch', {url: 'http://allowed.test/'})
    assert.match(seen.noAllowHosts, /^error: /)

    // The proxy and its network are labelled; the server's only network is the internal one.
    const during = await egressObjects()
    const {proxies, servers} = during
    assert.equal(proxies.length, 1, JSON.stringify(during))
    assert.equal(servers.length, 1, JSON.stringify(during))
    assert.equal(during.networks.length, 1, JSON.stringify(during))
    const networksOf = async (container: string) =>
      (
        await docker(
          'inspect',
          '-f',
          '{{range $k, $v := .NetworkSettings.Networks}}{{$k}} {{end}}',
          container,
        )
      )
        .split(' ')
        .filter(Boolean)
        .sort()
    assert.deepEqual(await networksOf(proxies[0]!), [NET, during.networks[0]!].sort())
    assert.deepEqual(await networksOf(servers[0]!), [during.networks[0]!])
    const internal = await docker('network', 'inspect', '-f', '{{.Internal}}', during.networks[0]!)
    assert.equal(internal, 'true')
  } finally {
    await gw.close()
    process.stderr.write(`egress matrix (--block-network):\n${JSON.stringify(seen, null, 2)}\n`)
  }
  const left = await eventually(
    egressObjects,
    (o) => o.proxies.length + o.servers.length + o.networks.length === 0,
    30_000,
  )
  assert.deepEqual(left, NOTHING)
})

test('without --block-network, the same server reaches both services', async () => {
  const catalog = await writeCatalog('open.yaml', [
    `allowed.test:${bridgeIp.allowed}`,
    `denied.test:${bridgeIp.denied}`,
  ])
  const gw = await connectGateway(sandbox, ['--catalog', catalog, '--servers', 'netfix', '--no-cache'], {
    viaDocker: false,
  })
  try {
    const allowed = await call(gw, 'fetch', {url: 'http://allowed.test/'})
    assert.match(allowed, /^status 200\nhello from allowed\.test:80/, gw.stderr())
    const denied = await call(gw, 'fetch', {url: 'http://denied.test/'})
    assert.match(denied, /^status 200\nhello from denied\.test:80/)
    const otherPort = await call(gw, 'fetch', {url: 'http://allowed.test:8081/'})
    assert.match(otherPort, /^status 200\nhello from allowed\.test:8081/)
    process.stderr.write(`egress matrix (no flag): ${JSON.stringify({allowed, denied, otherPort})}\n`)
  } finally {
    await gw.close()
  }
  assert.deepEqual(await egressObjects(), NOTHING)
})

test('a SIGKILLed gateway leaves no proxy behind, and the next gateway removes its network', async () => {
  const catalog = await writeCatalog('killed.yaml', [])
  const gw = await connectGateway(
    sandbox,
    [
      '--catalog',
      catalog,
      '--servers',
      'netfix',
      '--block-network',
      '--egress-network',
      NET,
      '--long-lived',
      '--no-cache',
    ],
    {viaDocker: false},
  )
  const pid = gw.transport.pid
  assert.ok(pid)
  let during: Awaited<ReturnType<typeof egressObjects>>
  try {
    assert.match(await call(gw, 'fetch', {url: 'http://allowed.test/'}), /^status 200/, gw.stderr())
    during = await egressObjects()
    assert.equal(during.proxies.length, 1, JSON.stringify(during))
    assert.equal(during.networks.length, 1, JSON.stringify(during))
  } finally {
    process.kill(pid, 'SIGKILL')
    await gw.close()
  }
  // The engine closes the proxy's stdin with the dead gateway's attach: it exits and is removed.
  // (The server ends the same way: its stdin closes.)
  const ended = await eventually(egressObjects, (o) => o.proxies.length + o.servers.length === 0, 30_000)
  assert.deepEqual(ended.proxies, [])
  assert.deepEqual(ended.servers, [])
  assert.deepEqual(ended.networks, during.networks, 'the network stays until a gateway sweeps it')

  // The next gateway (any flags) sweeps networks of dead gateways when it connects to the engine.
  const next = await connectGateway(sandbox, ['--catalog', catalog, '--servers', 'netfix', '--no-cache'], {
    viaDocker: false,
  })
  try {
    const swept = await eventually(egressObjects, (o) => o.networks.length === 0, 30_000)
    assert.deepEqual(swept, NOTHING, next.stderr())
  } finally {
    await next.close()
  }
})
