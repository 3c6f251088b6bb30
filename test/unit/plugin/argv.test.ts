import assert from 'node:assert/strict'
import {test} from 'node:test'

import {dockerOptionsToEnv, normalizeArgv} from '../../../src/plugin/argv.js'

const cases: Array<{name: string; argv: string[]; args: string[]; docker?: Record<string, unknown>}> = [
  {name: 'docker mcp server ls', argv: ['mcp', 'server', 'ls'], args: ['server', 'ls']},
  {name: 'standalone without mcp', argv: ['server', 'ls'], args: ['server', 'ls']},
  {name: 'no arguments', argv: [], args: []},
  {name: 'just mcp', argv: ['mcp'], args: []},
  {name: 'help route', argv: ['help', 'mcp', 'server'], args: ['server', '--help']},
  {name: 'help mcp alone', argv: ['help', 'mcp'], args: ['--help']},
  {name: 'mcp --help', argv: ['mcp', '--help'], args: ['--help']},
  {
    name: '--context value before mcp',
    argv: ['--context', 'prod', 'mcp', 'server', 'ls'],
    args: ['server', 'ls'],
    docker: {context: 'prod'},
  },
  {
    name: 'context named mcp is a value, not the plugin name (naive-strip bug)',
    argv: ['--context', 'mcp', 'mcp', 'version'],
    args: ['version'],
    docker: {context: 'mcp'},
  },
  {
    name: '--flag=value forms and booleans',
    argv: ['--config=/tmp/cfg', '-D', '--tlsverify', '--host=tcp://h:2376', 'mcp', 'version'],
    args: ['version'],
    docker: {config: '/tmp/cfg', debug: true, tlsverify: true, host: ['tcp://h:2376']},
  },
  {
    name: 'short value flags, separate and glued',
    argv: ['-H', 'unix:///a.sock', '-cdev', '-l', 'debug', 'mcp', 'server', 'ls'],
    args: ['server', 'ls'],
    docker: {host: ['unix:///a.sock'], context: 'dev', logLevel: 'debug'},
  },
  {
    name: 'flags after mcp belong to the command',
    argv: ['mcp', 'gateway', 'run', '--config', 'x.yaml', '-D'],
    args: ['gateway', 'run', '--config', 'x.yaml', '-D'],
  },
  {
    name: 'tls material',
    argv: ['--tls', '--tlscacert', 'ca.pem', '--tlscert=c.pem', '--tlskey', 'k.pem', 'mcp', 'version'],
    args: ['version'],
    docker: {tls: true, tlscacert: 'ca.pem', tlscert: 'c.pem', tlskey: 'k.pem'},
  },
  {
    name: '--debug=false',
    argv: ['--debug=false', 'mcp', 'version'],
    args: ['version'],
    docker: {debug: false},
  },
  {
    // docker passes `--` when a user ends its own flags before the plugin: it must not reach oclif.
    name: 'end of docker flags: --',
    argv: ['--context', 'dev', '--', 'mcp', 'server', 'ls'],
    args: ['server', 'ls'],
    docker: {context: 'dev'},
  },
  {
    name: '-- alone before the plugin name',
    argv: ['--', 'mcp', 'version'],
    args: ['version'],
  },
  {
    name: 'help with global flags',
    argv: ['-D', 'help', 'mcp', 'catalog', 'ls'],
    args: ['catalog', 'ls', '--help'],
    docker: {debug: true},
  },
]

for (const c of cases) {
  test(`normalizeArgv: ${c.name}`, () => {
    const result = normalizeArgv(c.argv)
    assert.deepEqual(result.args, c.args)
    assert.deepEqual(result.docker, c.docker ?? {})
  })
}

test('dockerOptionsToEnv maps engine-choosing flags to the variables docker clients honour', () => {
  assert.deepEqual(
    dockerOptionsToEnv({context: 'prod', host: ['tcp://a:1', 'tcp://b:2'], config: '/c', tlsverify: true}),
    {DOCKER_CONFIG: '/c', DOCKER_CONTEXT: 'prod', DOCKER_HOST: 'tcp://a:1', DOCKER_TLS_VERIFY: '1'},
  )
  // --context beats an inherited DOCKER_HOST, as in docker itself.
  assert.deepEqual(dockerOptionsToEnv({context: 'prod'}), {DOCKER_CONTEXT: 'prod', DOCKER_HOST: ''})
  assert.deepEqual(dockerOptionsToEnv({}), {})
})
