import assert from 'node:assert/strict'
import {copyFileSync, mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import type http from 'node:http'
import {tmpdir} from 'node:os'
import path from 'node:path'
import {after, before, describe, test} from 'node:test'

import {UsageError} from '../../../src/errors.js'
import {frontDoorOptionsFromFlags} from '../../../src/gateway/http/front-door.js'
import {checkHost, checkOrigin} from '../../../src/gateway/http/guards.js'
import {
  headerValues,
  parseForwarded,
  parsePrefix,
  parsePublicNames,
  parseTrustedProxies,
  publicView,
  type PublicView,
} from '../../../src/gateway/http/proxy.js'
import {loadTlsPair} from '../../../src/gateway/http/tls.js'
import {issueCert, makeCa, type TestCa} from '../../helpers/tls.js'

const DIRECT: PublicView = {proto: 'http', host: '127.0.0.1:8811', prefix: ''}
const view = (headers: http.IncomingHttpHeaders, trusted = true) => publicView(headers, DIRECT, trusted)

describe('--trusted-proxy: addresses and networks', () => {
  test('IPs, CIDRs, IPv6 and the IPv4-mapped spelling of a peer', () => {
    const t = parseTrustedProxies(['127.0.0.1', '10.0.0.0/8,fd00::/8', '::1'])
    for (const a of ['127.0.0.1', '::ffff:127.0.0.1', '10.1.2.3', 'fd00::5', '::1', '0:0:0:0:0:0:0:1'])
      assert.equal(t.trusts(a), true, a)
    for (const a of ['127.0.0.2', '11.0.0.1', 'fe80::1', '::ffff:10.0.0.1x', '', undefined, 'localhost'])
      assert.equal(t.trusts(a), false, String(a))
  })

  test('none by default: nobody is trusted', () => {
    assert.equal(parseTrustedProxies(undefined).trusts('127.0.0.1'), false)
    assert.equal(parseTrustedProxies([]).trusts('127.0.0.1'), false)
  })

  test('bad entries are usage errors naming the entry', () => {
    for (const bad of [
      'localhost',
      '10.0.0.0/33',
      '::1/129',
      '1.2.3',
      '10.0.0.0/',
      '127.0.0.1,,10.0.0.1',
      'a/8',
    ]) {
      assert.throws(
        () => parseTrustedProxies([bad]),
        (e: Error) => e instanceof UsageError && /--trusted-proxy/.test(e.message),
        bad,
      )
    }
    assert.throws(() => parseTrustedProxies(['10.0.0.0/33']), /"10.0.0.0\/33"/)
  })
})

describe('forwarding headers', () => {
  test('untrusted peer: every forwarding header is ignored', () => {
    const spoof = {
      'x-forwarded-prefix': '/main',
      'x-forwarded-proto': 'https',
      'x-forwarded-host': 'evil.example',
      forwarded: 'proto=https;host=evil.example',
    }
    assert.deepEqual(view(spoof, false), DIRECT)
  })

  test('trusted peer: prefix, proto and host are taken', () => {
    assert.deepEqual(
      view({
        'x-forwarded-prefix': '/main',
        'x-forwarded-proto': 'https',
        'x-forwarded-host': 'mcp.example.com',
      }),
      {proto: 'https', host: 'mcp.example.com', prefix: '/main'},
    )
  })

  test('several values (a list, or the header repeated): the last one, set by the nearest proxy, counts', () => {
    assert.equal(headerValues(['a, b', ' c ']).join('|'), 'a|b|c')
    const v = view({
      'x-forwarded-proto': 'http, https',
      'x-forwarded-host': 'evil.example, mcp.example.com:8443',
      'x-forwarded-prefix': '/evil, /main',
    })
    assert.deepEqual(v, {proto: 'https', host: 'mcp.example.com:8443', prefix: '/main'})
  })

  test('bad values are ignored, never half used', () => {
    const v = view({
      'x-forwarded-proto': 'javascript',
      'x-forwarded-host': 'evil.example/path',
      'x-forwarded-prefix': '//evil.example',
    })
    assert.deepEqual(v, DIRECT)
    assert.equal(view({'x-forwarded-host': 'user@evil.example'}).host, DIRECT.host)
    assert.equal(view({'x-forwarded-host': 'a b'}).host, DIRECT.host)
  })

  test('prefixes: absolute plain paths; trailing slash dropped; / is none; traversal, //, controls refused', () => {
    assert.equal(parsePrefix('/main'), '/main')
    assert.equal(parsePrefix('/main/'), '/main')
    assert.equal(parsePrefix('/team/mcp'), '/team/mcp')
    assert.equal(parsePrefix('/a%20b'), '/a%20b')
    assert.equal(parsePrefix('/'), '')
    for (const bad of [
      '',
      'main',
      '//evil.example',
      '/a//b',
      '/a/../b',
      '/..',
      '/./a',
      '/%2e%2e/a',
      '/a b',
      '/a\\b',
      '/a"b',
      '/a\nb',
      '/a?x=1',
      '/a#x',
      '/%zz',
      'https://evil.example/main',
    ]) {
      assert.equal(parsePrefix(bad), undefined, JSON.stringify(bad))
    }
  })

  test('RFC 7239 Forwarded: the last element; quoted values; case-insensitive names', () => {
    assert.equal(
      parseForwarded('for=1.2.3.4;proto=http, for=5.6.7.8;Proto=https;host="mcp.example.com:8443"')?.get(
        'proto',
      ),
      'https',
    )
    assert.deepEqual(view({forwarded: 'for=5.6.7.8;proto=https;host="mcp.example.com:8443"'}), {
      proto: 'https',
      host: 'mcp.example.com:8443',
      prefix: '',
    })
    // A comma inside a quoted string does not split elements.
    assert.equal(parseForwarded('for="[::1]:80";host="a,b"')?.get('host'), 'a,b')
    // Garbage: nothing taken.
    assert.equal(parseForwarded('proto=https;;;=x'), undefined)
    assert.deepEqual(view({forwarded: 'proto=https;;;=x'}), DIRECT)
  })

  test('X-Forwarded-* win: a client-sent Forwarded passed on by an X-Forwarded proxy is ignored', () => {
    assert.deepEqual(
      view({
        forwarded: 'proto=http;host=evil.example',
        'x-forwarded-proto': 'https',
        'x-forwarded-prefix': '/main',
      }),
      {proto: 'https', host: DIRECT.host, prefix: '/main'},
    )
  })
})

describe('--public-url: names the Host and Origin checks accept', () => {
  test('URLs and bare names, lower-cased, repeated or comma-separated', () => {
    assert.deepEqual(
      parsePublicNames(['https://MCP.example.com/main', 'other.example,https://mcp.example.com']),
      ['mcp.example.com', 'other.example'],
    )
    for (const bad of ['ftp://x.example', 'https://u:p@x.example', 'not a host', 'https://']) {
      assert.throws(() => parsePublicNames([bad]), /--public-url/, bad)
    }
  })

  test('a loopback gateway accepts only local names, plus the configured ones', () => {
    assert.equal(checkHost('mcp.example.com', true).ok, false)
    assert.equal(checkHost('mcp.example.com', true, ['mcp.example.com']).ok, true)
    assert.equal(checkHost('MCP.example.com:443', true, ['mcp.example.com']).ok, true)
    assert.equal(checkHost('mcp.example.com.evil', true, ['mcp.example.com']).ok, false)
    assert.equal(checkOrigin('https://mcp.example.com', ['mcp.example.com']).ok, true)
    assert.equal(checkOrigin('https://mcp.example.com').ok, false)
    assert.equal(checkOrigin('https://mcp.example.com@evil.example', ['mcp.example.com']).ok, false)
    assert.equal(checkOrigin('https://evil.example', ['mcp.example.com']).ok, false)
  })
})

describe('front door flags', () => {
  test('half a TLS pair and these flags on stdio are refused', () => {
    assert.throws(
      () => frontDoorOptionsFromFlags({'tls-cert': 'c.pem'}, 'streaming'),
      /--tls-cert needs --tls-key/,
    )
    assert.throws(() => frontDoorOptionsFromFlags({'tls-key': 'k.pem'}, 'sse'), /--tls-key needs --tls-cert/)
    assert.throws(
      () => frontDoorOptionsFromFlags({'trusted-proxy': ['127.0.0.1']}, 'stdio'),
      /--trusted-proxy: only with --transport sse or streaming/,
    )
    const options = frontDoorOptionsFromFlags({'tls-cert': 'c.pem', 'tls-key': 'k.pem'}, 'streaming')
    assert.deepEqual(options.tls, {certFile: 'c.pem', keyFile: 'k.pem'})
    assert.deepEqual(frontDoorOptionsFromFlags({}, 'stdio').publicNames, [])
  })
})

describe('loadTlsPair: errors name the file at fault', () => {
  let dir: string
  let ca: TestCa
  let one: {certFile: string; keyFile: string}
  let two: {certFile: string; keyFile: string}
  before(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'docker-mcp-tls-unit-'))
    ca = makeCa(dir)
    one = issueCert(ca, 'one')
    two = issueCert(ca, 'two')
  })
  after(() => rmSync(dir, {recursive: true, force: true}))

  test('a good pair loads, with its fingerprint and subject', () => {
    const pair = loadTlsPair(one)
    assert.match(pair.fingerprint, /^([0-9A-F]{2}:){31}[0-9A-F]{2}$/)
    assert.match(pair.subject, /CN=one/)
  })

  test('missing, unreadable, not PEM, mismatched', () => {
    assert.throws(
      () => loadTlsPair({...one, certFile: path.join(dir, 'nope.pem')}),
      /cannot read --tls-cert file ".*nope.pem": no such file/,
    )
    assert.throws(
      () => loadTlsPair({...one, keyFile: dir}),
      /cannot read --tls-key file ".*": it is a directory/,
    )
    const junk = path.join(dir, 'junk.pem')
    writeFileSync(junk, 'hello\n')
    assert.throws(
      () => loadTlsPair({...one, certFile: junk}),
      /--tls-cert file ".*junk.pem" is not a PEM certificate/,
    )
    assert.throws(
      () => loadTlsPair({...one, keyFile: junk}),
      /--tls-key file ".*junk.pem" is not an unencrypted PEM private key/,
    )
    // The certificate given as the key, and a key that is not the certificate's.
    const certAsKey = path.join(dir, 'cert-as-key.pem')
    copyFileSync(one.certFile, certAsKey)
    assert.throws(() => loadTlsPair({...one, keyFile: certAsKey}), /--tls-key file ".*cert-as-key.pem"/)
    assert.throws(
      () => loadTlsPair({certFile: one.certFile, keyFile: two.keyFile}),
      /--tls-key file ".*two.key" is not the key of the certificate in --tls-cert file ".*one.pem"/,
    )
  })
})
