/**
 * The entry each client gets, and reading any client's entries back (for `ls` and for launching them).
 * Guards against: the Windows env block missing (Claude Desktop cannot start the plugin without it) or
 * leaking onto other OSes, the wrong key names per client (VS Code `type`, Goose `cmd`, opencode's command
 * array), and an override that reaches only some shapes.
 */
import assert from 'node:assert/strict'
import {describe, test} from 'node:test'

import {buildEntry, CLIENTS, describeEntry, findClient, launchSpecOf} from '../../../src/clients/index.js'
import {DockerMcpError} from '../../../src/errors.js'

const WIN = {LOCALAPPDATA: 'C:\\L', ProgramFiles: 'C:\\PF', ProgramData: 'C:\\PD', APPDATA: 'C:\\R'}
const GATEWAY = ['mcp', 'gateway', 'run']

describe('buildEntry', () => {
  test('docker mcp gateway run for every client, and no env outside Windows', () => {
    for (const def of CLIENTS) {
      const entry = buildEntry(def, {platform: 'linux', env: WIN})
      assert.deepEqual(launchSpecOf(entry), {command: 'docker', args: GATEWAY, env: {}}, def.id)
      assert.equal('env' in entry, false, def.id)
    }
  })

  test('on Windows, the env block for every client that passes env', () => {
    const withEnv = CLIENTS.filter((d) =>
      Object.values(d.entry).some((v) => typeof v === 'symbol' && v.description === 'env'),
    )
    assert.ok(withEnv.length >= 14)
    for (const def of withEnv) {
      const entry = buildEntry(def, {platform: 'win32', env: {...WIN, Unrelated: 'x'}})
      assert.deepEqual(
        entry.env,
        {LOCALAPPDATA: 'C:\\L', ProgramFiles: 'C:\\PF', ProgramData: 'C:\\PD'},
        def.id,
      )
    }
    // Windows variable names are case-insensitive; unset ones are left out.
    const partial = buildEntry(findClient('claude-desktop'), {
      platform: 'win32',
      env: {PROGRAMDATA: 'C:\\PD'},
    })
    assert.deepEqual(partial.env, {ProgramData: 'C:\\PD'})
    const none = buildEntry(findClient('claude-desktop'), {platform: 'win32', env: {}})
    assert.equal('env' in none, false)
  })

  test('client-specific shapes, key order as written', () => {
    const env = {platform: 'linux' as const, env: {}}
    assert.deepEqual(buildEntry(findClient('vscode'), env), {type: 'stdio', command: 'docker', args: GATEWAY})
    assert.deepEqual(Object.keys(buildEntry(findClient('zed'), env)), [
      'source',
      'enabled',
      'command',
      'args',
    ])
    assert.deepEqual(buildEntry(findClient('opencode'), env), {
      type: 'local',
      command: ['docker', ...GATEWAY],
      enabled: true,
    })
    const goose = buildEntry(findClient('goose'), env)
    assert.equal(goose.name, 'mcpdocker')
    assert.equal(goose.cmd, 'docker')
    assert.deepEqual(goose.envs, {})
    assert.deepEqual(buildEntry(findClient('continue'), env).name, 'MCP_DOCKER')
    assert.deepEqual(buildEntry(findClient('cline'), env), {
      type: 'stdio',
      command: 'docker',
      args: GATEWAY,
      disabled: false,
      autoApprove: [],
    })
  })

  test('Codex on Windows runs docker.exe', () => {
    assert.equal(buildEntry(findClient('codex'), {platform: 'win32', env: WIN}).command, 'docker.exe')
    assert.equal(buildEntry(findClient('codex'), {platform: 'darwin', env: {}}).command, 'docker')
  })

  test('DOCKER_MCP_CLIENT_COMMAND replaces docker in every shape', () => {
    const env = {DOCKER_MCP_CLIENT_COMMAND: '/usr/local/bin/docker'}
    for (const def of CLIENTS) {
      const spec = launchSpecOf(buildEntry(def, {platform: 'win32', env}))
      assert.equal(spec?.command, '/usr/local/bin/docker', def.id)
      assert.deepEqual(spec?.args, GATEWAY, def.id)
    }
  })
})

describe('reading entries', () => {
  test('launch spec of every shape clients use', () => {
    assert.deepEqual(launchSpecOf({command: 'npx', args: ['-y', 'x'], env: {A: '1'}}), {
      command: 'npx',
      args: ['-y', 'x'],
      env: {A: '1'},
    })
    assert.deepEqual(launchSpecOf({cmd: 'uvx', args: ['a'], envs: {B: 2}}), {
      command: 'uvx',
      args: ['a'],
      env: {B: '2'},
    })
    assert.deepEqual(launchSpecOf({type: 'local', command: ['bun', 'x'], environment: {C: 'c'}}), {
      command: 'bun',
      args: ['x'],
      env: {C: 'c'},
    })
    assert.deepEqual(launchSpecOf({transport: {type: 'stdio', command: 'node', args: ['s.js']}}), {
      command: 'node',
      args: ['s.js'],
      env: {},
    })
    assert.equal(launchSpecOf({url: 'https://x/mcp'}), undefined)
    assert.equal(launchSpecOf('nonsense'), undefined)
  })

  test('one-line descriptions', () => {
    assert.equal(
      describeEntry({command: 'docker', args: ['mcp', 'gateway', 'run']}),
      'docker mcp gateway run',
    )
    assert.equal(describeEntry({command: 'npx', args: ['a b'], disabled: true}), 'npx "a b" (disabled)')
    assert.equal(describeEntry({type: 'http', url: 'https://x/mcp'}), 'https://x/mcp (http)')
    assert.equal(describeEntry({serverUrl: 'https://w/mcp'}), 'https://w/mcp')
    assert.equal(describeEntry({foo: 1}), '(no command or url)')
  })
})

describe('findClient', () => {
  test('ids and aliases, case-insensitive', () => {
    assert.equal(findClient('gemini').id, 'gemini-cli')
    assert.equal(findClient('Claude-Desktop').id, 'claude-desktop')
  })
  test('unknown names list the known clients and the closest', () => {
    assert.throws(
      () => findClient('curser'),
      (err: unknown) => {
        assert.ok(err instanceof DockerMcpError)
        assert.equal(err.message, 'unknown client "curser"')
        assert.equal(err.suggestions[0], 'did you mean "cursor"?')
        assert.match(
          err.suggestions.at(-1)!,
          /^Known clients: claude-desktop, claude-code, cursor, .*, codex, goose/,
        )
        return true
      },
    )
  })
  test('ids are unique, aliases do not shadow ids', () => {
    const names = CLIENTS.flatMap((c) => [c.id, ...(c.aliases ?? [])])
    assert.equal(new Set(names).size, names.length)
  })
})
