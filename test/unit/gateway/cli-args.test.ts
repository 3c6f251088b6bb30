import assert from 'node:assert/strict'
import {test} from 'node:test'

import {parseToolArguments, renderToolResult, toolSummary} from '../../../src/gateway/cli-client.js'

const schema = {
  type: 'object',
  properties: {
    sides: {type: 'integer'},
    ratio: {type: 'number'},
    loud: {type: 'boolean'},
    tags: {type: 'array', items: {type: 'string'}},
    opts: {type: 'object'},
    name: {type: 'string'},
  },
}

test('key=value words are typed by the tool schema', () => {
  assert.deepEqual(parseToolArguments(['sides=20', 'ratio=0.5', 'loud=true', 'name=a=b'], schema), {
    sides: 20,
    ratio: 0.5,
    loud: true,
    name: 'a=b',
  })
})

test('arrays: repeated keys, JSON, or one value', () => {
  assert.deepEqual(parseToolArguments(['tags=a', 'tags=b'], schema), {tags: ['a', 'b']})
  assert.deepEqual(parseToolArguments(['tags=["x","y"]'], schema), {tags: ['x', 'y']})
  assert.deepEqual(parseToolArguments(['tags=one'], schema), {tags: ['one']})
  assert.deepEqual(parseToolArguments(['opts={"a":1}'], schema), {opts: {a: 1}})
})

test('bare key is null; unknown keys stay strings; bad numbers are usage errors', () => {
  assert.deepEqual(parseToolArguments(['name', 'extra=5'], schema), {name: null, extra: '5'})
  assert.throws(() => parseToolArguments(['sides=many'], schema), /must be a number/)
  assert.throws(() => parseToolArguments(['=x'], schema), /use key=value/)
})

test('tool summaries and result rendering', () => {
  assert.equal(
    toolSummary({name: 't', description: 'Rolls dice. Many of them.', inputSchema: {type: 'object'}}),
    'Rolls dice.',
  )
  assert.equal(toolSummary({name: 't', title: 'Roll', inputSchema: {type: 'object'}}), 'Roll')
  assert.equal(renderToolResult({content: [{type: 'text', text: 'hi'}]}), 'hi')
  assert.equal(renderToolResult({content: [], structuredContent: {a: 1}}), '{\n  "a": 1\n}')
})
