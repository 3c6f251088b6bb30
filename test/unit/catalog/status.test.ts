import assert from 'node:assert/strict'
import {test} from 'node:test'

import type {CatalogEntry} from '../../../src/catalog/schema.js'
import {configFields, configStatus, flattenConfig, secretsStatus} from '../../../src/catalog/status.js'
import {coerceConfigValue} from '../../../src/server-config/coerce.js'
import {DockerMcpError} from '../../../src/errors.js'

const fs: CatalogEntry = {
  config: [
    {
      name: 'fs',
      type: 'object',
      properties: {paths: {type: 'array', items: {type: 'string'}}, readonly: {type: 'boolean'}},
      required: ['paths'],
    },
  ],
}
const db: CatalogEntry = {
  config: [
    {
      name: 'db',
      type: 'object',
      properties: {
        host: {type: 'string'},
        port: {type: 'integer'},
        auth: {
          type: 'object',
          properties: {user: {type: 'string'}, mode: {type: 'string'}},
          required: ['user'],
        },
      },
      required: ['host', 'auth'],
    },
  ],
}
const optionalOnly: CatalogEntry = {config: [{name: 'x', type: 'object', properties: {a: {type: 'string'}}}]}

const cases: Array<[string, CatalogEntry, Record<string, unknown> | undefined, string]> = [
  ['no config schema', {}, undefined, 'none'],
  ['no config schema, config set anyway', {}, {a: 1}, 'none'],
  ['required, nothing set', fs, undefined, 'required'],
  ['required, empty list does not count', fs, {paths: []}, 'required'],
  ['required, set', fs, {paths: ['/a']}, 'done'],
  ['nothing required', optionalOnly, undefined, 'done'],
  ['nested required: none set', db, {port: 1}, 'required'],
  ['nested required: some set', db, {host: 'h'}, 'partial'],
  ['nested required: all set (flattened a.b keys)', db, {host: 'h', auth: {user: 'u'}}, 'done'],
  ['empty string is not set', db, {host: '', auth: {user: 'u'}}, 'partial'],
]
for (const [name, entry, config, expected] of cases) {
  test(`configStatus: ${name}`, () => assert.equal(configStatus(entry, config), expected))
}

test('configFields flattens nested properties; nested required only counts under a required parent', () => {
  assert.deepEqual(
    configFields(db).map((f) => [f.key, f.type, f.required]),
    [
      ['host', 'string', true],
      ['port', 'integer', false],
      ['auth.user', 'string', true],
      ['auth.mode', 'string', false],
    ],
  )
})

test('flattenConfig', () => {
  assert.deepEqual(flattenConfig({a: {b: 1, c: {d: [1]}}, e: 'x', f: {}}), {
    'a.b': 1,
    'a.c.d': [1],
    e: 'x',
    f: {},
  })
})

test('secretsStatus counts the secrets the store has', async () => {
  const entry: CatalogEntry = {
    secrets: [
      {name: 'a', env: 'A'},
      {name: 'b', env: 'B'},
    ],
  }
  const has = (names: string[]) => ({has: async (n: string) => names.includes(n)})
  assert.equal(await secretsStatus({}, has([])), 'none')
  assert.equal(await secretsStatus(entry, has([])), 'required')
  assert.equal(await secretsStatus(entry, has(['a'])), 'partial')
  assert.equal(await secretsStatus(entry, has(['a', 'b'])), 'done')
})

// [name, raw, schema, expected]
const coercions: Array<[string, string, Record<string, unknown>, unknown]> = [
  ['untyped stays a string', '42', {}, '42'],
  ['string', 'x=y', {type: 'string'}, 'x=y'],
  ['integer', '42', {type: 'integer'}, 42],
  ['negative integer', '-7', {type: 'integer'}, -7],
  ['number', '2.5', {type: 'number'}, 2.5],
  ['boolean true', 'true', {type: 'boolean'}, true],
  ['boolean yes', 'Yes', {type: 'boolean'}, true],
  ['boolean 0', '0', {type: 'boolean'}, false],
  ['comma list', '/a, /b', {type: 'array', items: {type: 'string'}}, ['/a', '/b']],
  ['flow list', '[/a, "/b c"]', {type: 'array', items: {type: 'string'}}, ['/a', '/b c']],
  ['JSON list', '["/a","/b"]', {type: 'array'}, ['/a', '/b']],
  ['empty list', '', {type: 'array'}, []],
  ['integer items', '1,2', {type: 'array', items: {type: 'integer'}}, [1, 2]],
  ['object', '{a: 1}', {type: 'object'}, {a: 1}],
  ['nullable type list', '3', {type: ['integer', 'null']}, 3],
  ['enum ok', 'fast', {type: 'string', enum: ['fast', 'slow']}, 'fast'],
]
for (const [name, raw, schema, expected] of coercions) {
  test(`coerceConfigValue: ${name}`, () => assert.deepEqual(coerceConfigValue(raw, schema, 's.k'), expected))
}

const badCoercions: Array<[string, string, Record<string, unknown>, string]> = [
  ['not an integer', '4.5', {type: 'integer'}, 'invalid value for s.k: expected an integer, got "4.5"'],
  ['not a number', 'abc', {type: 'number'}, 'invalid value for s.k: expected a number, got "abc"'],
  ['empty number', '', {type: 'number'}, 'invalid value for s.k: expected a number, got ""'],
  ['not a boolean', 'maybe', {type: 'boolean'}, 'invalid value for s.k: expected true or false, got "maybe"'],
  [
    'bad item',
    'a,b',
    {type: 'array', items: {type: 'integer'}},
    'invalid value for s.k[0]: expected an integer, got "a"',
  ],
  [
    'flow that is not a list',
    '[a',
    {type: 'array'},
    'invalid value for s.k: expected a list such as [a, b], got "[a"',
  ],
  [
    'object expected',
    'x',
    {type: 'object'},
    'invalid value for s.k: expected a mapping such as {key: value}, got "x"',
  ],
  [
    'enum',
    'medium',
    {type: 'string', enum: ['fast', 'slow']},
    'invalid value for s.k: "medium" is not one of "fast", "slow"',
  ],
  [
    'huge integer',
    '99999999999999999999',
    {type: 'integer'},
    'invalid value for s.k: expected an integer, got "99999999999999999999"',
  ],
]
for (const [name, raw, schema, message] of badCoercions) {
  test(`coerceConfigValue rejects ${name}`, () => {
    assert.throws(
      () => coerceConfigValue(raw, schema, 's.k'),
      (err: unknown) => err instanceof DockerMcpError && err.message === message,
    )
  })
}
