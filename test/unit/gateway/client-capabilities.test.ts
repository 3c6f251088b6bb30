import assert from 'node:assert/strict'
import {test} from 'node:test'

import {capabilityScope, mirroredCapabilities} from '../../../src/gateway/client-capabilities.js'

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
