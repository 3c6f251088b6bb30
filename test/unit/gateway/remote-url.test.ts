import assert from 'node:assert/strict'
import {describe, test} from 'node:test'

// Through remote.js, the module the gateway uses (it re-exports the address table and the URL check).
import * as remote from '../../../src/gateway/remote.js'
import type {Resolver} from '../../../src/gateway/remote-fetch.js'

const {isInternalAddress, validateRemoteUrl} = remote
const internalReason = (a: string) => remote.internalReason(a)

describe('isInternalAddress: every spelling of a non-public address', () => {
  test('IPv4 special-purpose ranges (IANA registry) are internal, public unicast is not', () => {
    for (const a of [
      '0.0.0.0',
      '10.1.2.3',
      '100.64.0.1',
      '127.0.0.1',
      '127.255.255.254',
      '169.254.169.254',
      '172.16.0.1',
      '172.31.255.255',
      '192.0.0.8',
      '192.0.2.1',
      '192.88.99.1',
      '192.168.1.1',
      '198.18.0.1',
      '198.51.100.7',
      '203.0.113.9',
      '224.0.0.1',
      '239.255.255.250',
      '240.0.0.1',
      '255.255.255.255',
    ]) {
      assert.equal(isInternalAddress(a), true, a)
    }
    for (const a of ['8.8.8.8', '1.1.1.1', '172.32.0.1', '100.128.0.1', '192.169.0.1', '198.20.0.1'])
      assert.equal(isInternalAddress(a), false, a)
  })

  test('IPv6: loopback in any spelling, mapped/compatible/NAT64/6to4/Teredo carrying an internal IPv4', () => {
    for (const a of [
      '::1',
      '0:0:0:0:0:0:0:1',
      '::',
      '[::1]',
      // IPv4-mapped, dotted and as the URL parser rewrites it (hex): the bypass of the old check.
      '::ffff:127.0.0.1',
      '::ffff:7f00:1',
      '::ffff:a9fe:a9fe',
      '0:0:0:0:0:ffff:7f00:1',
      '::ffff:10.0.0.1',
      // IPv4-compatible (deprecated), NAT64 well-known and local-use prefixes.
      '::127.0.0.1',
      '::7f00:1',
      '64:ff9b::7f00:1',
      '64:ff9b::a9fe:a9fe',
      '64:ff9b::192.168.0.1',
      '64:ff9b:1::808:808',
      // 6to4 of loopback and of a private address; Teredo.
      '2002:7f00:1::1',
      '2002:c0a8:101::1',
      '2001:0:4136:e378:8000:63bf:3fff:fdd2',
      // ULA, link-local (with a zone), site-local, multicast, discard, documentation, benchmarking.
      'fd00::1',
      'fc00::1',
      'fe80::1%eth0',
      'fec0::1',
      'ff02::1',
      '100::1',
      '2001:db8::1',
      '3fff::1',
      '2001:2::1',
    ]) {
      assert.equal(isInternalAddress(a), true, a)
    }
    for (const a of ['2606:4700::1111', '2a00:1450:4001:82b::200e', '64:ff9b::808:808', '2002:808:808::1'])
      assert.equal(isInternalAddress(a), false, a)
  })

  test('text that is not an address is refused (fail closed), with a reason naming the range', () => {
    assert.equal(isInternalAddress('example.com'), true)
    assert.match(internalReason('::ffff:7f00:1')!, /IPv4-mapped of 127\.0\.0\.1: loopback/)
    assert.match(internalReason('64:ff9b::a9fe:a9fe')!, /NAT64 of 169\.254\.169\.254: link-local/)
  })
})

const privateResolver: Resolver = async (name) =>
  ({
    'internal.example': ['10.0.0.5'],
    'metadata.example': ['169.254.169.254'],
    'mapped.example': ['::ffff:127.0.0.1'],
    'mixed.example': ['93.184.216.34', '192.168.1.10'],
    'public.example': ['93.184.216.34'],
  })[name] ?? Promise.reject(Object.assign(new Error(`getaddrinfo ENOTFOUND ${name}`), {code: 'ENOTFOUND'}))

describe('validateRemoteUrl, through URLs', () => {
  test('IPv4-mapped, compatible, NAT64 and odd IPv4 spellings of internal hosts are refused', async () => {
    for (const url of [
      'https://[::ffff:127.0.0.1]/mcp',
      'https://[::ffff:7f00:1]:8443/mcp',
      'https://[::ffff:169.254.169.254]/latest/meta-data',
      'https://[0:0:0:0:0:ffff:a00:1]/',
      'https://[::127.0.0.1]/',
      'https://[64:ff9b::a9fe:a9fe]/',
      'https://[2002:7f00:1::]/',
      'https://[fe80::1]/',
      'https://0x7f.1/mcp',
      'https://2130706433/mcp',
      'https://0177.0.0.1/mcp',
      'https://127.1/mcp',
      'https://foo.localhost/mcp',
    ]) {
      await assert.rejects(validateRemoteUrl(url, {}, privateResolver), /private or local/, url)
    }
  })

  test('a DNS name that resolves to a private address is refused, naming the address', async () => {
    for (const [host, address] of [
      ['internal.example', '10.0.0.5'],
      ['metadata.example', '169.254.169.254'],
      ['mapped.example', '::ffff:127.0.0.1'],
      // One private address among public ones is enough: the connection could go to any of them.
      ['mixed.example', '192.168.1.10'],
    ] as const) {
      await assert.rejects(
        validateRemoteUrl(`https://${host}/mcp`, {}, privateResolver),
        (err: Error) => err.message.includes('private or local') && err.message.includes(address),
        host,
      )
    }
    assert.equal(
      (await validateRemoteUrl('https://public.example/mcp', {}, privateResolver)).host,
      'public.example',
    )
  })

  test('a name that does not resolve is refused (the old check let it through: fail open)', async () => {
    await assert.rejects(
      validateRemoteUrl('https://nowhere.example/mcp', {}, privateResolver),
      /cannot resolve/,
    )
    // The system resolver: .invalid never resolves (RFC 6761).
    await assert.rejects(
      validateRemoteUrl('https://no-such-host.invalid/mcp', {}),
      /cannot resolve|no address/,
    )
  })

  test('https only, no credentials, unless insecure URLs are allowed', async () => {
    await assert.rejects(validateRemoteUrl('http://public.example/mcp', {}, privateResolver), /only https/)
    await assert.rejects(validateRemoteUrl('https://u:p@public.example/', {}, privateResolver), /credentials/)
    await assert.rejects(validateRemoteUrl('ftp://public.example/', {}, privateResolver), /scheme/)
    await assert.rejects(validateRemoteUrl('not a url', {}), /invalid remote server URL/)
    const ok = await validateRemoteUrl('http://127.0.0.1:9/mcp', {DOCKER_MCP_ALLOW_INSECURE_REMOTE_URLS: '1'})
    assert.equal(ok.port, '9')
    // Only "1" opts in: "0", "false" or an empty value keep the guard on.
    for (const value of ['0', 'false', ''])
      await assert.rejects(
        validateRemoteUrl('http://127.0.0.1:9/mcp', {DOCKER_MCP_ALLOW_INSECURE_REMOTE_URLS: value}),
        /only https/,
        value,
      )
    // A user name alone (a token in the URL) is a credential too.
    await assert.rejects(validateRemoteUrl('https://tok@public.example/', {}, privateResolver), /credentials/)
  })
})
