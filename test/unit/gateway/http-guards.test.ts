import assert from 'node:assert/strict'
import {describe, test} from 'node:test'

// Through http.js, the module the gateway serves from (it re-exports the guards).
import * as front from '../../../src/gateway/http.js'

const {isLoopback, tokenMatches} = front
const TOKEN = 'abcdef0123456789abcdef0123456789abcdef0123456789ab'

describe('tokenMatches: the exact bearer token, nothing near it', () => {
  test('the token, with any case of the scheme and blanks around, matches', () => {
    for (const h of [
      `Bearer ${TOKEN}`,
      `bearer ${TOKEN}`,
      `BEARER   ${TOKEN}`,
      ` Bearer ${TOKEN} `,
      `Bearer\t${TOKEN}`,
    ])
      assert.equal(tokenMatches(h, TOKEN), true, h)
  })

  test('prefixes, suffixes, case changes, inner blanks and bare schemes do not', () => {
    for (const h of [
      `Bearer ${TOKEN.slice(0, 1)}`,
      `Bearer ${TOKEN.slice(0, 10)}`,
      `Bearer ${TOKEN.slice(0, -1)}`,
      `Bearer ${TOKEN}x`,
      `Bearer ${TOKEN.slice(1)}`,
      `Bearer x${TOKEN}`,
      `Bearer ${TOKEN.toUpperCase()}`,
      `Bearer ${TOKEN.slice(0, 20)} ${TOKEN.slice(20)}`,
      `Bearer ${TOKEN} ${TOKEN}`,
      'Bearer',
      'Bearer ',
      'Bearer  ',
      TOKEN,
      `Basic ${TOKEN}`,
      `Token ${TOKEN}`,
      `Bearer${TOKEN}`,
      '',
      undefined,
    ]) {
      assert.equal(tokenMatches(h, TOKEN), false, String(h))
    }
  })

  test('an empty expected token matches nothing', () => {
    for (const h of ['Bearer ', 'Bearer', '', undefined, 'Bearer x']) assert.equal(tokenMatches(h, ''), false)
  })
})

describe('resolveAuthToken', () => {
  test('an empty or blank MCP_GATEWAY_AUTH_TOKEN means "generate one", never "no authentication"', () => {
    for (const value of [undefined, '', '   ', '\n']) {
      const r = front.resolveAuthToken(value)
      assert.equal(r.generated, true)
      assert.match(r.token, /^[a-z0-9]{50}$/)
    }
    assert.deepEqual(front.resolveAuthToken(' given '), {token: 'given', generated: false})
  })
})

describe('isLoopback: from the parsed address, not the text', () => {
  test('every spelling of a loopback address is loopback', () => {
    for (const h of [
      '127.0.0.1',
      '127.1.2.3',
      'localhost',
      'LOCALHOST',
      '::1',
      '[::1]',
      '0:0:0:0:0:0:0:1',
      '0::1',
      '::ffff:127.0.0.1',
      '::ffff:7f00:1',
      '[::ffff:127.0.0.1]',
    ])
      assert.equal(isLoopback(h), true, h)
  })
  test('anything else is not', () => {
    for (const h of [
      '0.0.0.0',
      '::',
      '10.0.0.1',
      'example.com',
      'localhost.evil.example',
      '127.0.0.1.evil.example',
      '::ffff:10.0.0.1',
      '::2',
    ])
      assert.equal(isLoopback(h), false, h)
  })
})
