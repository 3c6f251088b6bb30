import assert from 'node:assert/strict'
import {test} from 'node:test'

import {
  allowlistFilter,
  assignToolNames,
  parseToolFilter,
  sanitizeToolName,
  TOOL_NAME,
} from '../../../src/gateway/naming.js'

test('tools keep their names by default', () => {
  const {names, clashes} = assignToolNames([
    {server: 'dice', name: 'roll_dice'},
    {server: 'time', name: 'get_time'},
  ])
  assert.deepEqual([...names.keys()].sort(), ['get_time', 'roll_dice'])
  assert.deepEqual(clashes, [])
})

test('prefixAll and catalog prefixes use the __ separator', () => {
  const {names} = assignToolNames(
    [
      {server: 'dice', name: 'roll'},
      {server: 'gh', name: 'search', prefix: 'github'},
    ],
    {prefixAll: true},
  )
  assert.deepEqual([...names.keys()].sort(), ['dice__roll', 'github__search'])
})

test('a clash renames both tools, keeps both, reports it, whatever the input order (docker/mcp-gateway#567)', () => {
  const a = {server: 'duckduckgo', name: 'search'}
  const b = {server: 'brave', name: 'search'}
  const c = {server: 'time', name: 'now'}
  const one = assignToolNames([a, b, c])
  const two = assignToolNames([c, b, a])
  assert.deepEqual([...one.names.entries()], [...two.names.entries()])
  assert.deepEqual(one.names.get('brave__search'), b)
  assert.deepEqual(one.names.get('duckduckgo__search'), a)
  assert.deepEqual(one.names.get('now'), c)
  assert.equal(one.clashes.length, 1)
  assert.match(one.clashes[0]!, /"search" is exposed by "brave" and "duckduckgo"/)
})

test('a renamed tool that meets an existing name gets a number, nothing is lost', () => {
  const {names} = assignToolNames([
    {server: 'a', name: 'x'},
    {server: 'b', name: 'x'},
    {server: 'c', name: 'a__x'},
  ])
  assert.equal(names.size, 3)
})

test('exposed names always fit model APIs: [A-Za-z0-9_-]{1,64} (docker/mcp-gateway#228)', () => {
  for (const raw of ['server:tool', 'a.b/c d', '', 'x'.repeat(100), 'ümlaut']) {
    assert.match(sanitizeToolName(raw), TOOL_NAME, raw)
  }
  assert.notEqual(sanitizeToolName('x'.repeat(70) + 'a'), sanitizeToolName('x'.repeat(70) + 'b'))
})

test('a valid name of exactly 64 characters is kept as it is (no needless rename)', () => {
  const name = 'a'.repeat(63) + 'z'
  assert.equal(sanitizeToolName(name), name)
  assert.equal(sanitizeToolName('b'.repeat(65)).length, 64)
  const {names} = assignToolNames([{server: 's', name}])
  assert.deepEqual([...names.keys()], [name])
})

test('--tools filter patterns', () => {
  const f = parseToolFilter(['roll_dice', 'time:*', 'GH:Search'])!
  assert.equal(f('dice', 'roll_dice'), true)
  assert.equal(f('dice', 'flip_coin'), false)
  assert.equal(f('time', 'anything'), true)
  assert.equal(f('gh', 'search'), true)
  assert.equal(f('gh', 'other'), false)
  assert.equal(parseToolFilter([]), undefined)
  assert.equal(parseToolFilter(['*'])!('x', 'y'), true)
  assert.equal(parseToolFilter(['a,b'])!('s', 'b'), true)
})

test('--tools image:tool and image:* match the server image as the catalog writes it (as Docker matches them)', () => {
  const images: Record<string, string> = {
    fetch: 'mcp/fetch:latest',
    gh: 'ghcr.io/github/github-mcp-server@sha256:abc',
  }
  const f = parseToolFilter(
    ['mcp/fetch:latest:fetch', 'GHCR.io/github/github-mcp-server@sha256:abc:*'],
    (s) => images[s],
  )!
  assert.equal(f('fetch', 'fetch'), true)
  assert.equal(f('fetch', 'other'), false)
  assert.equal(f('gh', 'anything'), true)
  // Another server with no such image gets nothing from these patterns.
  assert.equal(f('dice', 'fetch'), false)
  // Without an image for the server, only the name-based patterns apply.
  assert.equal(parseToolFilter(['mcp/fetch:latest:fetch'])!('fetch', 'fetch'), false)
})

test('tools.yaml allowlists: absent = all, empty = none', () => {
  const f = allowlistFilter({dice: ['roll_dice'], time: []})
  assert.equal(f('dice', 'roll_dice'), true)
  assert.equal(f('dice', 'flip_coin'), false)
  assert.equal(f('time', 'now'), false)
  assert.equal(f('other', 'x'), true)
})
