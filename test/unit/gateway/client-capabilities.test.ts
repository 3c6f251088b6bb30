import assert from 'node:assert/strict'
import {test} from 'node:test'

import {CLIENT_CAPABILITIES_META_KEY} from '@modelcontextprotocol/server'

import {
  CapabilityScopes,
  capabilityScope,
  mirroredCapabilities,
} from '../../../src/gateway/client-capabilities.js'

// The bug: the gateway told every server that its client supports elicitation and sampling, whatever the
// client said, so servers skipped their fallbacks and asked clients that could not answer.
test('a server is told only what the client declared and the gateway relays, in one canonical form', () => {
  const cases: Array<[unknown, unknown]> = [
    [undefined, {}],
    [{}, {}],
    [{roots: {listChanged: true}}, {}],
    [{elicitation: {}}, {elicitation: {form: {}}}],
    [{elicitation: {form: {}}}, {elicitation: {form: {}}}],
    [{elicitation: {url: {}}}, {elicitation: {url: {}}}],
    [{elicitation: {form: {}, url: {}, extra: 1}}, {elicitation: {form: {}, url: {}}}],
    [{sampling: {}}, {sampling: {}}],
    [{sampling: {tools: {}, context: {}, junk: 'x'}}, {sampling: {context: {}, tools: {}}}],
    [
      {elicitation: {form: {}}, sampling: {}, roots: {}, experimental: {x: {}}},
      {elicitation: {form: {}}, sampling: {}},
    ],
  ]
  for (const [declared, told] of cases)
    assert.deepEqual(mirroredCapabilities(declared as never), told, JSON.stringify(declared))
})

test('containers are shared only by clients that declared the same capabilities', () => {
  // A 2025 session is one client: its containers are its own, whatever it declared.
  assert.equal(capabilityScope('s1', false, {sampling: {}}), 's1')
  // 2026-07-28 clients share the stateless session: grouped by what they declared.
  const none = capabilityScope('stateless', true, {})
  const sampling = capabilityScope('stateless', true, mirroredCapabilities({sampling: {junk: 1}} as never))
  assert.equal(none, 'stateless')
  assert.notEqual(sampling, none)
  assert.equal(sampling, capabilityScope('stateless', true, mirroredCapabilities({sampling: {}})))
  assert.notEqual(sampling, capabilityScope('stateless', true, mirroredCapabilities({elicitation: {}})))
})

// The bug: a 2026-07-28 remote server spoken to in its era answered a 2025 client with what only a
// 2026-07-28 client expects; and a container first opened by a subscription declared no capabilities.
test("a 2025 session's containers are spoken to in its era and declare its capabilities, whatever opens them", () => {
  const scopes = new CapabilityScopes()
  assert.equal(scopes.legacy('s1'), false)
  scopes.initialized('s1', {sampling: {}, roots: {}})
  assert.equal(scopes.legacy('s1'), true)
  assert.deepEqual(scopes.capabilities('s1'), {sampling: {}})
  const legacyServer = {getClientCapabilities: () => ({sampling: {}})}
  assert.equal(scopes.of('s2', legacyServer, {mcpReq: {}} as never), 's2')
  assert.equal(scopes.legacy('s2'), true)
  // A 2026-07-28 call carries its capabilities in its envelope: its scope is not a 2025 one.
  const envelope = {[CLIENT_CAPABILITIES_META_KEY]: {elicitation: {}}}
  const scope = scopes.of('stateless', legacyServer, {mcpReq: {envelope}} as never)
  assert.equal(scopes.legacy(scope), false)
  assert.deepEqual(scopes.capabilities(scope), {elicitation: {form: {}}})
})
