import assert from 'node:assert/strict'
import {spawn, spawnSync} from 'node:child_process'
import {readFile, stat, writeFile} from 'node:fs/promises'
import path from 'node:path'
import {after, before, describe, test} from 'node:test'

import {makeSandbox, RUN_JS, runCli, type RunResult, type Sandbox} from '../helpers/sandbox.js'

// `secret` commands against the fallback file store, as on a machine without a keychain. The session bus
// address points at a socket that does not exist, so no test here can reach a real keychain (Linux; on
// other platforms the keychain is always there, so only forced-file tests run).
const linux = process.platform === 'linux'
const posix = process.platform !== 'win32'

let sandbox: Sandbox
let secretsFile: string
let secretsDir: string
const cli = (args: string[], options: {input?: string; env?: NodeJS.ProcessEnv} = {}) =>
  runCli(sandbox, args, {...options, env: {OCLIF_COLUMNS: '1000', ...options.env}, cwd: sandbox.home})
const ok = (r: RunResult) =>
  assert.equal(r.code, 0, `exit ${r.code}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`)
const fileSecrets = async () =>
  (JSON.parse(await readFile(secretsFile, 'utf8')) as {secrets: Record<string, string>}).secrets

before(async () => {
  sandbox = await makeSandbox()
  sandbox.env.DBUS_SESSION_BUS_ADDRESS = `unix:path=${path.join(sandbox.home, 'no-such-bus')}`
  sandbox.env.DOCKER_MCP_SECRET_STORE = 'file'
  sandbox.env.DOCKER_MCP_KEYCHAIN_SERVICE = `docker-mcp-test-${process.pid}`
  secretsDir = path.join(sandbox.dockerConfig, 'mcp', 'secrets')
  secretsFile = path.join(secretsDir, 'secrets.json')
})
after(() => sandbox.cleanup())

describe('secret set / ls / rm with the file store', () => {
  test('set NAME=VALUE splits at the first "=": values may hold "=" and be empty', async () => {
    ok(await cli(['secret', 'set', 'github.token=ghp_a=b==']))
    ok(await cli(['secret', 'set', 'empty=']))
    const secrets = await fileSecrets()
    assert.equal(secrets['github.token'], 'ghp_a=b==')
    assert.equal(secrets.empty, '')
  })

  test('set NAME reads stdin and strips exactly one trailing newline', async () => {
    ok(await cli(['secret', 'set', 'piped'], {input: 'tok\n'}))
    ok(await cli(['secret', 'set', 'crlf'], {input: 'tok\r\n'}))
    ok(await cli(['secret', 'set', 'multi'], {input: 'line1\nline2\n\n'}))
    ok(await cli(['secret', 'set', 'uni'], {input: 'pässwörd 🔑 密码'}))
    const none = await cli(['secret', 'set', 'none'], {input: '\n'})
    assert.equal(none.code, 125)
    assert.match(
      none.stderr,
      /no value on stdin: pipe the value in, or use NAME=VALUE \(NAME= stores an empty value\)/,
    )
    const secrets = await fileSecrets()
    assert.equal(secrets.piped, 'tok')
    assert.equal(secrets.crlf, 'tok')
    assert.equal(secrets.multi, 'line1\nline2\n')
    assert.equal(secrets.uni, 'pässwörd 🔑 密码')
    assert.equal(secrets.none, undefined)
  })

  test('64 KiB values go through argv and stdin', async () => {
    const big = 'v'.repeat(64 * 1024 - 4) + '=end'
    ok(await cli(['secret', 'set', `big.arg=${big}`]))
    ok(await cli(['secret', 'set', 'big.stdin'], {input: `${big}\n`}))
    const secrets = await fileSecrets()
    assert.equal(secrets['big.arg'], big)
    assert.equal(secrets['big.stdin'], big)
  })

  test('set overwrites', async () => {
    ok(await cli(['secret', 'set', 'over=1']))
    ok(await cli(['secret', 'set', 'over=2']))
    assert.equal((await fileSecrets()).over, '2')
  })

  test('the file is 0600 in a 0700 directory', {skip: !posix}, async () => {
    assert.equal((await stat(secretsFile)).mode & 0o777, 0o600)
    assert.equal((await stat(secretsDir)).mode & 0o777, 0o700)
  })

  test('ls lists names and their store, never values; --json too', async () => {
    const r = await cli(['secret', 'ls'])
    ok(r)
    const lines = r.stdout.trim().split('\n')
    assert.match(lines[0]!, /^NAME\s+STORE\s+LOCATION$/)
    assert.ok(lines.some((l) => new RegExp(`^github\\.token\\s+file\\s+${secretsFile}$`).test(l)))
    assert.ok(!r.stdout.includes('ghp_a'))
    const json = await cli(['secret', 'ls', '--json'])
    ok(json)
    const rows = JSON.parse(json.stdout) as Array<{name: string; store: string; location: string}>
    assert.deepEqual(
      rows.map((x) => x.name),
      ['big.arg', 'big.stdin', 'crlf', 'empty', 'github.token', 'multi', 'over', 'piped', 'uni'],
    )
    assert.ok(rows.every((x) => x.store === 'file' && x.location === secretsFile))
    assert.deepEqual(Object.keys(rows[0]!).sort(), ['location', 'name', 'store'])
  })

  test('rm with neither names nor --all is a usage error with the original message', async () => {
    const r = await cli(['secret', 'rm'])
    assert.equal(r.code, 125)
    assert.match(r.stderr, /either provide a secret name or use --all to remove all secrets/)
    const both = await cli(['secret', 'rm', 'a', '--all'])
    assert.equal(both.code, 125)
    assert.match(both.stderr, /give secret names or --all, not both/)
  })

  test('rm removes the names given; an unknown name is an error after the others are removed', async () => {
    ok(await cli(['secret', 'rm', 'crlf', 'multi']))
    const r = await cli(['secret', 'rm', 'piped', 'no.such'])
    assert.equal(r.code, 1)
    assert.match(r.stderr, /argument 2 is not a stored secret in .*\(removed: piped\)/)
    const names = Object.keys(await fileSecrets())
    for (const gone of ['crlf', 'multi', 'piped']) assert.ok(!names.includes(gone), gone)
  })

  test('rm --all empties the store', async () => {
    const r = await cli(['secret', 'rm', '--all'])
    ok(r)
    assert.match(r.stdout, /removed github\.token from file/)
    assert.deepEqual(await fileSecrets(), {})
    const ls = await cli(['secret', 'ls'])
    ok(ls)
    assert.match(ls.stdout, /No secrets are set/)
    assert.deepEqual(JSON.parse((await cli(['secret', 'ls', '--json'])).stdout), [])
  })

  test('invalid names and bad flags exit 125', async () => {
    const r = await cli(['secret', 'set', 'bad name=hunter2'])
    assert.equal(r.code, 125)
    assert.match(r.stderr, /invalid secret name/)
    assert.ok(!r.stderr.includes('hunter2'))
    // oclif exits 1, not 125, for a flag value outside `options` (FlagInvalidOptionError has no exit-code key).
    assert.notEqual((await cli(['secret', 'set', 'a=1', '--store', 'vault'])).code, 0)
    const two = await cli(['secret', 'set', 'a', 'hunter2'])
    assert.equal(two.code, 125)
    assert.match(two.stderr, /secret set takes exactly one argument/)
    assert.ok(!two.stderr.includes('hunter2'))
    assert.equal((await cli(['secret', 'set'])).code, 125)
    assert.equal((await cli(['secret', 'rm', 'a//b'])).code, 125)
    const env = await cli(['secret', 'ls'], {env: {DOCKER_MCP_SECRET_STORE: 'vault'}})
    assert.equal(env.code, 125)
    assert.match(env.stderr, /DOCKER_MCP_SECRET_STORE=vault is not one of auto, keychain, file/)
  })

  test('8 processes setting secrets at once lose nothing', async () => {
    const names = Array.from({length: 8}, (_, i) => `concurrent.${i}`)
    const results = await Promise.all(names.map((name) => cli(['secret', 'set', `${name}=value-${name}`])))
    results.forEach(ok)
    const secrets = await fileSecrets()
    for (const name of names) assert.equal(secrets[name], `value-${name}`)
    assert.deepEqual((await import('node:fs/promises').then((fs) => fs.readdir(secretsDir))).sort(), [
      'secrets.json',
    ])
  })

  test('a damaged file gives a clear error, and set/rm/ls leave it byte-identical', async () => {
    ok(await cli(['secret', 'set', 'keep=precious-value']))
    const damaged = (await readFile(secretsFile, 'utf8')).slice(0, -10)
    await writeFile(secretsFile, damaged)
    for (const args of [
      ['secret', 'set', 'new=1'],
      ['secret', 'rm', 'keep'],
      ['secret', 'rm', '--all'],
      ['secret', 'ls'],
    ]) {
      const r = await cli(args)
      assert.equal(r.code, 1, args.join(' '))
      assert.match(
        r.stderr,
        new RegExp(`${secretsFile}(:\\d+:\\d+)?: not valid JSON, the secrets file is damaged`),
      )
      assert.match(r.stderr, /left unchanged/)
      assert.ok(!r.stderr.includes('precious'), r.stderr)
      assert.equal(await readFile(secretsFile, 'utf8'), damaged)
    }
    await writeFile(secretsFile, '{"version": 1, "secrets": {}}\n')
  })
})

describe(
  'automatic choice without a keychain',
  {skip: !linux && 'auto mode reaches the real keychain off Linux'},
  () => {
    const auto = {env: {DOCKER_MCP_SECRET_STORE: ''}}

    // The notice used to be 430 characters with the raw D-Bus error, on every command: now one short line
    // once a day, in full under --debug (DOCKER_MCP_DEBUG) and in doctor.
    test('set falls back to the file with ONE short notice saying where; once a day; in full with --debug', async () => {
      const r = await cli(['secret', 'set', 'auto.token=auto-value'], auto)
      ok(r)
      assert.equal(
        r.stderr,
        `warning: no OS keychain: secrets are stored in ${secretsFile} (mode 0600); "docker mcp doctor" says why and how to use a keychain (this notice shows once a day)\n`,
      )
      const again = await cli(['secret', 'ls', '-q'], auto)
      ok(again)
      assert.equal(again.stderr, '')
      const debug = await cli(['secret', 'ls'], {env: {...auto.env, DOCKER_MCP_DEBUG: '1'}})
      ok(debug)
      assert.match(debug.stderr, /^warning: no OS keychain available \(.+\); secrets are stored in /)
      assert.match(
        debug.stderr,
        /To use a keychain instead, start a Secret Service provider such as gnome-keyring/,
      )
      assert.ok(debug.stderr.includes(secretsFile))
      assert.equal((await fileSecrets())['auto.token'], 'auto-value')
      assert.match(r.stdout, new RegExp(`stored secret auto\\.token in file ${secretsFile}`))
    })

    test('ls shows the file store; --json stays clean JSON', async () => {
      const r = await cli(['secret', 'ls', '--json'], auto)
      ok(r)
      assert.deepEqual(JSON.parse(r.stdout), [{name: 'auto.token', store: 'file', location: secretsFile}])
    })

    test('--store keychain fails clearly instead of falling back', async () => {
      const r = await cli(['secret', 'set', 'forced=x', '--store', 'keychain'], auto)
      assert.equal(r.code, 1)
      assert.match(r.stderr, /the OS keychain is not available: /)
      assert.match(r.stderr, /--store file/)
      assert.equal((await fileSecrets()).forced, undefined)
    })
  },
)

describe('values never appear in output', () => {
  const value = 'Sup3r-S3cret-Value-4242'
  test('every secret command, including failing ones, keeps the value out of stdout and stderr', async () => {
    const runs: RunResult[] = []
    const run = async (args: string[], options: {input?: string; env?: NodeJS.ProcessEnv} = {}) => {
      const r = await cli(args, options)
      runs.push(r)
      return r
    }
    ok(await run(['secret', 'set', `leak.arg=${value}`]))
    ok(await run(['secret', 'set', 'leak.stdin'], {input: `${value}\n`}))
    ok(await run(['secret', 'set', 'leak.arg2'], {input: value}))
    ok(await run(['secret', 'ls']))
    ok(await run(['secret', 'ls', '--json']))
    ok(await run(['secret', 'list']))
    await run(['secret', 'set', `bad name=${value}`])
    // A value given where the name goes, with nothing on stdin, or as a second argument.
    await run(['secret', 'set', value])
    await run(['secret', 'set', 'leak.two', value])
    // Only on Linux, where the bus address leads nowhere: elsewhere this would reach the user's keychain.
    if (linux) await run(['secret', 'set', `x=${value}`, '--store', 'keychain'])
    if (linux) ok(await run(['secret', 'set', `auto=${value}`], {env: {DOCKER_MCP_SECRET_STORE: ''}}))
    await run(['secret', 'rm', value])
    await run(['secret', 'rm', 'leak.arg', 'missing.one'])
    ok(await run(['secret', 'rm', 'leak.stdin']))
    // A damaged file: the error must not quote it.
    const good = await readFile(secretsFile, 'utf8')
    await writeFile(secretsFile, good.replace(`"${value}"`, `"${value}`))
    await run(['secret', 'ls'])
    await run(['secret', 'set', 'y=1'])
    await writeFile(secretsFile, good)
    ok(await run(['secret', 'rm', '--all']))
    assert.ok(runs.length >= 15)
    for (const r of runs) {
      assert.ok(!r.stdout.includes(value), `value in stdout: ${r.stdout}`)
      assert.ok(!r.stderr.includes(value), `value in stderr: ${r.stderr}`)
      assert.ok(!r.stdout.includes('S3cret') && !r.stderr.includes('S3cret'))
    }
  })
})

// util-linux `script` gives the command a real terminal: the value is typed after the prompt appears.
const hasScript = linux && spawnSync('script', ['--version']).status === 0
describe(
  'typing a value at a terminal',
  {skip: !hasScript && 'needs util-linux script (Linux) for a pty'},
  () => {
    /** Run `secret set <name>` on a pty, type `keys` once the prompt shows; resolves with exit code and output. */
    const typeAt = (name: string, keys: string) =>
      new Promise<{code: number | null; output: string}>((resolve, reject) => {
        const command = `${JSON.stringify(process.execPath)} ${JSON.stringify(RUN_JS)} secret set ${name}`
        const child = spawn('script', ['-qec', command, '/dev/null'], {
          env: {...sandbox.env, OCLIF_COLUMNS: '1000'},
        })
        let output = ''
        let typed = false
        const timer = setTimeout(() => child.kill('SIGKILL'), 20_000)
        child.stdout.setEncoding('utf8').on('data', (d: string) => {
          output += d
          if (!typed && output.includes('(input hidden): ')) {
            typed = true
            child.stdin.write(keys)
          }
        })
        child.on('error', reject)
        child.on('close', (code) => {
          clearTimeout(timer)
          resolve({code, output})
        })
      })

    test('the value is read on one hidden line (not echoed), with backspace and unicode', async () => {
      const r = await typeAt('tty.secret', 'hid\x7fdden-välue🔑\r')
      assert.equal(r.code, 0, r.output)
      assert.match(r.output, /Value for secret tty\.secret \(input hidden\): /)
      assert.ok(!r.output.includes('hidden-v') && !r.output.includes('välue'), r.output)
      assert.equal((await fileSecrets())['tty.secret'], 'hidden-välue🔑')
    })

    test('Ctrl-C cancels and stores nothing', async () => {
      const r = await typeAt('tty.cancelled', 'abc\x03')
      assert.equal(r.code, 130, r.output)
      assert.match(r.output, /cancelled: no secret was stored/)
      assert.equal((await fileSecrets())['tty.cancelled'], undefined)
    })

    test('an empty line stores nothing', async () => {
      const r = await typeAt('tty.empty', '\r')
      assert.equal(r.code, 125, r.output)
      assert.match(r.output, /no value on stdin/)
      assert.equal((await fileSecrets())['tty.empty'], undefined)
    })
  },
)

describe('secret ls -q / --quiet: names alone, never values', () => {
  let quiet: Sandbox
  const q = (args: string[], options: {input?: string; env?: NodeJS.ProcessEnv} = {}) =>
    runCli(quiet, args, {...options, env: {OCLIF_COLUMNS: '1000', ...options.env}, cwd: quiet.home})
  const value = 'Quiet-S3cret-Value-7777'
  before(async () => {
    quiet = await makeSandbox()
    quiet.env.DBUS_SESSION_BUS_ADDRESS = `unix:path=${path.join(quiet.home, 'no-such-bus')}`
    quiet.env.DOCKER_MCP_SECRET_STORE = 'file'
    quiet.env.DOCKER_MCP_KEYCHAIN_SERVICE = `docker-mcp-test-quiet-${process.pid}`
  })
  after(() => quiet.cleanup())

  test('no secrets: no output at all (not the "No secrets are set" hint), exit 0', async () => {
    for (const flag of ['-q', '--quiet']) {
      const r = await q(['secret', 'ls', flag])
      ok(r)
      assert.equal(r.stdout, '', flag)
    }
  })

  test('one name per line, sorted, no header, no store, no value', async () => {
    ok(await q(['secret', 'set', `zeta.token=${value}`]))
    ok(await q(['secret', 'set', 'alpha.key'], {input: `${value}\n`}))
    ok(await q(['secret', 'set', 'mid=']))
    for (const args of [
      ['secret', 'ls', '-q'],
      ['secret', 'ls', '--quiet'],
      ['secret', 'list', '--quiet', '--store', 'file'],
    ]) {
      const r = await q(args)
      ok(r)
      assert.equal(r.stdout, 'alpha.key\nmid\nzeta.token\n', args.join(' '))
      assert.ok(!r.stdout.includes(value) && !r.stderr.includes(value), args.join(' '))
    }
  })

  test(
    'auto mode without a keychain: the fallback warning goes to stderr, stdout holds only names',
    {skip: !linux && 'auto mode reaches the real keychain off Linux'},
    async () => {
      // DOCKER_MCP_DEBUG: the notice in full, every time (without it, once a day per machine).
      const r = await q(['secret', 'ls', '-q'], {env: {DOCKER_MCP_SECRET_STORE: '', DOCKER_MCP_DEBUG: '1'}})
      ok(r)
      assert.equal(r.stdout, 'alpha.key\nmid\nzeta.token\n')
      assert.match(r.stderr, /^warning: no OS keychain available/m)
    },
  )

  test('--quiet with --json is a usage error (exit 125), nothing on stdout', async () => {
    for (const args of [
      ['secret', 'ls', '-q', '--json'],
      ['secret', 'ls', '--json', '--quiet'],
    ]) {
      const r = await q(args)
      assert.equal(r.code, 125, args.join(' '))
      assert.equal(r.stdout, '', args.join(' '))
      assert.match(r.stderr, /--json=true cannot also be provided when using --quiet/)
    }
  })
})
