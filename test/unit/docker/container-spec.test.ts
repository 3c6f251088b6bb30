import assert from 'node:assert/strict'
import {test} from 'node:test'

import {
  buildContainerSpec,
  describeSpec,
  expandEnvRefs,
  parseMemory,
  wantsNetwork,
  type ContainerSpecInput,
} from '../../../src/docker/container-spec.js'

const base = (over: Partial<ContainerSpecInput> = {}): ContainerSpecInput => ({
  server: 'dice',
  entry: {image: 'dice-mcp-server:latest'},
  secretEnv: {},
  evaluate: () => [],
  gatewayId: 'gw1',
  cpus: 1,
  memoryBytes: 2 * 1024 ** 3,
  ...over,
})

test('hardening is always on: init, no-new-privileges, limits, labels, auto-remove, no network', () => {
  const spec = buildContainerSpec(base({gatewayPid: 42, sessionId: 's1'}))
  assert.equal(spec.Image, 'dice-mcp-server:latest')
  assert.equal(spec.HostConfig.Init, true)
  assert.equal(spec.HostConfig.AutoRemove, true)
  assert.deepEqual(spec.HostConfig.SecurityOpt, ['no-new-privileges'])
  assert.equal(spec.HostConfig.NanoCpus, 1e9)
  assert.equal(spec.HostConfig.Memory, 2 * 1024 ** 3)
  assert.equal(spec.HostConfig.NetworkMode, 'none')
  assert.deepEqual(spec.Labels, {
    'docker-mcp': 'true',
    'docker-mcp-tool-type': 'mcp',
    'docker-mcp-name': 'dice',
    'docker-mcp-transport': 'stdio',
    'docker-mcp-gateway': 'gw1',
    'docker-mcp-gateway-pid': '42',
    'docker-mcp-session': 's1',
  })
  assert.equal(spec.OpenStdin, true)
  assert.equal(spec.Tty, false)
})

test('limits of 0 are omitted', () => {
  const spec = buildContainerSpec(base({cpus: 0, memoryBytes: 0}))
  assert.equal(spec.HostConfig.NanoCpus, undefined)
  assert.equal(spec.HostConfig.Memory, undefined)
})

const networkCases: Array<[string, Record<string, unknown>, boolean]> = [
  ['nothing said: no network (secure default)', {}, false],
  ['disableNetwork: true', {disableNetwork: true}, false],
  ['disableNetwork: false asks for it', {disableNetwork: false}, true],
  ['allowHosts asks for it', {allowHosts: ['api.github.com:443']}, true],
  ['explicit network: true', {network: true}, true],
  ['disableNetwork wins over allowHosts', {disableNetwork: true, allowHosts: ['x:1']}, false],
]
for (const [name, entry, expected] of networkCases) {
  test(`network: ${name}`, () => {
    assert.equal(wantsNetwork(entry), expected)
    const spec = buildContainerSpec(base({entry: {image: 'i', ...entry}}))
    assert.equal(spec.HostConfig.NetworkMode, expected ? 'bridge' : 'none')
  })
}

test('secrets go to Env, never to Cmd; env templates and $VAR expansion', () => {
  const spec = buildContainerSpec(
    base({
      entry: {
        image: 'i',
        command: ['--token=$API_TOKEN', '{{dice.mode}}', '--verbose'],
        env: [
          {name: 'HOST', value: '{{dice.host}}'},
          {name: 'EMPTY', value: '{{dice.missing}}'},
          {name: 'AUTH', value: 'Bearer ${API_TOKEN}'},
          {name: 'PLAIN', value: 'x'},
        ],
      },
      secretEnv: {API_TOKEN: 's3cr3t'},
      evaluate: (expr) =>
        ({'{{dice.host}}': ['db.local'], '{{dice.mode}}': ['--fast', '--safe']})[expr] ?? [],
    }),
  )
  assert.deepEqual(spec.Env, ['API_TOKEN=s3cr3t', 'HOST=db.local', 'AUTH=Bearer s3cr3t', 'PLAIN=x'])
  // A command line shows in `ps` and `docker inspect`'s Args: only env references may carry secrets there.
  assert.deepEqual(spec.Cmd, ['--token=s3cr3t', '--fast', '--safe', '--verbose'])
})

test('volumes: list values expand, empty and flag-like results are dropped (the original "-v :/app" bug)', () => {
  const spec = buildContainerSpec(
    base({
      entry: {image: 'i', volumes: ['{{fs.paths|volume}}', '{{fs.none|mount_as:/app}}', '/data:/data:ro']},
      evaluate: (expr) =>
        expr.startsWith('{{fs.paths') ? ['/a:/a', '/b:/b'] : expr.includes('none') ? [':/app'] : [],
    }),
  )
  assert.deepEqual(spec.HostConfig.Binds, ['/a:/a', '/b:/b', '/data:/data:ro'])
})

test('user is templated; extra hosts only with a network', () => {
  const spec = buildContainerSpec(
    base({entry: {image: 'i', user: '{{x.uid}}', extraHosts: ['h:1.2.3.4']}, evaluate: () => ['1000']}),
  )
  assert.equal(spec.User, '1000')
  assert.equal(spec.HostConfig.ExtraHosts, undefined)
  const net = buildContainerSpec(
    base({entry: {image: 'i', extraHosts: ['h:1.2.3.4'], disableNetwork: false}}),
  )
  assert.deepEqual(net.HostConfig.ExtraHosts, ['h:1.2.3.4'])
})

test('an entry without image is refused', () => {
  assert.throws(() => buildContainerSpec(base({entry: {}})), /has no image/)
})

test('parseMemory follows docker --memory syntax', () => {
  assert.equal(parseMemory('2Gb'), 2 * 1024 ** 3)
  assert.equal(parseMemory('512m'), 512 * 1024 ** 2)
  assert.equal(parseMemory('1024'), 1024)
  assert.equal(parseMemory(''), 0)
  assert.equal(parseMemory('0'), 0)
  assert.throws(() => parseMemory('lots'), /invalid memory value/)
})

test('expandEnvRefs leaves unknown variables alone', () => {
  assert.equal(expandEnvRefs('$A-${B}-$C', {A: '1', B: '2'}), '1-2-$C')
})

test('describeSpec masks secret values', () => {
  const spec = buildContainerSpec(base({secretEnv: {API_KEY: 'abcdefgh12345'}}))
  const text = describeSpec(spec, new Set(['API_KEY']), (v) => `${v.slice(0, 4)}****`)
  assert.match(text, /API_KEY=abcd\*\*\*\*/)
  assert.doesNotMatch(text, /abcdefgh12345/)
})
