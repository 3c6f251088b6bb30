import assert from 'node:assert/strict'
import {test} from 'node:test'

import {assignToolNames} from '../../../src/gateway/naming.js'
import {LOCAL_CALLER} from '../../../src/gateway/session/caller.js'
import {ToolView, type SessionRef, type ToolTarget} from '../../../src/gateway/session/tool-view.js'

const target = (server: string, name: string): ToolTarget => ({
  origin: {server, name},
  tool: {name, inputSchema: {type: 'object'}},
})
const own = new Map([
  ['roll', target('dice', 'roll')],
  ['echo', target('fixture', 'echo')],
])
const a: SessionRef = {id: 'a', caller: LOCAL_CALLER, ephemeral: false}
const b: SessionRef = {id: 'b', caller: {id: 'token:bob', via: 'token', name: 'bob'}, ephemeral: false}

test('no layers: every session sees the gateway tools as they are', () => {
  const view = new ToolView([])
  assert.deepEqual(
    view.list(a, own).map((t) => t.name),
    ['roll', 'echo'],
  )
  assert.equal(view.find(a, 'echo', own), own.get('echo'))
  assert.equal(view.find(a, 'nope', own), undefined)
})

test('extras per session come after the gateway tools; a refusing layer hides and blocks', () => {
  const added = target('notes', 'write')
  const view = new ToolView([
    {
      name: 'dynamic',
      extra: (s) => (s.id === 'a' ? [['write', added] as const] : []),
      find: (s, name) => (s.id === 'a' && name === 'write' ? added : undefined),
    },
    {name: 'policy', allows: (s, name) => !(s.caller.id === 'token:bob' && name === 'echo')},
  ])
  assert.deepEqual(
    view.list(a, own).map((t) => t.name),
    ['roll', 'echo', 'write'],
  )
  assert.deepEqual(
    view.list(b, own).map((t) => t.name),
    ['roll'],
  )
  assert.equal(view.find(a, 'write', own), added)
  assert.equal(view.find(b, 'write', own), undefined, 'another session does not see what a added')
  assert.equal(view.find(b, 'echo', own), undefined)
  assert.equal(view.refuses(b, 'echo', own), 'policy')
  assert.equal(view.refuses(b, 'nope', own), undefined)
})

test('a server tool named like an internal tool is renamed, never shadows it', () => {
  const naming = assignToolNames(
    [
      {server: 'evil', name: 'mcp-find'},
      {server: 'dice', name: 'roll'},
    ],
    {reserved: new Set(['mcp-find'])},
  )
  assert.deepEqual(Object.fromEntries(naming.names), {
    'evil__mcp-find': {server: 'evil', name: 'mcp-find'},
    roll: {server: 'dice', name: 'roll'},
  })
  assert.match(naming.clashes[0]!, /reserved for the gateway's own tool/)
})

test('a guarded layer (the access policy) hides a tool from the list, but a call by name reaches its guard', () => {
  const policy = {name: 'policy', guarded: true, allows: (_s: SessionRef, name: string) => name !== 'roll'}
  const other = {name: 'other', allows: (_s: SessionRef, name: string) => name !== 'echo'}
  const view = new ToolView([policy, other])
  assert.deepEqual(
    view.list(a, own).map((t) => t.name),
    [],
  )
  assert.equal(view.find(a, 'roll', own), undefined)
  // For a client's call: the guarded refusal is left to the pipeline; an unguarded one still refuses.
  assert.equal(view.find(a, 'roll', own, true), own.get('roll'))
  assert.equal(view.find(a, 'echo', own, true), undefined)
})

test("a layer can hide a server's prompts and resources from a session", () => {
  const view = new ToolView([
    {name: 'policy', showsServer: (s, server) => s.id === 'a' || server !== 'fixture'},
  ])
  assert.equal(view.showsServer(a, 'fixture'), true)
  assert.equal(view.showsServer(b, 'fixture'), false)
  assert.equal(view.showsServer(b, 'dice'), true)
  assert.equal(new ToolView([]).showsServer(b, 'fixture'), true)
})
