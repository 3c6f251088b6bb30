import assert from 'node:assert/strict'
import {test} from 'node:test'

import {toolsFromCatalog} from '../../../src/gateway/catalog-tools.js'

test('declared tools become MCP tools: arguments as an object schema, inputSchema and annotations kept', () => {
  assert.deepEqual(
    toolsFromCatalog([
      {
        name: 'roll_dice',
        description: 'Roll dice',
        arguments: [{name: 'sides', type: 'integer', desc: 'sides per die'}, {name: 'label'}],
        annotations: {readOnlyHint: true},
      },
      {name: 'raw', description: 'Own schema', inputSchema: {type: 'object', required: ['x']}},
    ]),
    [
      {
        name: 'roll_dice',
        description: 'Roll dice',
        inputSchema: {
          type: 'object',
          properties: {sides: {type: 'integer', description: 'sides per die'}, label: {type: 'string'}},
        },
        annotations: {readOnlyHint: true},
      },
      {name: 'raw', description: 'Own schema', inputSchema: {type: 'object', required: ['x']}},
    ],
  )
})

test('an incomplete declaration (a tool without a description) or none at all is not offered', () => {
  assert.equal(toolsFromCatalog(undefined), undefined)
  assert.equal(toolsFromCatalog([]), undefined)
  assert.equal(toolsFromCatalog([{name: 'a', description: 'A'}, {name: 'b'}]), undefined)
})
