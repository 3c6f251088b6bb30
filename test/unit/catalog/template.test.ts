import assert from 'node:assert/strict'
import {test} from 'node:test'

import {
  evaluateTemplate,
  lookup,
  parseTemplate,
  templateReferences,
  TemplateSyntaxError,
  volumeTarget,
} from '../../../src/catalog/template.js'

const config = {
  filesystem: {paths: ['/home/me/src', '/home/me/docs'], empty: [], windows: ['C:\\Users\\me\\src']},
  'notes-db': {
    host: 'db.internal',
    port: 5432,
    tls: true,
    cache_dir: '/var/cache/notes',
    blank: '',
    nothing: null,
  },
  nested: {a: {b: {c: 'deep'}}},
  'com.example': {url: 'https://example.com'},
  com_acme: {url: 'https://acme.example'},
  one: {list: ['only']},
}

// [name, expression, expected]
const cases: Array<[string, string, string[]]> = [
  ['literal text passes through', '--stdio', ['--stdio']],
  ['whole-expression scalar', '{{notes-db.host}}', ['db.internal']],
  ['number becomes text', '{{notes-db.port}}', ['5432']],
  ['boolean becomes text', '{{notes-db.tls}}', ['true']],
  ['text around a scalar', '--db={{notes-db.host}}:{{notes-db.port}}', ['--db=db.internal:5432']],
  ['missing value: [] (no empty argument, #92)', '{{notes-db.missing}}', []],
  ['missing server: []', '{{nobody.host}}', []],
  ['empty string: []', '{{notes-db.blank}}', []],
  ['null: []', '{{notes-db.nothing}}', []],
  ['missing inside literal text keeps the text', '--db={{notes-db.missing}}', ['--db=']],
  ['list value expands', '{{filesystem.paths}}', ['/home/me/src', '/home/me/docs']],
  ['into on a list', '{{filesystem.paths|into}}', ['/home/me/src', '/home/me/docs']],
  ['into on a scalar', '{{notes-db.host|into}}', ['db.internal']],
  [
    'list inside literal text expands per element',
    '--allow={{filesystem.paths}}',
    ['--allow=/home/me/src', '--allow=/home/me/docs'],
  ],
  ['empty list: []', '{{filesystem.empty|into}}', []],
  ['empty list inside text: []', '--allow={{filesystem.empty}}', []],
  [
    'volume maps each element',
    '{{filesystem.paths|volume|into}}',
    ['/home/me/src:/home/me/src', '/home/me/docs:/home/me/docs'],
  ],
  ['volume of a missing value stays empty', '{{filesystem.missing|volume}}', []],
  ['volume-target', '{{filesystem.paths|volume-target|into}}', ['/home/me/src', '/home/me/docs']],
  [
    'volume of a Windows path gets a POSIX target',
    '{{filesystem.windows|volume}}',
    ['C:\\Users\\me\\src:/C/Users/me/src'],
  ],
  ['volume-target of a Windows path', '{{filesystem.windows|volume-target}}', ['/C/Users/me/src']],
  ['first', '{{filesystem.paths|first}}', ['/home/me/src']],
  ['last', '{{filesystem.paths|last}}', ['/home/me/docs']],
  ['first of an empty list', '{{filesystem.empty|first}}', []],
  ['first of a scalar is the scalar', '{{notes-db.host|first}}', ['db.internal']],
  ['or: default when missing', '{{notes-db.missing|or:localhost}}', ['localhost']],
  ['or: default when empty string', '{{notes-db.blank|or:x}}', ['x']],
  ['or: value when set', '{{notes-db.host|or:localhost}}', ['db.internal']],
  ['or: list default', '{{filesystem.missing|or:[/a, /b]}}', ['/a', '/b']],
  ['or: empty list default', '{{filesystem.missing|or:[]}}', []],
  ['or then volume', '{{filesystem.missing|or:/data|volume}}', ['/data:/data']],
  ['mount_as', '{{notes-db.cache_dir|mount_as:/cache}}', ['/var/cache/notes:/cache']],
  ['mount_as with mode', '{{notes-db.cache_dir|mount_as:/cache:ro}}', ['/var/cache/notes:/cache:ro']],
  ['mount_as of a missing value: [] (no ":/cache")', '{{notes-db.missing|mount_as:/cache}}', []],
  ['mount_as maps lists', '{{filesystem.paths|mount_as:/x}}', ['/home/me/src:/x', '/home/me/docs:/x']],
  ['nested paths', '{{nested.a.b.c}}', ['deep']],
  ['a map value becomes JSON', '{{nested.a}}', ['{"b":{"c":"deep"}}']],
  ['keys with dots', '{{com.example.url}}', ['https://example.com']],
  ['server names with dots, stored with "_"', '{{com.acme.url}}', ['https://acme.example']],
  ['whitespace inside braces', '{{ notes-db.host | or:x }}', ['db.internal']],
  [
    'two lists: every combination',
    '{{one.list}}-{{filesystem.paths}}',
    ['only-/home/me/src', 'only-/home/me/docs'],
  ],
  ['prototype keys are not config', '{{__proto__.toString}}', []],
  ['constructor is not config', '{{constructor.name}}', []],
  ['single "{" and "}" are literal', 'a{b}c', ['a{b}c']],
]

for (const [name, expr, expected] of cases) {
  test(`evaluateTemplate: ${name}`, () => {
    assert.deepEqual(evaluateTemplate(expr, config), expected)
  })
}

const syntaxErrors: Array<[string, string, RegExp]> = [
  ['unclosed placeholder', '{{filesystem.paths', /never closed/],
  ['empty placeholder', '{{}}', /needs a config path/],
  ['empty path segment', '{{a..b}}', /empty segment/],
  ['unknown function', '{{a.b|upper}}', /unknown function "upper"/],
  ['or without argument', '{{a.b|or}}', /"or" needs an argument/],
  ['mount_as without argument', '{{a.b|mount_as}}', /"mount_as" needs an argument/],
  ['argument to a function without one', '{{a.b|volume:/x}}', /takes no argument/],
  ['nested placeholders', '{{a.{{b}}}}', /cannot be nested/],
]
for (const [name, expr, message] of syntaxErrors) {
  test(`parseTemplate rejects ${name}`, () => {
    assert.throws(
      () => parseTemplate(expr),
      (err: unknown) => err instanceof TemplateSyntaxError && message.test(err.message),
    )
    assert.throws(() => evaluateTemplate(expr, config), TemplateSyntaxError)
  })
}

test('templateReferences lists the config paths read', () => {
  assert.deepEqual(templateReferences('--db={{notes-db.host}}:{{notes-db.port|or:5432}}'), [
    'notes-db.host',
    'notes-db.port',
  ])
  assert.deepEqual(templateReferences('plain'), [])
})

test('lookup prefers the longest key and reads own properties only', () => {
  assert.equal(lookup(['com', 'example', 'url'], config), 'https://example.com')
  assert.equal(lookup(['notes-db', 'host'], config), 'db.internal')
  assert.equal(lookup(['toString'], {}), undefined)
})

test('volumeTarget leaves POSIX paths alone', () => {
  assert.equal(volumeTarget('/srv/data'), '/srv/data')
  assert.equal(volumeTarget('D:/work/x'), '/D/work/x')
  assert.equal(volumeTarget('C:\\'), '/C')
})
