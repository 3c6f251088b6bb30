/**
 * A newcomer's mistakes, each as the command a person would type: the message, the stream it goes to and
 * the exit code. Every test names what the CLI did before (issue #14).
 */
import assert from 'node:assert/strict'
import {spawnSync} from 'node:child_process'
import {mkdir, readFile, writeFile} from 'node:fs/promises'
import path from 'node:path'
import {after, before, describe, test} from 'node:test'

import {installPlugin, makeSandbox, ROOT, run, RUN_JS, runCli, type Sandbox} from '../helpers/sandbox.js'

const hasDice = spawnSync('docker', ['image', 'inspect', 'dice-mcp-server:latest']).status === 0
let sandbox: Sandbox
let mcp: string
// OCLIF_COLUMNS: messages on one line, so they can be matched exactly. A file store: no keychain probe.
const cli = (args: string[], env: NodeJS.ProcessEnv = {}) =>
  runCli(sandbox, args, {
    env: {OCLIF_COLUMNS: '1000', DOCKER_MCP_SECRET_STORE: 'file', ...env},
    cwd: sandbox.home,
    timeoutMs: 180_000,
  })
const write = async (name: string, text: string) => {
  const file = path.join(sandbox.home, name)
  await writeFile(file, text)
  return file
}

before(async () => {
  sandbox = await makeSandbox()
  mcp = path.join(sandbox.dockerConfig, 'mcp')
})
after(() => sandbox.cleanup())

describe('help and flags', () => {
  // Before: `docker mcp help` was `unknown command "help"` (docker passes `mcp help`).
  test('docker mcp help [topic] shows the help, exit 0', async () => {
    const root = await cli(['mcp', 'help'])
    assert.equal(root.code, 0, root.stderr)
    assert.match(root.stdout, /^TOPICS$/m)
    assert.equal(root.stderr, '')
    const topic = await cli(['mcp', 'help', 'catalog'])
    assert.equal(topic.code, 0, topic.stderr)
    assert.match(topic.stdout, /^ {2}\$ docker mcp catalog COMMAND$/m)
  })

  // Before: `catalog --help` listed "catalog list", "catalog remove" and "catalog empty" as commands too.
  test('topic help lists each command once, not its aliases', async () => {
    const r = await cli(['catalog', '--help'])
    assert.equal(r.code, 0, r.stderr)
    assert.match(r.stdout, /^ {2}catalog ls /m)
    assert.match(r.stdout, /^ {2}catalog rm /m)
    assert.doesNotMatch(r.stdout, /^ {2}catalog (list|remove|empty) /m)
  })

  // Before: "Nonexistent flag: --jsn" and the whole usage (a hundred lines for gateway run), no suggestion.
  test('a mistyped flag: the flag, the closest one, where the list is; exit 125', async () => {
    const r = await cli(['server', 'ls', '--jsn'])
    assert.equal(r.code, 125)
    assert.equal(r.stdout, '')
    assert.equal(
      r.stderr,
      [
        ' ›   Error: unknown flag for "docker mcp server ls": --jsn',
        ' ›   Try this:',
        ' ›     * --jsn: did you mean --json?',
        ' ›     * Run "docker mcp server ls --help" to list its flags.',
        '',
      ].join('\n'),
    )
    const gateway = await cli(['gateway', 'run', '--servrs', 'dice'])
    assert.equal(gateway.code, 125)
    assert.match(
      gateway.stderr,
      /unknown flag for "docker mcp gateway run": --servrs\n[^]*--servrs: did you mean --servers\?/,
    )
    assert.doesNotMatch(gateway.stderr, /USAGE/)
  })
})

describe('gateway run and tools', () => {
  // Before: `--servers nosuch --dry-run` logged a warning, "No server is enabled", and exited 0.
  test('gateway run --servers with an unknown name is an error with a suggestion, exit 1', async () => {
    const r = await cli(['gateway', 'run', '--servers', 'dcie', '--dry-run'])
    assert.equal(r.code, 1)
    assert.equal(r.stdout, '')
    assert.match(
      r.stderr,
      /Error: --servers: server "dcie" not found in any catalog\n[^]*"dcie": did you mean "dice"\?/,
    )
    assert.doesNotMatch(r.stderr, /No server is enabled/)
  })

  // Before: the gateway printed its usage, and tools call printed it again inside "cannot start the gateway".
  test('tools call with a mistyped --gateway-arg: one error, the closest flag, exit 125', async () => {
    const r = await cli(['tools', 'call', '--gateway-arg=--servrs=dice', 'roll_dice'])
    assert.equal(r.code, 125)
    assert.match(r.stderr, /Error: --gateway-arg --servrs=dice: unknown flag for "docker mcp gateway run"/)
    assert.match(r.stderr, /did you mean --gateway-arg=--servers=dice\?/)
    assert.doesNotMatch(r.stderr, /USAGE|cannot start the gateway/)
  })

  // Before: the SDK's JSON dump of validation issues, followed by the gateway's start-up log.
  test('tools call --json-args with an array: a usage error before any gateway starts', async () => {
    const r = await cli(['tools', 'call', 'roll_dice', '--json-args', '[3]'])
    assert.equal(r.code, 125)
    assert.equal(r.stdout, '')
    assert.match(
      r.stderr,
      /Error: --json-args must be a JSON object of arguments by name, like '\{"sides": 6\}'; got an array/,
    )
    assert.doesNotMatch(r.stderr, /Reading configuration|invalid_type/)
  })

  test(
    'tools call: arguments after --gateway-arg and the tool name stay arguments; a tool the catalog does not declare can be called; failed calls are logged with the reason',
    {skip: !hasDice && 'no dice-mcp-server:latest image'},
    async () => {
      // A catalog that declares roll_dice only (with descriptions, so the gateway offers it before the
      // server runs): flip_coin exists only in the server's live listing.
      const catalog = await write(
        'declared.yaml',
        [
          'name: declared',
          'registry:',
          '  dice-declared:',
          '    image: dice-mcp-server:latest',
          '    disableNetwork: true',
          '    tools:',
          '      - {name: roll_dice, description: Roll dice}',
          '',
        ].join('\n'),
      )
      assert.equal((await cli(['catalog', 'import', catalog])).code, 0)
      // Before: `--gateway-arg` was greedy and swallowed "flip_coin": "Missing 1 required arg: tool".
      const r = await cli(['tools', 'call', '--gateway-arg=--servers=dice-declared', 'flip_coin'])
      assert.equal(r.code, 0, r.stderr)
      assert.match(r.stdout, /heads|tails/i)
      // Failed calls: "failed after …: <reason>", not "took 3ms".
      const bad = await cli([
        'tools',
        'call',
        '--gateway-arg=--servers=dice-declared',
        '--verbose',
        'roll_dice',
        '--json-args',
        '{"sides": "six"}',
      ])
      assert.equal(bad.code, 1)
      assert.match(bad.stderr, /> Calling tool roll_dice failed after \d+ms: .*sides/)
      assert.doesNotMatch(bad.stderr, /> Calling tool roll_dice took/)
    },
  )

  // Before: tools ls listed what it could and said nothing about the server that did not start.
  test('tools ls names a server that failed to start, and its missing secret', async () => {
    const catalog = await write(
      'broken.yaml',
      [
        'name: broken',
        'registry:',
        '  wont-start:',
        // A registry on a closed port: the pull fails at once.
        '    image: 127.0.0.1:1/docker-mcp-test/nosuch:1',
        '    secrets:',
        '      - {name: wont-start.token, env: TOKEN}',
        '',
      ].join('\n'),
    )
    assert.equal((await cli(['catalog', 'import', catalog])).code, 0)
    const r = await cli(['tools', 'ls', '--gateway-arg=--servers=wont-start'])
    assert.equal(r.code, 0, r.stderr)
    assert.equal(r.stdout, '0 tools:\n')
    assert.match(
      r.stderr,
      /warning: server "wont-start" failed to start: .*; its secret wont-start\.token is not set: docker mcp secret set wont-start\.token=<value>/,
    )
  })
})

describe('catalogs', () => {
  // Before: a second import replaced the catalog in silence, Docker's included.
  test('import over an existing catalog needs --force; catalog rm docker-mcp restores the shipped one', async () => {
    const team = await write('team.yaml', 'name: team\nregistry:\n  a: {image: alpine}\n')
    assert.equal((await cli(['catalog', 'import', team])).code, 0)
    const again = await cli(['catalog', 'import', 'team.yaml'])
    assert.equal(again.code, 1)
    assert.equal(again.stdout, '')
    assert.match(
      again.stderr,
      /Error: catalog "team" \(1 server, from .*team\.yaml\) already exists: importing .*team\.yaml would replace it/,
    )
    assert.match(again.stderr, /docker mcp catalog import team\.yaml --force/)
    const forced = await cli(['catalog', 'import', 'team.yaml', '--force'])
    assert.equal(forced.code, 0, forced.stderr)
    assert.equal(forced.stdout, 'Replaced catalog "team" (1 server).\n')

    const mine = await write('mine.yaml', 'name: docker-mcp\nregistry:\n  a: {image: alpine}\n')
    const over = await cli(['catalog', 'import', mine])
    assert.equal(over.code, 1)
    assert.match(over.stderr, /the Docker MCP Catalog \("docker-mcp", 8 servers\) already exists/)
    assert.equal((await cli(['catalog', 'import', mine, '-f'])).code, 0)
    const restored = await cli(['catalog', 'rm', 'docker-mcp'])
    assert.equal(restored.code, 0, restored.stderr)
    assert.match(restored.stdout, /^restored the Docker MCP Catalog shipped with docker-mcp/)
    const show = JSON.parse((await cli(['catalog', 'show', 'docker-mcp', '--json'])).stdout)
    assert.equal(Object.keys(show.registry).length, 8)
    // The other catalogs are still there (catalog reset used to be the only way back, and removed them all).
    assert.ok(JSON.parse(await readFile(path.join(mcp, 'catalog.json'), 'utf8')).catalogs.team)
  })

  // Before: `registy:` imported "0 servers" and `imgae:` an entry that server add enabled, both exit 0.
  test('typos in catalog keys: errors where the catalog cannot work, warnings with the closest key', async () => {
    const registy = await write('registy.yaml', 'name: typo1\nregisty:\n  a: {image: alpine}\n')
    const r1 = await cli(['catalog', 'import', registy])
    assert.equal(r1.code, 1)
    assert.match(
      r1.stderr,
      /Error: .*registy\.yaml:2:1: unknown key "registy" \(did you mean "registry"\?\): without "registry" the catalog has no servers/,
    )
    const imgae = await write('imgae.yaml', 'name: typo2\nregistry:\n  a:\n    imgae: alpine\n')
    const r2 = await cli(['catalog', 'import', imgae])
    assert.equal(r2.code, 1)
    assert.match(
      r2.stderr,
      /Error: .*imgae\.yaml:4:5: registry\.a: no "image" \(and not a remote server with "remote\.url"\): the gateway cannot run it; "imgae" looks like a typo of "image"/,
    )
    // Unknown keys warn (stderr), with line and closest key; keys of Docker's format we do not use do not.
    const titel = await write(
      'titel.yaml',
      'name: typo3\nregistry:\n  a:\n    image: alpine\n    titel: A\n    policy: {decision: allow}\n    metadata: {pulls: 3}\n',
    )
    const r3 = await cli(['catalog', 'import', titel])
    assert.equal(r3.code, 0, r3.stderr)
    assert.equal(r3.stdout, 'Imported catalog "typo3" (1 server).\n')
    assert.match(
      r3.stderr,
      /Warning: .*titel\.yaml:5:5: registry\.a: unknown key "titel" \(did you mean "title"\?\): it is ignored/,
    )
    assert.doesNotMatch(r3.stderr, /policy|metadata/)
  })

  test('an entry that cannot run, already in a catalog file: server add refuses it, doctor fails it', async () => {
    assert.equal((await cli(['catalog', 'create', 'hand'])).code, 0)
    await writeFile(
      path.join(mcp, 'catalogs', 'hand.yaml'),
      'name: hand\nregistry:\n  b:\n    imgae: alpine\n',
    )
    const r = await cli(['server', 'add', 'b'])
    assert.equal(r.code, 1)
    assert.match(
      r.stderr,
      /Error: server "b" cannot be enabled: no "image" \(and not a remote server with "remote\.url"\): the gateway cannot run it; "imgae" looks like a typo of "image"/,
    )
    // Enabled behind our back (registry.yaml edited by hand): doctor says it cannot run.
    await mkdir(mcp, {recursive: true})
    await writeFile(path.join(mcp, 'registry.yaml'), 'registry:\n  b:\n    ref: ""\n')
    const doctor = await cli(['doctor'])
    assert.equal(doctor.code, 1)
    assert.match(doctor.stdout, /"b" cannot run: no "image"/)
    await writeFile(path.join(mcp, 'registry.yaml'), 'registry: {}\n')
  })
})

describe('secrets', () => {
  // Before: stored, and every container of the server then failed with "argument list too long".
  test('secret set refuses a value no container environment variable can hold; nothing is stored', async () => {
    const big = 'x'.repeat(140_000)
    const res = await runCli(sandbox, ['secret', 'set', 'big.value'], {
      input: big,
      env: {OCLIF_COLUMNS: '1000', DOCKER_MCP_SECRET_STORE: 'file'},
      cwd: sandbox.home,
    })
    assert.equal(res.code, 1)
    assert.equal(res.stdout, '')
    assert.match(
      res.stderr,
      /Error: the value for secret big\.value is 140000 bytes, more than a container environment variable can hold \(128 KiB on Linux, 130816 bytes for the value\): the server would fail to start with "argument list too long"; nothing was stored/,
    )
    const ls = await cli(['secret', 'ls', '-q'])
    assert.doesNotMatch(ls.stdout, /big\.value/)
  })

  // Before: doctor said nothing about secrets an enabled server needs.
  test('doctor lists enabled servers whose secrets are not set, with the command that sets them', async () => {
    assert.equal((await cli(['server', 'add', 'github-official'])).code, 0)
    const r = await cli(['doctor'])
    assert.equal(r.code, 1)
    assert.match(
      r.stdout,
      /"github-official" is enabled but its secret github\.personal_access_token is not set: it will fail to start/,
    )
    assert.match(r.stdout, /docker mcp secret set github\.personal_access_token=<value>/)
    assert.equal((await cli(['secret', 'set', 'github.personal_access_token=x'])).code, 0)
    const fixed = await cli(['doctor'])
    assert.doesNotMatch(fixed.stdout, /github\.personal_access_token is not set/)
    assert.equal((await cli(['server', 'rm', 'github-official'])).code, 0)
  })
})

describe('the README, as written', () => {
  // Before: the custom-server recipe named its server "dice", which the Docker catalog defines too, so
  // every later command warned about the clash.
  test(
    'the custom-server recipe runs without a warning',
    {skip: !hasDice && 'no dice-mcp-server:latest image'},
    async () => {
      const readme = await readFile(path.join(ROOT, 'README.md'), 'utf8')
      const section = readme.slice(readme.indexOf('### A custom server'))
      const script = /```sh\n([^]*?)```/.exec(section)![1]!
      const own = await makeSandbox({NO_COLOR: '1', DOCKER_MCP_SECRET_STORE: 'file'})
      try {
        await installPlugin(own)
        await mkdir(path.join(own.home, '.config', 'Claude'), {recursive: true})
        // `set -e`: every line must succeed; stdin is the value `secret set` reads.
        const r = await run('bash', ['-ec', script], {
          env: own.env,
          cwd: own.home,
          input: 'my-api-key\n',
          timeoutMs: 180_000,
        })
        assert.equal(r.code, 0, r.stdout + r.stderr)
        assert.doesNotMatch(r.stderr, /warning|clash|overrid/i)
        assert.match(r.stdout, /enabled my-dice/)
        const ls = await run('docker', ['mcp', 'server', 'ls'], {env: own.env, cwd: own.home})
        assert.equal(ls.code, 0, ls.stderr)
        assert.equal(ls.stderr, '')
      } finally {
        await own.cleanup()
      }
    },
  )
})

describe('a stdio gateway started by hand', () => {
  const hasScript = spawnSync('script', ['--version']).status === 0
  const HINT =
    /This is an MCP server speaking JSON-RPC on stdin\/stdout: MCP clients start it themselves\.\n {2}Connect a client: +docker mcp client connect <client> --global/

  // Before: it sat silent, and typed text vanished (logged only under --verbose).
  test(
    'in a terminal it says how to use it, and answers typed text',
    {skip: !hasScript && 'no script(1) for a pty'},
    async () => {
      const own = await makeSandbox()
      try {
        // script(1) gives the gateway a terminal; the typed line arrives once the gateway is up.
        const shell = `(sleep 4; printf 'hello\\n'; sleep 2) | script -qfec '${process.execPath} ${RUN_JS} gateway run' /dev/null`
        const r = await run('bash', ['-c', shell], {env: own.env, cwd: own.home, timeoutMs: 60_000})
        assert.equal(r.code, 0, r.stdout + r.stderr)
        const screen = r.stdout.replaceAll('\r\n', '\n') // a terminal's line ends
        assert.match(screen, HINT)
        assert.match(screen, /ignored: "hello" is not JSON-RPC\.\nThis is an MCP server/)
      } finally {
        await own.cleanup()
      }
    },
  )

  test('started by a client (pipes): no hint, stdout stays JSON-RPC only', async () => {
    const r = await cli(['gateway', 'run'], {})
    assert.equal(r.code, 0, r.stderr)
    assert.equal(r.stdout, '')
    assert.doesNotMatch(r.stderr, /This is an MCP server/)
  })
})
