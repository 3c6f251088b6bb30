import assert from 'node:assert/strict'
import {createServer, type AddressInfo} from 'node:net'
import {connect as tlsConnect} from 'node:tls'
import {test} from 'node:test'

import type {ContainerSpec} from '../../../src/docker/container-spec.js'
import {egressPolicy, parseAllowHost, policyKey, proxyConfig} from '../../../src/gateway/egress/allowlist.js'
import {confineSpec} from '../../../src/gateway/egress/confine.js'
import {
  blockedAddressReason,
  checkTarget,
  clientHelloServerName,
  refusalMessage,
  resolveChecked,
  type EgressRule,
} from '../../../src/gateway/egress/proxy-program.js'

/** Issue #16: the allowlist syntax of Docker's catalog, and what the egress proxy lets through. */

test('allowHosts entries: host:port with an optional /http, /https or /tcp', () => {
  assert.deepEqual(parseAllowHost('s', 0, 'API.Example.com.:443'), {
    host: 'api.example.com',
    port: 443,
    protocol: 'any',
  })
  assert.deepEqual(parseAllowHost('s', 0, 'db.test:5432/tcp'), {host: 'db.test', port: 5432, protocol: 'tcp'})
  assert.deepEqual(parseAllowHost('s', 0, 'a.test:80/HTTP'), {host: 'a.test', port: 80, protocol: 'http'})
  assert.deepEqual(parseAllowHost('s', 0, 'a.test:443/https'), {host: 'a.test', port: 443, protocol: 'https'})
  assert.deepEqual(parseAllowHost('s', 0, '[2001:db8::1]:443'), {
    host: '2001:db8::1',
    port: 443,
    protocol: 'any',
  })
  assert.deepEqual(parseAllowHost('s', 0, '93.184.216.34:80'), {
    host: '93.184.216.34',
    port: 80,
    protocol: 'any',
  })
})

test('bad allowHosts entries name the server, the index and what is wrong', () => {
  const cases: Array<[string, RegExp]> = [
    ['example.com', /server "notes": allowHosts\[2\] "example.com" is not host:port/],
    ['example.com:0', /port 0 is out of range/],
    ['example.com:70000', /not host:port|out of range/],
    ['example.com:443/udp', /unknown protocol "udp"/],
    ['*.example.com:443', /wildcards are not supported/],
    ['127.0.0.1:80', /127\.0\.0\.1 is a loopback address/],
    ['169.254.169.254:80', /link-local/],
    ['[::1]:80', /loopback/],
    ['localhost:80', /localhost is the server's own container/],
    ['exa mple.com:80', /is not a valid host name/],
  ]
  for (const [value, message] of cases) assert.throws(() => parseAllowHost('notes', 2, value), message, value)
})

test('a policy: duplicates collapse, order does not matter for sharing, extraHosts do', () => {
  assert.equal(egressPolicy('s', {}), undefined)
  assert.equal(egressPolicy('s', {allowHosts: []}), undefined)
  const a = egressPolicy('s', {allowHosts: ['b.test:80', 'a.test:443', 'b.test:80']})!
  const b = egressPolicy('t', {allowHosts: ['a.test:443', 'b.test:80']})!
  assert.equal(a.rules.length, 2)
  assert.equal(policyKey(a), policyKey(b))
  const c = egressPolicy('t', {allowHosts: ['a.test:443', 'b.test:80'], extraHosts: ['a.test:10.0.0.1']})!
  assert.notEqual(policyKey(a), policyKey(c))
  assert.notEqual(policyKey(a), policyKey(egressPolicy('s', {allowHosts: ['a.test:443']})!))
})

test('two /tcp entries on one port are refused; the HTTP proxy port moves out of a /tcp port', () => {
  assert.throws(
    () => egressPolicy('s', {allowHosts: ['a.test:5432/tcp', 'b.test:5432/tcp']}),
    /server "s": allowHosts lists a\.test:5432\/tcp and b\.test:5432\/tcp: two \/tcp entries cannot share a port/,
  )
  assert.equal(proxyConfig(egressPolicy('s', {allowHosts: ['a.test:443']})!).httpPort, 3128)
  assert.equal(
    proxyConfig(egressPolicy('s', {allowHosts: ['a.test:3128/tcp', 'b.test:3129/tcp']})!).httpPort,
    3130,
  )
})

test('addresses no server may reach, however they are written', () => {
  const blocked = [
    '127.0.0.1',
    '127.1.2.3',
    '0.0.0.0',
    '169.254.169.254',
    '224.0.0.251',
    '255.255.255.255',
    '::1',
    '::',
    '::ffff:127.0.0.1',
    '::ffff:169.254.169.254',
    '::ffff:a9fe:a9fe',
    'fe80::1',
    'ff02::1',
    'fd00:ec2::254',
  ]
  for (const ip of blocked) assert.ok(blockedAddressReason(ip, []), ip)
  for (const ip of [
    '10.0.0.1',
    '172.17.0.2',
    '192.168.1.1',
    '93.184.216.34',
    '2001:db8::1',
    '::ffff:8.8.8.8',
  ])
    assert.equal(blockedAddressReason(ip, []), undefined, ip)
  assert.equal(blockedAddressReason('172.18.0.5', ['172.18.0.5']), 'the egress proxy itself')
})

const RULES: EgressRule[] = [
  {host: 'api.test', port: 443, protocol: 'any'},
  {host: 'plain.test', port: 80, protocol: 'http'},
  {host: 'secure.test', port: 443, protocol: 'https'},
  {host: 'db.test', port: 5432, protocol: 'tcp'},
  {host: '93.184.216.34', port: 80, protocol: 'any'},
]

test('the proxy checks host AND port AND kind, and says why it refuses', () => {
  const ok = (host: string, port: number, kind: 'http' | 'connect' | 'tcp') =>
    checkTarget(RULES, host, port, kind).allowed
  const why = (host: string, port: number, kind: 'http' | 'connect' | 'tcp') => {
    const v = checkTarget(RULES, host, port, kind)
    return v.allowed ? 'allowed' : v.reason
  }
  assert.ok(ok('API.test.', 443, 'connect'))
  assert.ok(ok('api.test', 443, 'http'))
  assert.ok(ok('plain.test', 80, 'http'))
  assert.ok(ok('secure.test', 443, 'connect'))
  assert.ok(ok('db.test', 5432, 'tcp'))
  assert.ok(ok('93.184.216.34', 80, 'http'))
  assert.equal(why('other.test', 443, 'connect'), "other.test is not in this server's allowlist")
  assert.equal(
    why('10.0.0.1', 443, 'connect'),
    'direct connections to IP addresses are not allowed (10.0.0.1)',
  )
  assert.equal(why('api.test', 8443, 'connect'), 'port 8443 is not allowed for api.test (allowed: 443)')
  assert.match(why('secure.test', 443, 'http'), /plain HTTP to secure\.test:443 is not allowed/)
  assert.match(why('db.test', 5432, 'connect'), /allowed for raw TCP only/)
  assert.match(
    refusalMessage(RULES, 'other.test:443', 'x'),
    /^docker-mcp egress proxy refused other\.test:443: x\. This server runs with --block-network and may only reach: api\.test:443, plain\.test:80\/http, secure\.test:443\/https, db\.test:5432\/tcp, 93\.184\.216\.34:80\./,
  )
})

test('a name is refused when ANY of its addresses is one no server may reach; the first address is used', async () => {
  const resolver = (map: Record<string, string[]>) => async (h: string) => map[h] ?? []
  assert.deepEqual(await resolveChecked('a.test', [], resolver({'a.test': ['10.0.0.7', '10.0.0.8']})), {
    address: '10.0.0.7',
  })
  assert.deepEqual(
    await resolveChecked('a.test', [], resolver({'a.test': ['10.0.0.7', '169.254.169.254']})),
    {
      reason:
        'a.test resolves to 169.254.169.254, a link-local address (where cloud metadata services answer)',
    },
  )
  assert.deepEqual(await resolveChecked('a.test', [], resolver({})), {reason: 'a.test does not resolve'})
})

/** The first bytes a real TLS client sends (Node's own ClientHello). */
async function clientHello(servername: string | undefined): Promise<Buffer> {
  const server = createServer()
  const first = new Promise<Buffer>((resolve) =>
    server.on('connection', (socket) => socket.once('data', (d: Buffer) => (resolve(d), socket.destroy()))),
  )
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const {port} = server.address() as AddressInfo
  const client = tlsConnect({
    host: '127.0.0.1',
    port,
    ...(servername ? {servername} : {}),
    rejectUnauthorized: false,
  })
  client.on('error', () => {})
  const data = await first
  client.destroy()
  server.close()
  return data
}

test('the TLS server name is read from a real ClientHello; partial or non-TLS data is not one', async () => {
  const hello = await clientHello('allowed.test')
  assert.equal(clientHelloServerName(hello), 'allowed.test')
  assert.equal(clientHelloServerName(await clientHello(undefined)), undefined)
  assert.equal(clientHelloServerName(hello.subarray(0, 40)), null)
  assert.equal(clientHelloServerName(Buffer.from('GET / HTTP/1.1\r\n\r\n')), null)
})

function spec(network: string, env: string[] = [], extraHosts?: string[]): ContainerSpec {
  return {
    Image: 'x',
    Cmd: [],
    Env: env,
    Labels: {'docker-mcp': 'true'},
    OpenStdin: true,
    StdinOnce: true,
    AttachStdin: true,
    AttachStdout: true,
    AttachStderr: true,
    Tty: false,
    HostConfig: {
      Init: true,
      AutoRemove: true,
      SecurityOpt: [],
      NetworkMode: network,
      CapDrop: ['ALL'],
      ...(extraHosts ? {ExtraHosts: extraHosts} : {}),
    },
  }
}

test('confining a spec: no allowHosts → no network; with a proxy → its network, its variables, /tcp names to it', () => {
  assert.equal(confineSpec(spec('none'), undefined).HostConfig.NetworkMode, 'none')
  const open = confineSpec(spec('bridge', [], ['x.test:10.0.0.1']), undefined)
  assert.equal(open.HostConfig.NetworkMode, 'none')
  assert.equal(open.HostConfig.ExtraHosts, undefined)
  const confined = confineSpec(
    spec('bridge', ['A=1', 'HTTPS_PROXY=http://evil:1', 'no_proxy=*'], ['x.test:10.0.0.1']),
    {
      key: 'k1',
      network: 'docker-mcp-egress-g-k1',
      address: '172.30.0.2',
      httpPort: 3128,
      tcpHosts: ['db.test'],
    },
  )
  assert.equal(confined.HostConfig.NetworkMode, 'docker-mcp-egress-g-k1')
  assert.deepEqual(confined.HostConfig.ExtraHosts, ['db.test:172.30.0.2'])
  assert.deepEqual(confined.Env, [
    'A=1',
    'HTTP_PROXY=http://172.30.0.2:3128',
    'HTTPS_PROXY=http://172.30.0.2:3128',
    'http_proxy=http://172.30.0.2:3128',
    'https_proxy=http://172.30.0.2:3128',
    'NO_PROXY=localhost,127.0.0.1,::1',
    'no_proxy=localhost,127.0.0.1,::1',
  ])
  assert.equal(confined.Labels['docker-mcp-egress'], 'k1')
})

test('confining a spec drops the other networks it would join (the gateway container networks, in compose)', () => {
  const inCompose = {...spec('proj_default'), ExtraNetworks: ['proj_backend']}
  const proxy = {
    key: 'k1',
    network: 'docker-mcp-egress-g-k1',
    address: '172.30.0.2',
    httpPort: 3128,
    tcpHosts: [],
  }
  const confined = confineSpec(inCompose, proxy)
  assert.equal(confined.HostConfig.NetworkMode, 'docker-mcp-egress-g-k1')
  assert.equal(confined.ExtraNetworks, undefined)
  assert.equal(confineSpec(inCompose, undefined).ExtraNetworks, undefined)
})
