/**
 * `docker mcp client ls|connect|disconnect|doctor` as a user runs them: the real CLI in a temp HOME, real
 * files on disk, and for --verify/doctor a real MCP server (test/fixtures/clients/fake-docker.mjs, put in
 * place of docker with DOCKER_MCP_CLIENT_COMMAND).
 */
import assert from 'node:assert/strict'
import {chmod, lstat, mkdir, readdir, readFile, readlink, stat, symlink, writeFile} from 'node:fs/promises'
import path from 'node:path'
import {after, before, describe, test} from 'node:test'

import type {ClientList} from '../../src/clients/index.js'
import {makeSandbox, ROOT, runCli, type Sandbox} from '../helpers/sandbox.js'

const FAKE_DOCKER = path.join(ROOT, 'test/fixtures/clients/fake-docker.mjs')

let sandbox: Sandbox
let home: string
// OCLIF_COLUMNS: error messages on one line, so they can be matched exactly.
const cli = (args: string[], options: {env?: NodeJS.ProcessEnv; cwd?: string} = {}) =>
  runCli(sandbox, args, {env: {OCLIF_COLUMNS: '1000', ...options.env}, cwd: options.cwd ?? home})
const json = async (args: string[], options: {env?: NodeJS.ProcessEnv; cwd?: string} = {}) => {
  const r = await cli([...args, '--json'], options)
  assert.equal(r.code, 0, r.stderr)
  return JSON.parse(r.stdout)
}
const write = async (file: string, text: string) => {
  await mkdir(path.dirname(file), {recursive: true})
  await writeFile(file, text)
}
const backups = async (file: string) =>
  (await readdir(path.dirname(file))).filter((n) => n.startsWith(`${path.basename(file)}.docker-mcp-backup-`))

before(async () => {
  sandbox = await makeSandbox()
  home = sandbox.home
})
after(() => sandbox.cleanup())

describe('client ls', () => {
  test('lists every known client, installed or not, with its file', async () => {
    await mkdir(path.join(home, '.codex'), {recursive: true})
    const list = await json(['client', 'ls', '--global'])
    assert.equal(list.scope, 'global')
    const ids = list.clients.map((c: {id: string}) => c.id)
    for (const id of [
      'claude-desktop',
      'claude-code',
      'cursor',
      'vscode',
      'windsurf',
      'continue',
      'zed',
      'lmstudio',
    ])
      assert.ok(ids.includes(id), id)
    for (const id of ['cline', 'gemini-cli', 'codex', 'goose', 'opencode', 'kiro', 'amazon-q'])
      assert.ok(ids.includes(id), id)
    const codex = list.clients.find((c: {id: string}) => c.id === 'codex')
    assert.deepEqual(
      {installed: codex.installed, connected: codex.connected, exists: codex.exists, path: codex.path},
      {installed: true, connected: false, exists: false, path: path.join(home, '.codex/config.toml')},
    )
    const zed = list.clients.find((c: {id: string}) => c.id === 'zed')
    assert.equal(zed.installed, false)
    assert.equal(zed.path, path.join(home, '.config/zed/settings.json'))
  })

  test('outside a project, ls without --global says so and shows the user-level files', async () => {
    const r = await cli(['client', 'ls'])
    assert.equal(r.code, 0, r.stderr)
    assert.match(
      r.stdout,
      /^Not in a project \(no \.git in .* or above\): showing user-level configurations\.$/m,
    )
    assert.match(r.stdout, /=== User-level MCP configurations ===/)
    assert.match(r.stdout, /^ ○ codex +Codex +not connected +~\/\.codex\/config\.toml \(no file yet\)$/m)
  })
})

describe('client connect / disconnect (global)', () => {
  const cursorFile = () => path.join(home, '.cursor/mcp.json')
  const original =
    '{\n  // mine\n  "mcpServers": {\n    "github": {"command": "npx", "args": ["-y", "gh"]},\n  },\n}\n'

  test('connect adds only our entry, keeps permissions, backs the original up once; twice is a no-op', async () => {
    await write(cursorFile(), original)
    await chmod(cursorFile(), 0o600)
    const first = await json(['client', 'connect', 'cursor', '--global'])
    assert.equal(first.changed, true)
    assert.equal(first.created, false)
    assert.equal(first.client.connected, true)
    assert.deepEqual(
      first.client.servers.map((s: {name: string; ours: boolean}) => [s.name, s.ours]),
      [
        ['github', false],
        ['MCP_DOCKER', true],
      ],
    )
    const text = await readFile(cursorFile(), 'utf8')
    assert.ok(
      text.startsWith(
        '{\n  // mine\n  "mcpServers": {\n    "github": {"command": "npx", "args": ["-y", "gh"]},\n',
      ),
    )
    assert.equal((await stat(cursorFile())).mode & 0o777, 0o600)
    assert.equal(first.backup, `${cursorFile()}.docker-mcp-backup-${/backup-(\w+)$/.exec(first.backup)![1]}`)
    assert.equal(await readFile(first.backup, 'utf8'), original)
    assert.equal((await stat(first.backup)).mode & 0o777, 0o600)

    const again = await cli(['client', 'connect', 'cursor', '--global'])
    assert.equal(again.code, 0, again.stderr)
    assert.match(
      again.stdout,
      /^Cursor is already connected: ~\/\.cursor\/mcp\.json has the MCP_DOCKER entry\. Nothing changed\.$/m,
    )
    assert.equal(await readFile(cursorFile(), 'utf8'), text)
    assert.equal((await backups(cursorFile())).length, 1)
  })

  test('disconnect removes only our entry; the backup is not made again', async () => {
    const r = await cli(['client', 'disconnect', 'cursor', '-g'])
    assert.equal(r.code, 0, r.stderr)
    assert.match(r.stdout, /^Disconnected Cursor: removed MCP_DOCKER from ~\/\.cursor\/mcp\.json\.$/m)
    assert.equal(await readFile(cursorFile(), 'utf8'), original)
    assert.equal((await backups(cursorFile())).length, 1)
    const again = await json(['client', 'disconnect', 'cursor', '-g'])
    assert.equal(again.changed, false)
    assert.equal(again.client.connected, false)
  })

  test('a missing file is created with its directories; the output says what to do next', async () => {
    const r = await cli(['client', 'connect', 'claude-desktop', '--global'])
    assert.equal(r.code, 0, r.stderr)
    const file = path.join(home, '.config/Claude/claude_desktop_config.json')
    assert.deepEqual(JSON.parse(await readFile(file, 'utf8')), {
      mcpServers: {MCP_DOCKER: {command: 'docker', args: ['mcp', 'gateway', 'run']}},
    })
    assert.match(
      r.stdout,
      /^Connected Claude Desktop to the Docker MCP gateway: created ~\/\.config\/Claude\/claude_desktop_config\.json\.$/m,
    )
    assert.match(r.stdout, /^ ● claude-desktop: connected$/m)
    assert.match(
      r.stdout,
      /^Quit Claude Desktop completely \(closing its window is not enough\) and start it again\.$/m,
    )
    assert.deepEqual(await backups(file), [], 'nothing to back up for a new file')
    const list = await json(['client', 'ls', '-g'])
    assert.equal(list.clients.find((c: {id: string}) => c.id === 'claude-desktop').connected, true)
  })

  test('an outdated or foreign MCP_DOCKER entry is replaced in place, and the output says what it ran', async () => {
    const file = path.join(home, '.config/crush/crush.json')
    await write(
      file,
      '{\n  "mcp": {\n    "MCP_DOCKER": {"type": "stdio", "command": "docker", "args": ["mcp", "gateway", "run", "--profile", "old"]},\n    "z": {}\n  }\n}\n',
    )
    const r = await cli(['client', 'connect', 'crush', '-g'])
    assert.equal(r.code, 0, r.stderr)
    assert.match(
      r.stdout,
      /^It replaced the previous MCP_DOCKER entry, which ran: docker mcp gateway run --profile old$/m,
    )
    assert.deepEqual(Object.keys(JSON.parse(await readFile(file, 'utf8')).mcp), ['MCP_DOCKER', 'z'])
  })

  test('--quiet prints nothing; the alias gemini works', async () => {
    const r = await cli(['client', 'connect', 'gemini', '-g', '-q'])
    assert.equal(r.code, 0, r.stderr)
    assert.equal(r.stdout, '')
    assert.match(await readFile(path.join(home, '.gemini/settings.json'), 'utf8'), /"MCP_DOCKER"/)
  })

  test('an unknown client fails with the known ones and the closest match', async () => {
    const r = await cli(['client', 'connect', 'curser', '--global'])
    assert.equal(r.code, 1)
    assert.match(r.stderr, /unknown client "curser"/)
    assert.match(r.stderr, /did you mean "cursor"\?/)
    assert.match(
      r.stderr,
      /Known clients: claude-desktop, claude-code, cursor, vscode, windsurf, continue, zed, lmstudio, cline, gemini-cli, codex, goose, opencode, kiro, amazon-q/,
    )
  })

  test('a broken file is left byte-identical, and the error says file:line:column', async () => {
    const file = path.join(home, '.kiro/settings/mcp.json')
    const broken = '{\n  "mcpServers": {\n    "a": {}\n    "b": {}\n  }\n}\n'
    await write(file, broken)
    for (const verb of ['connect', 'disconnect']) {
      const r = await cli(['client', verb, 'kiro', '-g'])
      assert.equal(r.code, 1)
      assert.match(r.stderr, new RegExp(`${file.replace(/[.]/g, '\\.')}:4:5: invalid JSON: comma expected`))
      assert.match(r.stderr, /Fix .* by hand/)
      assert.equal(await readFile(file, 'utf8'), broken)
    }
    assert.deepEqual(await backups(file), [])
    const list = await json(['client', 'ls', '-g'])
    assert.match(list.clients.find((c: {id: string}) => c.id === 'kiro').error, /:4:5: invalid JSON/)
  })

  test('a symlinked config is written through the link', async () => {
    const real = path.join(home, 'dotfiles/windsurf.json')
    await write(real, '{"mcpServers":{}}')
    const link = path.join(home, '.codeium/windsurf/mcp_config.json')
    await mkdir(path.dirname(link), {recursive: true})
    await symlink(real, link)
    const r = await cli(['client', 'connect', 'windsurf', '-g'])
    assert.equal(r.code, 0, r.stderr)
    assert.ok((await lstat(link)).isSymbolicLink(), 'still a link')
    assert.equal(await readlink(link), real)
    assert.deepEqual(JSON.parse(await readFile(real, 'utf8')).mcpServers, {
      MCP_DOCKER: {command: 'docker', args: ['mcp', 'gateway', 'run']},
    })
  })

  // Runs as root too (these machines and CI do): root may write anything, so access(W_OK) says yes and a
  // rename replaces a 0444 file; the mode bits are what say "leave me alone". Before the fix, root
  // connected the client straight through the read-only file.
  test('a read-only file (0444) is refused, not replaced, whoever runs the command (root included)', async () => {
    const file = path.join(home, '.aws/amazonq/mcp.json')
    await write(file, '{}')
    await chmod(file, 0o444)
    const r = await cli(['client', 'connect', 'amazon-q', '-g'])
    assert.equal(r.code, 1)
    assert.ok(r.stderr.includes(`${file} is read-only (mode 0444); it was left unchanged`), r.stderr)
    assert.match(r.stderr, /chmod u\+w /)
    assert.equal(await readFile(file, 'utf8'), '{}')
    assert.equal((await stat(file)).mode & 0o777, 0o444)
    assert.deepEqual(await backups(file), [])
    // Once the user makes it writable, the same command goes through.
    await chmod(file, 0o644)
    const ok = await cli(['client', 'connect', 'amazon-q', '-g'])
    assert.equal(ok.code, 0, ok.stderr)
    assert.ok(JSON.parse(await readFile(file, 'utf8')).mcpServers.MCP_DOCKER)
  })

  test('TOML and YAML clients: Codex and Goose', async () => {
    const codex = path.join(home, '.codex/config.toml')
    await write(codex, '# mine\nmodel = "o3"\n')
    assert.equal((await cli(['client', 'connect', 'codex', '-g'])).code, 0)
    assert.equal(
      await readFile(codex, 'utf8'),
      '# mine\nmodel = "o3"\n\n[mcp_servers.MCP_DOCKER]\ncommand = "docker"\nargs = ["mcp", "gateway", "run"]\n',
    )
    assert.equal((await cli(['client', 'disconnect', 'codex', '-g'])).code, 0)
    assert.equal(await readFile(codex, 'utf8'), '# mine\nmodel = "o3"\n')
    const goose = await json(['client', 'connect', 'goose', '-g'])
    assert.equal(goose.client.path, path.join(home, '.config/goose/config.yaml'))
    assert.deepEqual(
      goose.client.servers.map((s: {name: string}) => s.name),
      ['mcpdocker'],
    )
  })
})

describe('project scope', () => {
  let repo: string
  before(async () => {
    repo = path.join(home, 'src/app')
    await mkdir(path.join(repo, '.git'), {recursive: true})
    await mkdir(path.join(repo, 'packages/web'), {recursive: true})
  })

  test('connect without --global writes the project file found from the nearest .git', async () => {
    const r = await json(['client', 'connect', 'vscode'], {cwd: path.join(repo, 'packages/web')})
    assert.equal(r.client.scope, 'project')
    assert.equal(r.client.path, path.join(repo, '.vscode/mcp.json'))
    assert.equal(r.note, 'VS Code asks you to trust a workspace server the first time it starts.')
    assert.deepEqual(JSON.parse(await readFile(path.join(repo, '.vscode/mcp.json'), 'utf8')), {
      servers: {MCP_DOCKER: {type: 'stdio', command: 'docker', args: ['mcp', 'gateway', 'run']}},
    })
    const list = await json(['client', 'ls'], {cwd: repo})
    assert.equal(list.scope, 'project')
    assert.equal(list.projectRoot, repo)
    const vscode = list.clients.find((c: {id: string}) => c.id === 'vscode')
    assert.equal(vscode.connected, true)
    assert.equal(list.clients.find((c: {id: string}) => c.id === 'claude-desktop').supported, false)
  })

  test('a client without a project file suggests --global', async () => {
    const r = await cli(['client', 'connect', 'claude-desktop'], {cwd: repo})
    assert.equal(r.code, 1)
    assert.match(r.stderr, /Claude Desktop has no project-level configuration/)
    assert.match(
      r.stderr,
      /Use --global to update its user configuration: docker mcp client connect claude-desktop --global/,
    )
  })

  test('outside any project, connect without --global suggests --global', async () => {
    const r = await cli(['client', 'connect', 'cursor'])
    assert.equal(r.code, 1)
    assert.match(r.stderr, /not in a project: no \.git in .* or any directory above it/)
    assert.match(r.stderr, /docker mcp client connect cursor --global/)
  })
})

describe('verify and doctor against a real MCP server', () => {
  const env = {DOCKER_MCP_CLIENT_COMMAND: FAKE_DOCKER}

  test('connect --verify starts the written command and lists its tools', async () => {
    const r = await json(['client', 'connect', 'lmstudio', '-g', '--verify'], {env})
    assert.equal(r.client.servers[0].summary, `${FAKE_DOCKER} mcp gateway run`)
    assert.equal(r.verify.ok, true, JSON.stringify(r.verify))
    assert.deepEqual(r.verify.server, {name: 'fake-gateway', version: '9.9.9'})
    assert.equal(r.verify.tools, 2)
    const text = await cli(['client', 'connect', 'lmstudio', '-g', '--verify'], {env})
    assert.match(
      text.stdout,
      /^✓ MCP_DOCKER works: ".*fake-docker\.mjs mcp gateway run" answered as fake-gateway 9\.9\.9 with 2 tools/m,
    )
  })

  test('a failing server: exit 1, the error and the tail of its stderr', async () => {
    const r = await cli(['client', 'connect', 'lmstudio', '-g', '--verify'], {
      env: {...env, FAKE_DOCKER_FAIL: 'Docker Desktop is not running'},
    })
    assert.equal(r.code, 1)
    assert.match(
      r.stdout,
      /✗ MCP_DOCKER failed: ".*fake-docker\.mjs mcp gateway run": the server exited before answering/,
    )
    assert.match(r.stdout, /fake-docker: Docker Desktop is not running/)
  })

  test('verify launches what the file says, not what connect would write now', async () => {
    // The entry in the file points at the fake; without the override, connect would write docker.
    const r = await json(['client', 'doctor', 'lmstudio', '--global'])
    assert.equal(r.ok, true, JSON.stringify(r))
    assert.equal(r.checks[0].verify.command, FAKE_DOCKER)
  })

  test('doctor checks every connected client, and times out on a server that never answers', async () => {
    // Other clients connected above run the real docker (or fail to); only the lines below are asserted.
    // The timeout leaves the hanging fake room to start and say so on a loaded machine (CI failed at 2 s).
    const all = await cli(['client', 'doctor', '--global', '--timeout', '5'], {env: {FAKE_DOCKER_HANG: '1'}})
    assert.equal(all.code, 1)
    assert.match(all.stdout, /^✗ lmstudio \(user\) .*: no answer within 5 s while initializing$/m)
    assert.match(all.stdout, /fake-docker: hanging on purpose/)
    assert.match(all.stdout, /^✗ kiro \(user\) .*:4:5: invalid JSON: comma expected$/m)
  })

  test('doctor of a client that is not connected says so', async () => {
    const text = await cli(['client', 'doctor', 'opencode', '--global'])
    assert.equal(text.code, 1)
    assert.match(text.stdout, /^○ opencode \(user\) .*opencode\.json: no MCP_DOCKER entry$/m)
  })
})

describe('client ls -q / --quiet: client ids alone, for scripts', () => {
  // Every known client is listed, installed or not, so the list is never empty: no empty case here.
  let quiet: Sandbox
  const q = (args: string[], cwd?: string) =>
    runCli(quiet, args, {env: {OCLIF_COLUMNS: '1000'}, cwd: cwd ?? quiet.home})
  const idLines = async (args: string[], cwd?: string) => {
    const r = await q([...args, '--json'], cwd)
    assert.equal(r.code, 0, r.stderr)
    return (JSON.parse(r.stdout) as ClientList).clients.map((c) => `${c.id}\n`).join('')
  }
  before(async () => {
    quiet = await makeSandbox()
  })
  after(() => quiet.cleanup())

  test('--global: the ids "client connect" takes, one per line, in listing order', async () => {
    const expected = await idLines(['client', 'ls', '--global'])
    assert.match(expected, /^claude-desktop\nclaude-code\ncursor\n/)
    for (const flag of ['-q', '--quiet']) {
      const r = await q(['client', 'ls', '--global', flag])
      assert.equal(r.code, 0, r.stderr)
      assert.equal(r.stdout, expected, flag)
      assert.equal(r.stderr, '', flag)
    }
    const connect = await q(['client', 'connect', expected.split('\n')[0]!, '--global', '--quiet'])
    assert.equal(connect.code, 0, connect.stderr)
  })

  test('outside a project the user-level fallback is said on stderr; stdout holds only ids', async () => {
    const r = await q(['client', 'ls', '-q'])
    assert.equal(r.code, 0, r.stderr)
    assert.equal(r.stdout, await idLines(['client', 'ls', '--global']))
    assert.match(
      r.stderr,
      /^Not in a project \(no \.git in .* or above\): showing user-level configurations\.$/m,
    )
  })

  test('in a project: the same ids, no note', async () => {
    const project = path.join(quiet.home, 'project')
    await mkdir(path.join(project, '.git'), {recursive: true})
    const r = await q(['client', 'ls', '--quiet'], project)
    assert.equal(r.code, 0, r.stderr)
    assert.equal(r.stdout, await idLines(['client', 'ls'], project))
    assert.equal(r.stderr, '')
  })

  test('--quiet with --json is a usage error (exit 125), nothing on stdout', async () => {
    for (const args of [
      ['client', 'ls', '--global', '-q', '--json'],
      ['client', 'ls', '--json', '--quiet'],
    ]) {
      const r = await q(args)
      assert.equal(r.code, 125, args.join(' '))
      assert.equal(r.stdout, '', args.join(' '))
      assert.match(r.stderr, /--json=true cannot also be provided when using --quiet/)
    }
  })
})
