import assert from 'node:assert/strict'
import {after, before, test} from 'node:test'

import {writeSecretsFile, writeTestCatalog} from '../helpers/gateway.js'
import {makeSandbox, runCli, type Sandbox} from '../helpers/sandbox.js'

// A secret must never appear in what we print: not with --verbose, not in --json, not in errors.
const VALUE = 'sup3r-s3cret-VALUE-9d2c41'
let sandbox: Sandbox
let catalog: string

before(async () => {
  sandbox = await makeSandbox({DOCKER_MCP_SECRET_STORE: 'file'})
  catalog = await writeTestCatalog(sandbox)
})
after(async () => sandbox.cleanup())

function assertNoLeak(label: string, r: {stdout: string; stderr: string}) {
  assert.ok(!r.stdout.includes(VALUE), `${label}: secret in stdout`)
  assert.ok(!r.stderr.includes(VALUE), `${label}: secret in stderr`)
  // Nor a long piece of it (masking shows at most 4 characters).
  assert.ok(
    !r.stdout.includes(VALUE.slice(0, 8)) && !r.stderr.includes(VALUE.slice(0, 8)),
    `${label}: secret prefix leaked`,
  )
}

test('secret commands and a verbose gateway dry run never print the value', async () => {
  const runs = [
    await runCli(sandbox, ['secret', 'set', `fixture.secret=${VALUE}`]),
    await runCli(sandbox, ['secret', 'ls']),
    await runCli(sandbox, ['secret', 'ls', '--json']),
    await runCli(sandbox, ['secret', 'set', 'fixture.other'], {input: `${VALUE}\n`}),
    await runCli(sandbox, ['secret', 'set', `bad name!=${VALUE}`]),
  ]
  runs.forEach((r, i) => assertNoLeak(`secret command ${i}`, r))
  assert.equal(runs[0]!.code, 0, runs[0]!.stderr)
  assert.notEqual(runs[4]!.code, 0)

  const dry = await runCli(
    sandbox,
    ['gateway', 'run', '--catalog', catalog, '--servers', 'fixture', '--dry-run', '--verbose', '--no-cache'],
    {timeoutMs: 60_000},
  )
  assert.equal(dry.code, 0, dry.stderr)
  // The verbose log names the variable without its value (a value may be derived from a secret).
  assert.match(dry.stderr, /-e FIXTURE_SECRET -e FIXTURE_NAME /)
  assert.doesNotMatch(dry.stderr, /FIXTURE_SECRET=/)
  assertNoLeak('gateway dry run --verbose', dry)

  const envFile = await writeSecretsFile(sandbox, {'fixture.secret': VALUE})
  const fromFile = await runCli(
    sandbox,
    [
      'gateway',
      'run',
      '--catalog',
      catalog,
      '--servers',
      'fixture',
      '--secrets',
      envFile,
      '--dry-run',
      '--verbose',
      '--no-cache',
    ],
    {timeoutMs: 60_000},
  )
  assert.equal(fromFile.code, 0, fromFile.stderr)
  assertNoLeak('gateway dry run with --secrets', fromFile)

  const rm = await runCli(sandbox, ['secret', 'rm', 'fixture.secret', 'fixture.other'])
  assertNoLeak('secret rm', rm)
})
