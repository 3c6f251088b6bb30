import assert from 'node:assert/strict'
import {PassThrough} from 'node:stream'
import {test} from 'node:test'

import {createLogger} from '../../../src/gateway/logger.js'
import {SecretMasker} from '../../../src/secrets/mask.js'

// Issue #12: a secret derived into another value (`Bearer $TOKEN`) or printed by a server was logged in
// full: the gateway's logger masks every known secret value, wherever it is in a line.

test('the masker replaces secret values anywhere, in raw, JSON and URL forms', () => {
  const m = new SecretMasker()
  m.add(['sup3r-s3cret-VALUE', 'a"b\\c-quoted', 'sp ace&x=1', 'ab', ''])
  assert.equal(m.mask('Authorization: Bearer sup3r-s3cret-VALUE!'), 'Authorization: Bearer sup3****!')
  assert.equal(m.mask('{"v":"a\\"b\\\\c-quoted"}'), '{"v":"a\\"****"}')
  assert.equal(m.mask('u?q=sp%20ace%26x%3D1'), 'u?q=sp%2****')
  // Too short to mask without garbling every line; from 4 characters on, masked.
  assert.equal(m.mask('ab cd'), 'ab cd')
  const four = new SecretMasker()
  four.add(['pw12'])
  assert.equal(four.mask('login pw12 ok'), 'login p**** ok')
  assert.equal(new SecretMasker().mask('nothing'), 'nothing')
})

test('a longer secret containing a shorter one is masked whole', () => {
  const m = new SecretMasker()
  m.add(['token', 'token-and-more-secret'])
  assert.doesNotMatch(m.mask('x token-and-more-secret y'), /more-secret/)
})

test('the gateway logger masks every line, verbose or not', () => {
  const out = new PassThrough()
  let text = ''
  out.on('data', (d: Buffer) => (text += d.toString()))
  const logger = createLogger({verbose: true, stream: out})
  logger.secrets!.add(['ghp_0123456789abcdef'])
  logger.info('info ghp_0123456789abcdef')
  logger.warn('warn x-ghp_0123456789abcdef-y')
  logger.debug('  - github: stderr: token=ghp_0123456789abcdef')
  logger.flush?.()
  assert.doesNotMatch(text, /0123456789/)
  assert.equal((text.match(/ghp_\*\*\*\*/g) ?? []).length, 3)
})
