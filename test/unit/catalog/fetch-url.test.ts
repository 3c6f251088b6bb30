/**
 * Catalog downloads over plain http are refused unless the host is this machine (or --allow-insecure).
 * Loopback is decided from the address the URL parser produced, never from the text: the cases go through
 * a URL, as the command gets them (testing the address check alone is how an IPv4-mapped bypass hid in
 * the remote-URL guard).
 */
import assert from 'node:assert/strict'
import {test} from 'node:test'

import {checkCatalogUrl, isLoopbackHost} from '../../../src/catalog/fetch.js'

const allowed = [
  'https://example.com/catalog.yaml',
  'http://127.0.0.1:8080/c.yaml',
  'http://127.255.0.9/c.yaml',
  'http://127.1/c.yaml', // the parser makes this 127.0.0.1
  'http://0x7f.0.0.1/c.yaml',
  'http://2130706433/c.yaml', // 127.0.0.1 as one number
  'http://[::1]:9/c.yaml',
  'http://[0:0:0:0:0:0:0:1]/c.yaml',
  'http://[::ffff:127.0.0.1]/c.yaml', // becomes [::ffff:7f00:1]
  'http://localhost:3000/c.yaml',
  'http://LOCALHOST./c.yaml',
]
const refused = [
  'http://example.invalid/c.yaml',
  'http://127.0.0.1.nip.io/c.yaml', // a name that starts like loopback
  'http://127.evil.example/c.yaml',
  'http://localhost.evil.example/c.yaml',
  'http://10.0.0.1/c.yaml',
  'http://0.0.0.0/c.yaml',
  'http://[::ffff:10.0.0.1]/c.yaml',
  'http://[::]/c.yaml',
  'http://[fe80::1]/c.yaml',
  'HTTP://example.com/c.yaml',
]

test('https anywhere and http to loopback pass; the URL comes back parsed', () => {
  for (const url of allowed) assert.equal(checkCatalogUrl(url).href, new URL(url).href, url)
})

test('plain http to any other host is refused with what to do, unless allowInsecure', () => {
  for (const url of refused) {
    assert.throws(
      () => checkCatalogUrl(url),
      (err: Error & {suggestions?: string[]}) =>
        /refusing to download .* over plain http/.test(err.message) &&
        /nothing was changed/.test(err.message) &&
        (err.suggestions ?? []).some((s) => s.includes('--allow-insecure')),
      url,
    )
    assert.equal(checkCatalogUrl(url, {allowInsecure: true}).protocol, 'http:')
  }
})

test('other schemes and non-URLs are refused even with allowInsecure', () => {
  for (const url of ['ftp://example.com/c.yaml', 'file:///etc/passwd', 'not a url'])
    assert.throws(() => checkCatalogUrl(url, {allowInsecure: true}), /not a valid URL|only https/, url)
})

test('isLoopbackHost takes the parser hostname (brackets included for IPv6)', () => {
  assert.equal(isLoopbackHost(new URL('http://[::ffff:127.0.0.2]/').hostname), true)
  assert.equal(isLoopbackHost('[::1]'), true)
  assert.equal(isLoopbackHost('::1'), true)
  assert.equal(isLoopbackHost('127.0.0.1.'), false) // not an address as text; the parser strips nothing here
  assert.equal(isLoopbackHost('[::7f00:1]'), false) // IPv4-compatible (deprecated) is not loopback
})
