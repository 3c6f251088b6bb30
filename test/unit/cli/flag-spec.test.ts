import assert from 'node:assert/strict'
import {test} from 'node:test'

import {Parser} from '@oclif/core'

import {booleanAssignments, parseFlagsFast} from '../../../src/cli/flag-spec.js'
import {toOclifFlags} from '../../../src/cli/oclif-flags.js'
import {GATEWAY_RUN_FLAGS} from '../../../src/gateway/flags.js'

const oclifFlags = toOclifFlags(GATEWAY_RUN_FLAGS)
const viaOclif = async (argv: string[]) =>
  (await Parser.parse(argv, {flags: oclifFlags, strict: true})).flags as Record<string, unknown>

// What MCP clients and `docker mcp tools` actually pass: both parsers must agree on every one.
const accepted: string[][] = [
  [],
  ['--servers', 'dice'],
  ['--servers=dice,fixture', '--servers', 'other'],
  ['--transport', 'streaming', '--port', '8811', '--host', '0.0.0.0'],
  ['--catalog', '/tmp/a.yaml', '--catalog=b', '--additional-catalog', 'c'],
  ['--no-log-calls', '--no-cache', '--verbose', '--dry-run', '--long-lived', '--tool-name-prefix'],
  ['--log-calls', '--cache', '--metrics', '--allow-unauthenticated'],
  ['--secret-store', 'file', '--secrets', './a.env', '--tools', 'dice:*', '--tools=echo'],
  ['--cpus', '0.5', '--memory', '512m', '--call-timeout', '5', '--start-timeout=9'],
  ['--max-containers-per-server', '2', '--idle-timeout', '0', '--max-body-size', '2048'],
  ['--registry', 'r.yaml', '--config', 'c.yaml', '--tools-config', 't.yaml'],
]

test('the fast parser and oclif agree on every accepted command line', async () => {
  for (const argv of accepted) {
    const fast = parseFlagsFast(argv, GATEWAY_RUN_FLAGS)
    assert.ok(fast, `fast parser declined ${argv.join(' ')}`)
    assert.deepEqual({...fast}, await viaOclif(argv), argv.join(' '))
  }
})

// Anything unusual goes to oclif, so that errors and help read the same whichever parser would have run.
const declined: string[][] = [
  ['--help'],
  ['-h'],
  ['--unknown'],
  ['positional'],
  ['--servers', 'a', 'b'],
  ['--port', 'abc'],
  ['--port', '0'],
  ['--port', '70000'],
  ['--call-timeout', '0'],
  ['--secret-store', 'vault'],
  ['--transport'],
  ['--transport='],
  ['--verbose=maybe'],
  ['--no-verbose'],
  ['--no-log-calls=1'],
  ['--port', '1', '--port', '2'],
  ['--cpus', '-1'],
  ['--'],
  ['--toString'],
  ['--constructor', 'x'],
]

test('the fast parser declines what only oclif should handle', () => {
  for (const argv of declined) {
    assert.equal(parseFlagsFast(argv, GATEWAY_RUN_FLAGS), undefined, argv.join(' '))
  }
})

test("a boolean takes a value as in Docker's CLI (--block-secrets=false): both parsers, same flags", async () => {
  const cases: Array<[string[], Record<string, boolean>]> = [
    [['--block-secrets=false'], {'block-secrets': false}],
    [['--block-secrets=true', '--log-calls=FALSE'], {'block-secrets': true, 'log-calls': false}],
    [['--cache=0', '--verbose=1', '--dry-run=false'], {cache: false, verbose: true, 'dry-run': false}],
    [['--metrics=t', '--long-lived=F'], {metrics: true, 'long-lived': false}],
  ]
  for (const [argv, want] of cases) {
    const fast = parseFlagsFast(argv, GATEWAY_RUN_FLAGS)
    assert.ok(fast, `fast parser declined ${argv.join(' ')}`)
    // The oclif command parses the same rewritten argv (commands/gateway/run.ts).
    const oclif = await viaOclif(booleanAssignments(argv, GATEWAY_RUN_FLAGS))
    assert.deepEqual({...fast}, oclif, argv.join(' '))
    for (const [name, value] of Object.entries(want))
      assert.equal(fast[name as keyof typeof fast], value, name)
  }
  // Only booleans, only before "--", and a value that is not a boolean is left for the parser to refuse.
  assert.deepEqual(booleanAssignments(['--port=8811', '--', '--verbose=false'], GATEWAY_RUN_FLAGS), [
    '--port=8811',
    '--',
    '--verbose=false',
  ])
  assert.deepEqual(booleanAssignments(['--verbose=maybe'], GATEWAY_RUN_FLAGS), ['--verbose=maybe'])
  await assert.rejects(viaOclif(['--block-secrets=false']), /Unexpected argument: false/)
})

test('defaults: booleans without a default are false, integers and strings take theirs', () => {
  const flags = parseFlagsFast([], GATEWAY_RUN_FLAGS)!
  assert.equal(flags.transport, 'stdio')
  assert.equal(flags['log-calls'], true)
  assert.equal(flags['block-secrets'], true)
  assert.equal(flags.verbose, false)
  assert.equal(flags['call-timeout'], 300)
  assert.equal(flags.port, undefined)
  assert.equal(flags.servers, undefined)
})
