/**
 * A user switching from Docker's `docker mcp` keeps their scripts and client configs. Each row is an
 * invocation from the original's generated CLI reference (docs/generator/reference: the examples and
 * every flag of `gateway run`, `tools`, `feature`, `client`, `config`, `secret`) or a client-config shape of
 * its test data (pkg/client/testdata), and what ours must do with it: what the original does, or fail with
 * a message that says what to use instead. Rows run in order in one sandbox (later rows see earlier state).
 * No containers: the gateway rows enable no server, or fail before starting one; the gateway behaviour
 * behind these flags is tested in test/e2e/original-compat.test.ts and test/unit.
 */
import assert from 'node:assert/strict'
import {mkdir, readFile, writeFile} from 'node:fs/promises'
import path from 'node:path'
import {after, before, describe, test} from 'node:test'

import {makeSandbox, runCli, type RunResult, type Sandbox} from '../helpers/sandbox.js'

let sandbox: Sandbox
const home = () => sandbox.home
const mcp = () => path.join(sandbox.dockerConfig, 'mcp')
const configJson = () => path.join(sandbox.dockerConfig, 'config.json')

interface Row {
  /** The invocation as a user of the original types it (after `docker mcp`). */
  argv: string[]
  /** What the original does, and so what ours must do. */
  does: string
  input?: string
  code: number
  stdout?: RegExp
  stderr?: RegExp
  check?: (r: RunResult) => Promise<void> | void
}

const EMPTY_CATALOG = 'empty-catalog.yaml'

const rows: Row[] = [
  // secret set: the two examples of docker_mcp_secret_set.yaml.
  {
    argv: ['secret', 'set', 'POSTGRES_PASSWORD=my-secret-password'],
    does: 'stores the secret, value split at the first "="',
    code: 0,
    check: async () => {
      const ls = await cli(['secret', 'ls', '--json'])
      assert.deepEqual(
        JSON.parse(ls.stdout).map((s: {name: string}) => s.name),
        ['POSTGRES_PASSWORD'],
      )
    },
  },
  {
    argv: ['secret', 'set', 'POSTGRES_PASSWORD'],
    input: 'my-secret-password\n',
    does: 'reads the value from stdin (cat pwd.txt | docker mcp secret set POSTGRES_PASSWORD)',
    code: 0,
  },
  // feature: ls / enable / disable over ~/.docker/config.json's features map.
  {
    argv: ['feature', 'ls'],
    does: "lists every feature Docker's plugin knows, with its default state",
    code: 0,
    stdout:
      /^Available experimental features:\n\n {2}oauth-interceptor +disabled\n[\s\S]* {2}mcp-oauth-dcr +enabled\n[\s\S]* {2}dynamic-tools +enabled\n[\s\S]* {2}tool-name-prefix +disabled\n[\s\S]* {2}use-embeddings +disabled\n[\s\S]* {2}profiles +disabled\n/,
    // dynamic-tools is built (src/gateway/dynamic/); oauth-interceptor is not, and says so.
    check: (r) => {
      assert.match(r.stdout, /oauth-interceptor[^\n]*\n[^\n]*\n[^\n]*not built yet/)
      assert.doesNotMatch(r.stdout, /dynamic-tools[^\n]*\n[^\n]*\n[^\n]*not built yet/)
    },
  },
  {
    argv: ['feature', 'disable', 'dynamic-tools'],
    does: 'writes "dynamic-tools": "disabled" into config.json, every other key kept',
    code: 0,
    stdout: /^Feature 'dynamic-tools' disabled successfully\.\n/,
    check: async () => {
      const text = await readFile(configJson(), 'utf8')
      assert.deepEqual(JSON.parse(text), {
        auths: {'registry.example.com': {auth: 'dXNlcjpwYXNz'}},
        currentContext: 'default',
        features: {'dynamic-tools': 'disabled'},
      })
      // Docker's tab indentation is kept, and the file is still the user's own layout.
      assert.match(text, /^\{\n\t"auths": \{\n\t\t"registry\.example\.com"/)
    },
  },
  {
    argv: ['feature', 'enable', 'dynamic-tools'],
    does: 'writes "enabled" (the example of Docker\'s dynamic MCP docs)',
    code: 0,
    stdout: /^Feature 'dynamic-tools' enabled successfully\.\n$/,
  },
  {
    argv: ['feature', 'enable', 'tool-name-prefix'],
    does: 'turns on <server>__<tool> names for every gateway run',
    code: 0,
    check: async () => {
      const ls = JSON.parse((await cli(['feature', 'ls', '--json'])).stdout)
      const prefix = ls.features.find((f: {name: string}) => f.name === 'tool-name-prefix')
      assert.equal(prefix.enabled, true)
      assert.equal(prefix.configured, 'enabled')
    },
  },
  {
    argv: ['feature', 'enable', 'tool-name-prefx'],
    does: 'refuses an unknown feature: "unknown feature: <name>"',
    code: 1,
    stderr: /unknown feature: tool-name-prefx[\s\S]*did you mean "tool-name-prefix"/,
  },
  // client
  {
    argv: ['client', 'manual-instructions'],
    does: 'prints the command line to start the gateway',
    code: 0,
    stdout: /^docker mcp gateway run\n$/,
  },
  {
    argv: ['client', 'manual-instructions', '--json'],
    does: 'prints it as a JSON array',
    code: 0,
    check: (r) => assert.deepEqual(JSON.parse(r.stdout), ['docker', 'mcp', 'gateway', 'run']),
  },
  {
    argv: ['client', 'connect', 'cursor', '-g', '-q'],
    does: "writes the original's entry: mcpServers.MCP_DOCKER = {command: docker, args: [mcp, gateway, run]}",
    code: 0,
    stdout: /^$/,
    check: async () => {
      const cfg = JSON.parse(await readFile(path.join(home(), '.cursor/mcp.json'), 'utf8'))
      assert.deepEqual(cfg.mcpServers.MCP_DOCKER, {command: 'docker', args: ['mcp', 'gateway', 'run']})
    },
  },
  {
    argv: ['client', 'disconnect', 'cursor', '--global', '--quiet'],
    does: 'removes the entry and nothing else',
    code: 0,
    check: async () => {
      const cfg = JSON.parse(await readFile(path.join(home(), '.cursor/mcp.json'), 'utf8'))
      assert.equal(cfg.mcpServers?.MCP_DOCKER, undefined)
    },
  },
  // gateway run: every flag of docker_mcp_gateway_run.yaml that is ours to accept.
  {
    argv: ['gateway', 'run', '--dry-run', '--transport', 'stdio', '--port', '8811'],
    does: 'refuses --port with stdio: "cannot use --port with --transport=stdio"',
    code: 125,
    stderr: /cannot use --port with --transport=stdio/,
  },
  {
    argv: [
      'gateway',
      'run',
      '--dry-run',
      '--additional-registry',
      'team-registry.yaml',
      '--additional-config=./extra-config.yaml',
      '--additional-tools-config',
      'extra-tools.yaml',
    ],
    does: 'reads the additional files after registry.yaml, config.yaml, tools.yaml (missing ones are named)',
    code: 0,
    stderr:
      /--additional-registry team-registry\.yaml: .*team-registry\.yaml does not exist[\s\S]*--additional-tools-config extra-tools\.yaml: .* does not exist/,
    check: (r) => assert.doesNotMatch(r.stderr, /--additional-config \.\/extra-config\.yaml/),
  },
  {
    argv: ['gateway', 'run', '--dry-run', '--enable-all-servers', '--catalog', EMPTY_CATALOG],
    does: 'enables every server of the catalogs read (none in this one)',
    code: 0,
    stderr: /No server is enabled/,
  },
  {
    argv: ['gateway', 'run', '--enable-all-servers', '--servers', 'dice'],
    does: 'refuses --enable-all-servers with --servers',
    code: 125,
    stderr: /cannot use --enable-all-servers with --servers/,
  },
  {
    argv: ['gateway', 'run', '--dry-run', '--secrets', 'docker-desktop'],
    does: "uses the secret store (the original's default)",
    code: 0,
  },
  {
    argv: ['gateway', 'run', '--dry-run', '--secrets', 'docker-desktop:/run/secrets/mcp_secret:/.env'],
    does: "accepts the original's in-container default list",
    code: 0,
  },
  {
    argv: ['gateway', 'run', '--dry-run', '--secrets', 'C:\\Users\\me\\mcp.env:docker-desktop'],
    does: 'a Windows path keeps its drive letter (the original split it at the colon)',
    code: 0,
  },
  {
    argv: ['gateway', 'run', '--dry-run', '--tools', 'mcp/fetch:fetch,fetch:*', '--tools', 'search'],
    does: 'accepts image:tool, server:*, tool patterns',
    code: 0,
  },
  {
    argv: ['gateway', 'run', '--dry-run', '--log', 'gateway.log'],
    does: 'tees the gateway log into the file',
    code: 0,
    check: async () => {
      const log = await readFile(path.join(home(), 'gateway.log'), 'utf8')
      assert.match(log, /- Reading configuration\.\.\.\n[\s\S]*> Initialized in \d+ms\n/)
    },
  },
  {
    argv: ['gateway', 'run', '--dry-run', '--profile', 'default'],
    does: 'the default profile is the legacy files: served as without the flag, no warning',
    code: 0,
    check: (r) => assert.doesNotMatch(r.stderr, /not implemented|warn/i),
  },
  {
    argv: ['gateway', 'run', '--profile', 'team'],
    does: 'a profile that does not exist fails closed, naming it and how to list the others',
    code: 1,
    stderr: /profile team not found[\s\S]*docker mcp profile ls/,
  },
  {
    argv: ['gateway', 'run', '--profile', 'team', '--servers', 'dice', '--tools-config', 't.yaml'],
    does: "--profile is exclusive with the legacy selection flags (the original's rule), naming each",
    code: 125,
    stderr: /cannot use --profile with --servers, --tools-config/,
  },
  // The guard and reload flags of Docker's gateway: each is built here (see README "Guardrails").
  ...[
    '--watch',
    '--no-watch',
    '--block-network',
    '--block-secrets',
    '--block-secrets=false',
    '--verify-signatures',
    '--static',
  ].map((flag): Row => ({
    argv: ['gateway', 'run', '--dry-run', flag],
    does: `accepts ${flag}, as the original (the feature behind it is tested end to end)`,
    code: 0,
  })),
  {
    argv: ['gateway', 'run', '--dry-run', '--interceptor', 'before:exec:cat'],
    does: 'accepts an interceptor in the original syntax when:type:arg',
    code: 0,
  },
  {
    argv: ['gateway', 'run', '--dry-run', '--interceptor', 'sometimes:exec:cat'],
    does: 'refuses a malformed interceptor, naming the expected form',
    code: 125,
    stderr: /when:type:arg/,
  },
  // tools: Docker's persistent --format json|list and --version.
  {
    argv: ['tools', 'ls', '--format', 'json'],
    does: 'prints the tools as a JSON array',
    code: 0,
    check: (r) => assert.deepEqual(JSON.parse(r.stdout), []),
  },
  {
    argv: ['tools', 'ls', '--format=list', '--version', '2'],
    does: 'prints "N tools:" and the list',
    code: 0,
    stdout: /^0 tools:\n$/,
  },
  {
    argv: ['tools', 'count', '--format', 'json'],
    does: 'prints {"count": N}',
    code: 0,
    check: (r) => assert.deepEqual(JSON.parse(r.stdout), {count: 0}),
  },
  {
    argv: ['tools', 'inspect', 'search', '--format', 'json'],
    does: 'fails for a tool no server exposes',
    code: 1,
    stderr: /no tool "search"/,
  },
  {
    argv: ['tools', 'call', 'search', 'query=docker', '--format', 'json'],
    does: 'fails for a tool no server exposes',
    code: 1,
    stderr: /no tool "search"/,
  },
  {
    argv: ['tools', 'ls', '--gateway-arg=--servers=nosuch,--verbose'],
    does: "splits a --gateway-arg at commas into flags, as Docker's (a string slice) does",
    code: 1,
    stderr: /"nosuch" not found in any catalog/,
  },
  {
    argv: ['tools', 'ls', '--version', '1'],
    does: "refuses Docker Desktop's v1 toolkit gateway",
    code: 125,
    stderr: /--version/,
  },
  // server ls and config dump/restore.
  {
    argv: ['server', 'ls', '--json'],
    does: 'prints [] when nothing is enabled',
    code: 0,
    check: (r) => assert.deepEqual(JSON.parse(r.stdout), []),
  },
  {
    argv: ['config', 'write', 'dice:\n  sides: 6\n'],
    does: 'writes config.yaml',
    code: 0,
  },
  {
    argv: ['config', 'dump'],
    does: 'prints {config, registry, catalog, catalogFiles, tools} as raw file texts',
    code: 0,
    check: async (r) => {
      const backup = JSON.parse(r.stdout)
      assert.deepEqual(Object.keys(backup).sort(), ['catalog', 'catalogFiles', 'config', 'registry', 'tools'])
      assert.equal(backup.config, 'dice:\n  sides: 6\n')
      assert.ok(!r.stdout.includes('my-secret-password'), 'no secret in a dump')
      await writeFile(path.join(home(), 'backup.json'), r.stdout)
    },
  },
  {
    argv: ['config', 'reset'],
    does: 'empties config.yaml',
    code: 0,
  },
  {
    argv: ['config', 'restore', 'backup.json'],
    does: 'restores every file of the backup',
    code: 0,
    check: async () =>
      assert.equal(await readFile(path.join(mcp(), 'config.yaml'), 'utf8'), 'dice:\n  sides: 6\n'),
  },
  {
    argv: ['config', 'restore', '-'],
    input: JSON.stringify({config: 'dice: [1, 2\n', registry: '', catalog: '', catalogFiles: {}, tools: ''}),
    does: 'reads the backup from stdin; a bad part fails with its line, and nothing is written',
    code: 1,
    stderr: /<stdin>:config:2:1: invalid YAML/,
    check: async () =>
      assert.equal(await readFile(path.join(mcp(), 'config.yaml'), 'utf8'), 'dice:\n  sides: 6\n'),
  },
  // A catalog with several problems: every one, file:line:column: field.
  {
    argv: ['catalog', 'import', 'broken.yaml'],
    does: 'reports every problem of the catalog, not the first one and a count',
    code: 1,
    stderr:
      /broken\.yaml:5:5: registry\.a\.image: expected a string, got the number 1\n.*broken\.yaml:7:5: registry\.b\.longLived: expected true or false, got the number 2/,
    check: (r) => assert.doesNotMatch(r.stderr, /more problem/),
  },
  // The client-config shape of the original's testdata (pkg/client/testdata/list/opencode.json), written
  // by Docker's plugin in profiles mode: listed as ours, with its profile.
  {
    argv: ['client', 'ls', '--global', '--json'],
    does: 'reads an opencode entry written by Docker\'s plugin ("--profile test") as the gateway\'s',
    code: 0,
    check: (r) => {
      const opencode = JSON.parse(r.stdout).clients.find((c: {id: string}) => c.id === 'opencode')
      assert.equal(opencode.connected, true)
      assert.equal(opencode.servers[0].summary, 'docker mcp gateway run --profile test')
      assert.equal(opencode.profile, 'test')
    },
  },
  {
    argv: ['gateway', 'run', '--profile', 'test'],
    does: 'the command line of that entry serves profile test: absent here, it fails closed, naming it',
    code: 1,
    stderr: /profile test not found/,
  },
]

function cli(args: string[], input?: string): Promise<RunResult> {
  return runCli(sandbox, args, {
    env: {OCLIF_COLUMNS: '1000'},
    cwd: sandbox.home,
    ...(input === undefined ? {} : {input}),
  })
}

before(async () => {
  // The file store: no keychain prompt, and secret values stay in the sandbox.
  sandbox = await makeSandbox({DOCKER_MCP_SECRET_STORE: 'file'})
  await writeFile(
    configJson(),
    '{\n\t"auths": {\n\t\t"registry.example.com": {\n\t\t\t"auth": "dXNlcjpwYXNz"\n\t\t}\n\t},\n\t"currentContext": "default"\n}\n',
  )
  await mkdir(mcp(), {recursive: true})
  await writeFile(path.join(home(), 'extra-config.yaml'), 'dice:\n  sides: 20\n')
  await writeFile(path.join(home(), EMPTY_CATALOG), 'name: empty\ndisplayName: Empty\nregistry: {}\n')
  await writeFile(
    path.join(home(), 'broken.yaml'),
    'name: broken\ndisplayName: Broken\nregistry:\n  a:\n    image: 1\n  b:\n    longLived: 2\n    image: x\n',
  )
  await mkdir(path.join(home(), '.config/opencode'), {recursive: true})
  await writeFile(
    path.join(home(), '.config/opencode/opencode.json'),
    '{\n  "$schema": "https://opencode.ai/config.json",\n  "mcp": {\n    "MCP_DOCKER": {\n      "type": "local",\n      "command": ["docker", "mcp", "gateway", "run", "--profile", "test"],\n      "enabled": true\n    }\n  }\n}\n',
  )
})
after(() => sandbox.cleanup())

describe("Docker's docker mcp command lines", () => {
  for (const row of rows) {
    test(`docker mcp ${row.argv.join(' ').replaceAll('\n', '\\n')}: ${row.does}`, async () => {
      const r = await cli(row.argv, row.input)
      assert.equal(r.code, row.code, `exit ${r.code}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`)
      if (row.stdout) assert.match(r.stdout, row.stdout)
      if (row.stderr) assert.match(r.stderr, row.stderr)
      await row.check?.(r)
    })
  }
})
