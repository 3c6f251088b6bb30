import assert from 'node:assert/strict'
import {test} from 'node:test'

import {generateToken, isLoopback, tokenMatches} from '../../../src/gateway/http.js'
import {isInternalAddress, validateRemoteUrl} from '../../../src/gateway/remote.js'

test('generated tokens are 50 chars of [a-z0-9] and differ', () => {
  const a = generateToken()
  assert.match(a, /^[a-z0-9]{50}$/)
  assert.notEqual(a, generateToken())
})

test('tokenMatches needs the exact bearer token', () => {
  assert.equal(tokenMatches('Bearer abc', 'abc'), true)
  assert.equal(tokenMatches('bearer   abc ', 'abc'), true)
  assert.equal(tokenMatches('Bearer abd', 'abc'), false)
  assert.equal(tokenMatches('abc', 'abc'), false)
  assert.equal(tokenMatches(undefined, 'abc'), false)
  assert.equal(tokenMatches('Bearer ', ''), false)
})

test('isLoopback', () => {
  for (const h of ['127.0.0.1', 'localhost', '::1', '127.1.2.3']) assert.equal(isLoopback(h), true, h)
  for (const h of ['0.0.0.0', '10.0.0.1', 'example.com']) assert.equal(isLoopback(h), false, h)
})

test('internal addresses are recognised', () => {
  for (const a of [
    '127.0.0.1',
    '10.1.2.3',
    '172.16.0.1',
    '192.168.1.1',
    '169.254.169.254',
    '::1',
    'fe80::1',
    'fd00::1',
    '::ffff:10.0.0.1',
    '0.0.0.0',
    '100.64.0.1',
  ]) {
    assert.equal(isInternalAddress(a), true, a)
  }
  for (const a of ['8.8.8.8', '1.1.1.1', '2606:4700::1111', '172.32.0.1'])
    assert.equal(isInternalAddress(a), false, a)
})

test('remote URLs: https and public only, unless explicitly allowed', async () => {
  await assert.rejects(validateRemoteUrl('http://example.com/mcp', {}), /only https/)
  await assert.rejects(validateRemoteUrl('https://127.0.0.1/mcp', {}), /private or local/)
  await assert.rejects(validateRemoteUrl('https://localhost/mcp', {}), /private or local/)
  await assert.rejects(validateRemoteUrl('https://[::1]:8443/mcp', {}), /private or local/)
  await assert.rejects(validateRemoteUrl('https://user:pw@example.com/', {}), /credentials/)
  await assert.rejects(validateRemoteUrl('not a url', {}), /invalid remote server URL/)
  const ok = await validateRemoteUrl('http://127.0.0.1:9/mcp', {DOCKER_MCP_ALLOW_INSECURE_REMOTE_URLS: '1'})
  assert.equal(ok.port, '9')
})
