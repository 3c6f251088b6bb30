import assert from 'node:assert/strict'
import {test} from 'node:test'

import {identifier, schemaType, signature, summary} from '../../../src/gateway/codemode/describe.js'

// Issue #17: how code mode names and documents a tool's function. A name that is not an identifier, or a
// namespace that shadows a global the script needs (JSON, console), would make the function unusable.

test('names become distinct valid identifiers; globals and keywords are not shadowed', () => {
  const taken = new Set<string>()
  assert.equal(identifier('dice', taken, true), 'dice')
  assert.equal(identifier('my-server.v2', taken, true), 'my_server_v2')
  assert.equal(identifier('2fa', taken, true), '_2fa')
  assert.equal(identifier('JSON', taken, true), 'JSON_')
  assert.equal(identifier('console', taken, true), 'console_')
  assert.equal(identifier('delete', taken, true), 'delete_')
  assert.equal(identifier('my_server_v2', taken, true), 'my_server_v2_2', 'a clash after sanitising')
  const fns = new Set<string>()
  assert.equal(identifier('delete', fns, false), 'delete', 'a property may be a keyword')
  assert.equal(identifier('__proto__', fns, false), '__proto___')
  for (const id of [...taken, ...fns]) assert.match(id, /^[A-Za-z_$][\w$]*$/)
})

test('schemas render as short TypeScript-like types', () => {
  assert.equal(
    schemaType({
      type: 'object',
      properties: {
        sides: {type: 'integer'},
        unit: {enum: ['cm', 'in']},
        tags: {type: 'array', items: {type: 'string'}},
        either: {anyOf: [{type: 'string'}, {type: 'number'}]},
        list: {type: 'array', items: {anyOf: [{type: 'string'}, {type: 'null'}]}},
        nested: {type: 'object', properties: {deep: {type: 'object', properties: {x: {type: 'string'}}}}},
        'odd-key': {type: 'boolean'},
      },
      required: ['sides'],
    }),
    '{sides: integer, unit?: "cm"|"in", tags?: string[], either?: string|number, list?: (string|null)[], nested?: {deep?: object}, "odd-key"?: boolean}',
  )
  assert.equal(schemaType({type: 'object'}), '{}')
  assert.equal(schemaType(undefined), 'any')
})

test('a signature line: namespace, function, argument type, first sentence of the description', () => {
  assert.equal(summary('Roll dice. Then more text.\nSecond line'), 'Roll dice.')
  assert.equal(summary('x'.repeat(200)).length, 120)
  assert.equal(
    signature('dice', 'roll_dice', {
      name: 'roll_dice',
      description: 'Roll one or more dice.',
      inputSchema: {type: 'object', properties: {sides: {type: 'integer'}}},
    }),
    'dice.roll_dice({sides?: integer}): Roll one or more dice.',
  )
})
