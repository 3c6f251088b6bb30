import assert from 'node:assert/strict'
import {test} from 'node:test'

import {
  buildContainerSpec,
  declaredNetwork,
  describeSpec,
  expandEnvRefs,
  parseMemory,
  secretsInCommand,
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

test('hardening is always on: init, no-new-privileges, limits, labels, auto-remove, strict: no network', () => {
  const spec = buildContainerSpec(base({gatewayPid: 42, sessionId: 's1', strictNetwork: true}))
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
  // Issue #12: every capability dropped, a pids limit, and stdin closed when the gateway's attach ends
  // (a SIGKILLed gateway must not leave its containers waiting for input forever).
  assert.deepEqual(spec.HostConfig.CapDrop, ['ALL'])
  assert.equal(spec.HostConfig.CapAdd, undefined)
  assert.equal(spec.HostConfig.PidsLimit, 512)
  assert.equal(spec.StdinOnce, true)
  assert.equal(spec.HostConfig.ReadonlyRootfs, undefined)
})

test('capabilities added back are normalised, limited to Docker defaults; pids limit and read-only root', () => {
  const spec = buildContainerSpec(
    base({entry: {image: 'i', capAdd: ['net_bind_service', 'CAP_CHOWN', 'NET_BIND_SERVICE']}, pidsLimit: 64}),
  )
  assert.deepEqual(spec.HostConfig.CapAdd, ['NET_BIND_SERVICE', 'CHOWN'])
  assert.deepEqual(spec.HostConfig.CapDrop, ['ALL'])
  assert.equal(spec.HostConfig.PidsLimit, 64)
  assert.throws(
    () => buildContainerSpec(base({entry: {image: 'i', capAdd: ['SYS_ADMIN']}})),
    /server "dice": capability "SYS_ADMIN" cannot be added/,
  )
  assert.equal(buildContainerSpec(base({pidsLimit: 0})).HostConfig.PidsLimit, undefined)
  for (const over of [{readOnlyRoot: true}, {entry: {image: 'i', readOnly: true}}]) {
    const ro = buildContainerSpec(base(over))
    assert.equal(ro.HostConfig.ReadonlyRootfs, true)
    assert.deepEqual(Object.keys(ro.HostConfig.Tmpfs ?? {}), ['/tmp'])
  }
})

test('a catalog env var named like a declared secret never overrides the secret (mutation audit)', () => {
  const spec = buildContainerSpec(
    base({
      entry: {
        image: 'i',
        env: [
          {name: 'API_TOKEN', value: 'attacker-chosen'},
          {name: 'OTHER', value: 'x'},
        ],
      },
      secretEnv: {API_TOKEN: 's3cr3t'},
    }),
  )
  assert.deepEqual(spec.Env, ['API_TOKEN=s3cr3t', 'OTHER=x'])
})

test('a secret expanded into command is refused: it would show in host ps', () => {
  const entry = {
    image: 'i',
    command: ['--verbose', '--token=${API_TOKEN}'],
    secrets: [{name: 'dice.token', env: 'API_TOKEN'}],
  }
  assert.deepEqual(secretsInCommand(entry), [{index: 1, env: 'API_TOKEN', secret: 'dice.token'}])
  assert.throws(
    () => buildContainerSpec(base({entry, secretEnv: {API_TOKEN: 's3cr3t'}})),
    /server "dice": command\[1\] expands the secret "dice.token" \(\$API_TOKEN\).*environment instead/,
  )
  // A variable that is not a declared secret's is not a secret.
  assert.deepEqual(secretsInCommand({command: ['$HOME', '$API_TOKEN'], secrets: []}), [])
  assert.deepEqual(secretsInCommand({command: ['$API_TOKENS'], secrets: entry.secrets}), [])
})

test('limits of 0 are omitted', () => {
  const spec = buildContainerSpec(base({cpus: 0, memoryBytes: 0}))
  assert.equal(spec.HostConfig.NanoCpus, undefined)
  assert.equal(spec.HostConfig.Memory, undefined)
})

// [case, entry, network by default (the original's), network with --network-default none]
const networkCases: Array<[string, Record<string, unknown>, boolean, boolean]> = [
  // Issue #15: Docker's catalog declares nothing for servers that need the internet (fetch): they get a
  // network, as with the original; strict mode keeps the old "none unless declared".
  ['nothing said: a network (strict: none)', {}, true, false],
  ['empty allowHosts says nothing', {allowHosts: []}, true, false],
  ['disableNetwork: true', {disableNetwork: true}, false, false],
  ['disableNetwork: false asks for it', {disableNetwork: false}, true, true],
  ['allowHosts asks for it', {allowHosts: ['api.github.com:443']}, true, true],
  ['explicit network: true', {network: true}, true, true],
  ['disableNetwork wins over allowHosts', {disableNetwork: true, allowHosts: ['x:1']}, false, false],
  // Mutation audit (issue #12): `network: none` must never grant a network, whatever else the entry says.
  ['network: none', {network: 'none'}, false, false],
  ['network: none wins over allowHosts', {network: 'none', allowHosts: ['x:1']}, false, false],
  ['network: none wins over disableNetwork: false', {network: 'none', disableNetwork: false}, false, false],
  ['network: false', {network: false, allowHosts: ['x:1']}, false, false],
]
for (const [name, entry, byDefault, strict] of networkCases) {
  test(`network: ${name}`, () => {
    assert.equal(wantsNetwork(entry), byDefault)
    assert.equal(wantsNetwork(entry, {strict: false}), byDefault)
    assert.equal(wantsNetwork(entry, {strict: true}), strict)
    const spec = buildContainerSpec(base({entry: {image: 'i', ...entry}}))
    assert.equal(spec.HostConfig.NetworkMode, byDefault ? 'bridge' : 'none')
    const strictSpec = buildContainerSpec(base({entry: {image: 'i', ...entry}, strictNetwork: true}))
    assert.equal(strictSpec.HostConfig.NetworkMode, strict ? 'bridge' : 'none')
  })
}

test('declaredNetwork: what the entry says, undefined when silent', () => {
  assert.equal(declaredNetwork({}), undefined)
  assert.equal(declaredNetwork({disableNetwork: true}), false)
  assert.equal(declaredNetwork({disableNetwork: false}), true)
  assert.equal(declaredNetwork({allowHosts: ['h:443']}), true)
})

test('gateway networks (container mode): the first at create, the others joined before start', () => {
  const spec = buildContainerSpec(base({entry: {image: 'i'}, networks: ['proj_back', 'proj_front']}))
  assert.equal(spec.HostConfig.NetworkMode, 'proj_back')
  assert.deepEqual(spec.ExtraNetworks, ['proj_front'])
  assert.match(describeSpec(spec), /--network proj_back --network proj_front/)
  const one = buildContainerSpec(base({entry: {image: 'i'}, networks: ['proj_default']}))
  assert.equal(one.HostConfig.NetworkMode, 'proj_default')
  assert.equal(one.ExtraNetworks, undefined)
  // disableNetwork (or strict and silent) joins none of them.
  for (const input of [
    base({entry: {image: 'i', disableNetwork: true}, networks: ['a', 'b']}),
    base({entry: {image: 'i'}, networks: ['a', 'b'], strictNetwork: true}),
  ]) {
    const none = buildContainerSpec(input)
    assert.equal(none.HostConfig.NetworkMode, 'none')
    assert.equal(none.ExtraNetworks, undefined)
  }
})

test('secrets go to Env, never to Cmd; env templates and $VAR expansion', () => {
  const spec = buildContainerSpec(
    base({
      entry: {
        image: 'i',
        command: ['--user=$USER_NAME', '{{dice.mode}}', '--verbose'],
        env: [
          {name: 'HOST', value: '{{dice.host}}'},
          {name: 'EMPTY', value: '{{dice.missing}}'},
          {name: 'AUTH', value: 'Bearer ${API_TOKEN}'},
          {name: 'PLAIN', value: 'x'},
        ],
      },
      secretEnv: {API_TOKEN: 's3cr3t', USER_NAME: 'alice'},
      evaluate: (expr) =>
        ({'{{dice.host}}': ['db.local'], '{{dice.mode}}': ['--fast', '--safe']})[expr] ?? [],
    }),
  )
  assert.deepEqual(spec.Env, [
    'API_TOKEN=s3cr3t',
    'USER_NAME=alice',
    'HOST=db.local',
    'AUTH=Bearer s3cr3t',
    'PLAIN=x',
  ])
  // $VAR in command expands against the server's env (secrets declared by the entry are refused there).
  assert.deepEqual(spec.Cmd, ['--user=alice', '--fast', '--safe', '--verbose'])
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
    base({
      entry: {image: 'i', user: '{{x.uid}}', extraHosts: ['h:1.2.3.4'], disableNetwork: true},
      evaluate: () => ['1000'],
    }),
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

test('describeSpec names env vars without their values, derived ones included (Bearer $TOKEN)', () => {
  const spec = buildContainerSpec(
    base({
      secretEnv: {API_KEY: 'abcdefgh12345'},
      entry: {image: 'i', env: [{name: 'AUTH', value: 'Bearer $API_KEY'}], capAdd: ['CHOWN']},
      readOnlyRoot: true,
      strictNetwork: true,
    }),
  )
  const text = describeSpec(spec)
  assert.match(text, /-e API_KEY -e AUTH /)
  assert.doesNotMatch(text, /abcd|12345|Bearer/)
  assert.match(
    text,
    /--cap-drop ALL --network none --cap-add CHOWN --pids-limit 512 --read-only --tmpfs \/tmp:/,
  )
})
