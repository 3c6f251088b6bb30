import assert from 'node:assert/strict'
import {copyFile, mkdir, mkdtemp, rm, writeFile} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import path from 'node:path'
import {after, before, describe, test} from 'node:test'
import {fileURLToPath} from 'node:url'

import {
  complete,
  Directive,
  formatCompletions,
  librarySources,
  loadCompletionManifest,
  runCompletion,
  type Completion,
  type CompletionManifest,
  type CompletionSources,
} from '../../../src/cli/completion.js'
import {createContext} from '../../../src/context.js'
import {FileSecretStore} from '../../../src/secrets/file-store.js'

// The completion logic against the real oclif manifest (run `npm run build` first) and the real library
// sources, in a temp DOCKER_CONFIG with a second catalog, two enabled servers and two file-store secrets.
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..')
const SECRET_VALUE = 'completion-must-never-print-this'

let home: string
let manifest: CompletionManifest
let sources: CompletionSources
let env: NodeJS.ProcessEnv

before(async () => {
  home = await mkdtemp(path.join(tmpdir(), 'docker-mcp-completion-'))
  const mcp = path.join(home, '.docker', 'mcp')
  await mkdir(path.join(mcp, 'catalogs'), {recursive: true})
  await copyFile(path.join(ROOT, 'test/fixtures/catalogs/team.yaml'), path.join(mcp, 'catalogs/team.yaml'))
  await writeFile(
    path.join(mcp, 'catalog.json'),
    JSON.stringify({catalogs: {team: {displayName: 'Team servers'}}}),
  )
  await writeFile(
    path.join(mcp, 'registry.yaml'),
    'registry:\n  dice:\n    ref: ""\n  notes-db:\n    ref: ""\n',
  )
  env = {HOME: home, DOCKER_CONFIG: path.join(home, '.docker'), DOCKER_MCP_SECRET_STORE: 'file'}
  const ctx = createContext({env, root: ROOT, cwd: home})
  const store = new FileSecretStore(ctx.paths)
  await store.set('github.personal_access_token', SECRET_VALUE)
  await store.set('notes-db.password', SECRET_VALUE)
  manifest = await loadCompletionManifest(ROOT)
  sources = librarySources(ctx)
})
after(() => rm(home, {recursive: true, force: true}))

const values = (completions: Completion[]) => completions.map((c) => c.value)

interface Case {
  name: string
  words: string[]
  word: string
  /** Exactly these values, in this order. */
  expect: string[]
  directive?: number
}

const cases: Case[] = [
  {
    name: 'top level: topics and commands, hidden aliases (catalogs:show) left out',
    words: [],
    word: '',
    expect: [
      'catalog',
      'client',
      'config',
      'doctor',
      'feature',
      'gateway',
      'oauth',
      'plugin',
      'profile',
      'secret',
      'server',
      'template',
      'tools',
      'version',
    ],
  },
  {name: 'a prefix filters the top level', words: [], word: 'se', expect: ['secret', 'server']},
  {
    name: 'a topic lists its primary subcommands, not their aliases (enable, list, remove)',
    words: ['server'],
    word: '',
    expect: ['add', 'inspect', 'ls', 'reset', 'rm'],
  },
  {
    name: 'server add: servers of every catalog (docker-mcp and team)',
    words: ['server', 'add'],
    word: 'd',
    expect: ['dice', 'duckduckgo'],
  },
  {name: 'an alias resolves to its command', words: ['server', 'enable'], word: 'no', expect: ['notes-db']},
  {
    name: 'a variadic argument does not offer the servers already named',
    words: ['server', 'add', 'dice'],
    word: 'd',
    expect: ['duckduckgo'],
  },
  {
    name: 'server inspect: any catalog server',
    words: ['server', 'inspect'],
    word: 'v',
    expect: ['vendor-docs'],
  },
  {
    name: 'server rm: the enabled servers only',
    words: ['server', 'rm'],
    word: '',
    expect: ['dice', 'notes-db'],
  },
  {
    name: 'secret rm: the stored secret names',
    words: ['secret', 'rm'],
    word: '',
    expect: ['github.personal_access_token', 'notes-db.password'],
  },
  {
    name: 'secret rm --store file: the names of that store',
    words: ['secret', 'rm', '--store', 'file'],
    word: 'n',
    expect: ['notes-db.password'],
  },
  {
    name: 'secret set: names to overwrite',
    words: ['secret', 'set'],
    word: 'g',
    expect: ['github.personal_access_token'],
  },
  {name: 'client connect: client ids', words: ['client', 'connect'], word: 'cu', expect: ['cursor']},
  {
    name: 'catalog show: configured catalogs',
    words: ['catalog', 'show'],
    word: '',
    expect: ['docker-mcp', 'team'],
  },
  {
    name: 'catalog import takes a file: nothing of ours, the shell completes paths',
    words: ['catalog', 'import'],
    word: '',
    expect: [],
    directive: Directive.Default,
  },
  {
    name: 'catalog export: a catalog, then a file',
    words: ['catalog', 'export', 'team'],
    word: '',
    expect: [],
    directive: Directive.Default,
  },
  {
    name: 'tools call: tools declared by the enabled servers',
    words: ['tools', 'call'],
    word: 'r',
    expect: ['roll_dice'],
  },
  {
    name: 'flag value from the manifest options, flag and value as two words',
    words: ['secret', 'ls', '--store'],
    word: '',
    expect: ['auto', 'file', 'keychain'],
  },
  {
    name: 'flag value in --flag=value form keeps the flag in front, as cobra does',
    words: ['secret', 'ls'],
    word: '--store=k',
    expect: ['--store=keychain'],
  },
  {
    name: 'a comma-separated flag completes the last item and skips the ones given',
    words: ['gateway', 'run'],
    word: '--servers=dice,d',
    expect: ['--servers=dice,duckduckgo'],
  },
  {name: 'flag names', words: ['server', 'ls'], word: '--', expect: ['--json', '--quiet']},
  {
    name: 'flag names with "-": long and short, sorted by name',
    words: ['client', 'ls'],
    word: '-',
    expect: ['--global', '-g', '--json', '--quiet', '-q'],
  },
  {
    name: 'a flag already given is not offered again',
    words: ['client', 'connect', '--global'],
    word: '--',
    expect: ['--json', '--profile', '--quiet', '--timeout', '--verify'],
  },
  {
    name: 'negations once "--no" is typed',
    words: ['gateway', 'run'],
    word: '--no-l',
    expect: ['--no-log-calls'],
  },
  {
    name: 'after "--" a word starting with "-" is an argument, not a flag',
    words: ['server', 'add', '--'],
    word: '-',
    expect: [],
  },
  {
    name: 'a boolean flag takes no value: the next word is the argument',
    words: ['client', 'connect', '-g'],
    word: 'zed',
    expect: ['zed'],
  },
  {name: 'no argument left to complete', words: ['version'], word: '', expect: []},
  {name: 'after --help nothing is completed', words: ['server', 'add', '--help'], word: '', expect: []},
  {name: 'an unknown command completes nothing', words: ['bogus'], word: '', expect: []},
  {name: 'an unknown subcommand completes nothing', words: ['server', 'bogus'], word: '', expect: []},
]

/**
 * What each case completes, not how fast: the lookups' 3 s deadline is for a shell waiting on a person's
 * Tab (its own test below uses a slow source). On a CI machine loaded by the end-to-end lanes the first
 * catalog lookup of this file once took longer than that.
 */
const NO_DEADLINE = {timeoutMs: 120_000}

describe('complete: docker mcp <words> <word>', () => {
  for (const c of cases)
    test(c.name, async () => {
      const result = await complete(manifest, c.words, c.word, sources, NO_DEADLINE)
      assert.deepEqual(values(result.completions), c.expect, result.error)
      assert.equal(result.directive, c.directive ?? Directive.NoFileComp)
    })

  test('descriptions: command summaries, topic descriptions from package.json, catalog descriptions', async () => {
    const top = await complete(manifest, [], 'serv', sources)
    assert.deepEqual(top.completions, [
      {value: 'server', description: 'enable, disable and inspect MCP servers'},
    ])
    const add = await complete(manifest, ['server'], 'rm', sources)
    assert.deepEqual(add.completions, [{value: 'rm', description: 'disable servers'}])
    const notes = await complete(manifest, ['server', 'add'], 'notes', sources)
    assert.deepEqual(notes.completions, [{value: 'notes-db', description: 'Query the team notes database'}])
  })

  test('an unknown command says why on the error line', async () => {
    const result = await complete(manifest, ['server', 'bogus'], '', sources)
    assert.match(result.error ?? '', /unknown command "server bogus"/)
  })
})

describe('sources that fail or hang', () => {
  const fake = (overrides: Partial<CompletionSources>, calls: string[] = []): CompletionSources => {
    const record = (name: string) => async () => {
      calls.push(name)
      return [{value: `${name}-value`}]
    }
    return {
      servers: record('servers'),
      enabledServers: record('enabledServers'),
      secrets: record('secrets'),
      clients: record('clients'),
      catalogs: record('catalogs'),
      tools: record('tools'),
      ...overrides,
    }
  }

  test('completing command names and flags asks no source (nothing heavy is loaded)', async () => {
    const calls: string[] = []
    await complete(manifest, [], '', fake({}, calls))
    await complete(manifest, ['server'], '', fake({}, calls))
    await complete(manifest, ['server', 'add'], '--', fake({}, calls))
    assert.deepEqual(calls, [])
    await complete(manifest, ['server', 'add'], '', fake({}, calls))
    assert.deepEqual(calls, ['servers'])
  })

  test('a keychain that never answers gives no completions after the timeout, not a hung shell', async () => {
    const started = Date.now()
    const result = await complete(
      manifest,
      ['secret', 'rm'],
      '',
      fake({secrets: () => new Promise(() => {})}),
      {
        timeoutMs: 200,
      },
    )
    assert.ok(Date.now() - started < 2000)
    assert.deepEqual(result.completions, [])
    assert.equal(result.directive, Directive.NoFileComp)
    assert.match(result.error ?? '', /did not answer within 200 ms/)
  })

  test('a source that throws (a broken catalog) gives no completions and the reason', async () => {
    const result = await complete(
      manifest,
      ['server', 'add'],
      '',
      fake({
        servers: async () => {
          throw new Error('catalog.yaml:3: bad indentation')
        },
      }),
    )
    assert.deepEqual(result, {
      completions: [],
      directive: Directive.NoFileComp,
      error: 'catalog.yaml:3: bad indentation',
    })
  })

  test('values a shell line cannot carry are dropped, duplicates listed once', async () => {
    const result = await complete(
      manifest,
      ['server', 'add'],
      '',
      fake({
        servers: async () => [{value: 'b'}, {value: 'a b'}, {value: 'a'}, {value: 'b'}, {value: 'c\nd'}],
      }),
    )
    assert.deepEqual(values(result.completions), ['a', 'b'])
  })
})

describe('a command that is also a topic (synthetic manifest)', () => {
  const synthetic: CompletionManifest = {
    commands: {
      deploy: {id: 'deploy', description: 'deploy it', args: {target: {name: 'target'}}, flags: {}},
      'deploy:status': {id: 'deploy:status', description: 'show status\nsecond line', flags: {}},
      'deploy:secret': {id: 'deploy:secret', hidden: true, flags: {}},
      run: {
        id: 'run',
        flags: {
          output: {name: 'output', char: 'o', type: 'option', options: ['json', 'text']},
          tag: {name: 'tag', type: 'option', multiple: true, description: 'a tag'},
          debug: {name: 'debug', type: 'boolean', hidden: true},
        },
      },
    },
  }

  test('lists its subcommands (first line of the description) before its arguments', async () => {
    const result = await complete(synthetic, ['deploy'], '', sources)
    assert.deepEqual(result.completions, [{value: 'status', description: 'show status'}])
  })

  test('short option flags: separate and glued values; repeatable flags stay offered; hidden flags never', async () => {
    assert.deepEqual(values((await complete(synthetic, ['run', '-o'], 't', sources)).completions), ['text'])
    assert.deepEqual(
      values((await complete(synthetic, ['run', '-ojson', '--tag', 'x'], '-', sources)).completions),
      ['--tag'],
    )
  })
})

describe('the protocol text', () => {
  const result = {
    completions: [{value: 'dice', description: 'Roll dice'}, {value: 'time'}],
    directive: Directive.NoFileComp,
  }

  test('value<TAB>description lines, then :<directive>; the directive by name on stderr', () => {
    assert.deepEqual(formatCompletions(result, {descriptions: true}), {
      stdout: 'dice\tRoll dice\ntime\n:4\n',
      stderr: 'Completion ended with directive: ShellCompDirectiveNoFileComp\n',
    })
  })

  test('without descriptions each line is the bare value', () => {
    assert.equal(formatCompletions(result, {descriptions: false}).stdout, 'dice\ntime\n:4\n')
  })

  test('an error goes to stderr only, and the default directive is named like cobra names it', () => {
    assert.deepEqual(
      formatCompletions({completions: [], directive: 0, error: 'boom\nmore'}, {descriptions: true}),
      {
        stdout: ':0\n',
        stderr: 'Error: boom\nCompletion ended with directive: ShellCompDirectiveDefault\n',
      },
    )
  })
})

describe('runCompletion (what bin/run.js prints)', () => {
  test('secret names are completed, their values never printed', async () => {
    const out = await runCompletion(['secret', 'rm', ''], {root: ROOT, env, cwd: home})
    assert.equal(out.stdout, 'github.personal_access_token\nnotes-db.password\n:4\n')
    assert.ok(!out.stdout.includes(SECRET_VALUE) && !out.stderr.includes(SECRET_VALUE))
  })

  test('__completeNoDesc and DOCKER_COMPLETION_DESCRIPTIONS=false drop descriptions', async () => {
    const withDesc = await runCompletion(['server', 'r'], {root: ROOT, env, cwd: home})
    assert.equal(
      withDesc.stdout,
      'reset\tdisable every server (empties registry.yaml)\nrm\tdisable servers\n:4\n',
    )
    const noDesc = await runCompletion(['server', 'r'], {root: ROOT, env, cwd: home, noDescriptions: true})
    assert.equal(noDesc.stdout, 'reset\nrm\n:4\n')
    const byEnv = await runCompletion(['server', 'r'], {
      root: ROOT,
      env: {...env, DOCKER_COMPLETION_DESCRIPTIONS: 'false'},
      cwd: home,
    })
    assert.equal(byEnv.stdout, 'reset\nrm\n:4\n')
  })

  test('a missing manifest gives no completions and a directive, never an exception', async () => {
    const out = await runCompletion(['server', ''], {root: path.join(home, 'nowhere'), env, cwd: home})
    assert.equal(out.stdout, ':4\n')
    assert.match(out.stderr, /^Error: .*oclif\.manifest\.json/)
  })
})
