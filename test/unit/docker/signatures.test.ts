import assert from 'node:assert/strict'
import {generateKeyPairSync, sign} from 'node:crypto'
import {describe, test} from 'node:test'

import {
  createSignatureGate,
  parseImageReference,
  parsePublicKey,
  signatureTag,
  verifyCandidates,
} from '../../../src/docker/signatures/index.js'
import {registryBaseUrl} from '../../../src/docker/signatures/reference.js'
import {RegistryClient} from '../../../src/docker/signatures/registry.js'

const DIGEST = `sha256:${'ab'.repeat(32)}`
const OTHER = `sha256:${'cd'.repeat(32)}`

describe('image references', () => {
  const cases: Array<[string, ReturnType<typeof parseImageReference>]> = [
    ['alpine', {registry: 'docker.io', repository: 'library/alpine'}],
    ['mcp/fetch:1.2', {registry: 'docker.io', repository: 'mcp/fetch', tag: '1.2'}],
    [`index.docker.io/mcp/fetch@${DIGEST}`, {registry: 'docker.io', repository: 'mcp/fetch', digest: DIGEST}],
    [
      `127.0.0.1:5000/team/fixture:v1@${DIGEST}`,
      {registry: '127.0.0.1:5000', repository: 'team/fixture', tag: 'v1', digest: DIGEST},
    ],
    ['localhost/x', {registry: 'localhost', repository: 'x'}],
    ['ghcr.io/o/r', {registry: 'ghcr.io', repository: 'o/r'}],
  ]
  for (const [image, expected] of cases) {
    test(image, () => assert.deepEqual(parseImageReference(image), expected))
  }

  test('a malformed digest or name is an error naming the reference', () => {
    assert.throws(
      () => parseImageReference('alpine@sha256:abc'),
      /"alpine@sha256:abc" has a malformed digest/,
    )
    assert.throws(() => parseImageReference('Bad/Name'), /"Bad\/Name" is not a valid image reference/)
  })

  test('plain HTTP only for loopback registries', () => {
    assert.equal(registryBaseUrl('127.0.0.1:5000'), 'http://127.0.0.1:5000')
    assert.equal(registryBaseUrl('localhost:5000'), 'http://localhost:5000')
    assert.equal(registryBaseUrl('registry.example:5000'), 'https://registry.example:5000')
    assert.equal(registryBaseUrl('docker.io'), 'https://registry-1.docker.io')
  })

  test("cosign's signature tag", () => assert.equal(signatureTag(DIGEST), `sha256-${'ab'.repeat(32)}.sig`))
})

describe('keyed verification', () => {
  const {publicKey, privateKey} = generateKeyPairSync('ec', {namedCurve: 'prime256v1'})
  const key = parsePublicKey(publicKey.export({type: 'spki', format: 'pem'}).toString(), 'test key')
  const image = {...parseImageReference(`127.0.0.1:5000/fixture@${DIGEST}`), digest: DIGEST}
  const payloadFor = (critical: Record<string, unknown>) =>
    Buffer.from(JSON.stringify({critical, optional: null}))
  const good = {
    identity: {'docker-reference': '127.0.0.1:5000/fixture'},
    image: {'docker-manifest-digest': DIGEST},
    type: 'cosign container image signature',
  }
  const candidate = (payload: Buffer, signer = privateKey) => ({
    payload,
    base64Signature: sign('sha256', payload, signer).toString('base64'),
    source: 'sig',
  })

  test('a signature by the key over a payload naming this image verifies', () => {
    assert.equal(verifyCandidates([candidate(payloadFor(good))], key, image), undefined)
  })

  test('each way a signature can be wrong has its reason', () => {
    const other = generateKeyPairSync('ec', {namedCurve: 'prime256v1'}).privateKey
    const cases: Array<[string, Parameters<typeof verifyCandidates>[0], RegExp]> = [
      ['none', [], /^no signature found$/],
      ['another key', [candidate(payloadFor(good), other)], /does not verify with key sha256:[0-9a-f]{16}/],
      [
        'payload altered after signing',
        [{...candidate(payloadFor(good)), payload: payloadFor({...good, type: 'x'})}],
        /does not verify/,
      ],
      [
        'not base64/DER',
        [{payload: payloadFor(good), base64Signature: '!!', source: 'sig'}],
        /does not verify/,
      ],
      [
        'another digest',
        [candidate(payloadFor({...good, image: {'docker-manifest-digest': OTHER}}))],
        new RegExp(`is for digest ${OTHER}, not ${DIGEST}`),
      ],
      [
        'another repository',
        [candidate(payloadFor({...good, identity: {'docker-reference': 'docker.io/mcp/fixture'}}))],
        /is for repository docker.io\/mcp\/fixture, not 127.0.0.1:5000\/fixture/,
      ],
      [
        'another type',
        [candidate(payloadFor({...good, type: 'attestation'}))],
        /type is not "cosign container/,
      ],
      ['not JSON', [candidate(Buffer.from('nope'))], /not JSON/],
    ]
    for (const [name, candidates, reason] of cases) {
      assert.match(verifyCandidates(candidates, key, image) ?? 'VERIFIED', reason, name)
    }
  })

  test('one good signature among bad ones is enough; with none, a valid signature for another image is named first', () => {
    const other = generateKeyPairSync('ec', {namedCurve: 'prime256v1'}).privateKey
    const bad = candidate(payloadFor(good), other)
    assert.equal(verifyCandidates([bad, candidate(payloadFor(good))], key, image), undefined)
    const wrongDigest = candidate(payloadFor({...good, image: {'docker-manifest-digest': OTHER}}))
    assert.match(verifyCandidates([bad, wrongDigest], key, image)!, /^sig: the signature is for digest/)
  })

  test('hub references match whatever alias cosign wrote', () => {
    const hub = {...parseImageReference(`mcp/fetch@${DIGEST}`), digest: DIGEST}
    const signed = candidate(
      payloadFor({...good, identity: {'docker-reference': 'index.docker.io/mcp/fetch'}}),
    )
    assert.equal(verifyCandidates([signed], key, hub), undefined)
  })

  test('only ECDSA P-256 public keys are accepted, with the source named', () => {
    const p384 = generateKeyPairSync('ec', {namedCurve: 'secp384r1'}).publicKey.export({
      type: 'spki',
      format: 'pem',
    })
    assert.throws(
      () => parsePublicKey(p384.toString(), 'k.pub'),
      /k\.pub: an ECDSA P-256 public key is needed.*secp384r1/,
    )
    const ed = generateKeyPairSync('ed25519').publicKey.export({type: 'spki', format: 'pem'})
    assert.throws(() => parsePublicKey(ed.toString(), 'k.pub'), /got ed25519/)
    assert.throws(() => parsePublicKey('hello', 'k.pub'), /k\.pub: not a PEM public key/)
  })
})

describe('registry client', () => {
  const ref = parseImageReference(`ghcr.io/o/r@${DIGEST}`)

  test('a bearer challenge is answered with an anonymous pull token for the repository', async () => {
    const seen: string[] = []
    const fake = (async (input: string | URL, init?: RequestInit) => {
      const url = String(input)
      const auth = new Headers(init?.headers).get('authorization')
      seen.push(`${url} ${auth ?? '-'}`)
      if (url.startsWith('https://ghcr.io/token')) return Response.json({token: 'T'})
      if (auth !== 'Bearer T') {
        return new Response('', {
          status: 401,
          headers: {'www-authenticate': 'Bearer realm="https://ghcr.io/token",service="ghcr.io",scope="x"'},
        })
      }
      return Response.json({layers: []})
    }) as typeof fetch
    const client = new RegistryClient(ref, fake)
    assert.deepEqual(await client.manifest('sha256-x.sig'), {layers: []})
    assert.deepEqual(seen, [
      'https://ghcr.io/v2/o/r/manifests/sha256-x.sig -',
      'https://ghcr.io/token?service=ghcr.io&scope=repository%3Ao%2Fr%3Apull -',
      'https://ghcr.io/v2/o/r/manifests/sha256-x.sig Bearer T',
    ])
  })

  test('a token realm that is not https is refused', async () => {
    const fake = (async () =>
      new Response('', {
        status: 401,
        headers: {'www-authenticate': 'Bearer realm="http://evil/token"'},
      })) as typeof fetch
    await assert.rejects(new RegistryClient(ref, fake).manifest('t'), /unusable realm "http:\/\/evil\/token"/)
  })

  test('a blob that does not match its digest is refused; a missing manifest is undefined', async () => {
    const fake = (async (input: string | URL) =>
      String(input).includes('/blobs/')
        ? new Response('tampered')
        : new Response('', {status: 404})) as typeof fetch
    const client = new RegistryClient(ref, fake)
    await assert.rejects(client.blob(DIGEST), /blob sha256:abab.* of ghcr.io\/o\/r has digest sha256:/)
    assert.equal(await client.manifest('sha256-x.sig'), undefined)
  })
})

describe('signature gate', () => {
  const {publicKey} = generateKeyPairSync('ec', {namedCurve: 'prime256v1'})
  const pem = publicKey.export({type: 'spki', format: 'pem'}).toString()
  const server = {name: 's', entry: {image: `ghcr.io/o/r@${DIGEST}`, signature: {publicKey: pem}}}

  test('a registry that cannot be reached refuses this start, and the next start asks again', async () => {
    let calls = 0
    const fake = (async () => {
      calls++
      if (calls === 1) throw new Error('connection refused')
      return new Response('', {status: 404})
    }) as typeof fetch
    const gate = await createSignatureGate({log: () => {}, fetch: fake})
    await assert.rejects(
      gate.check(server),
      /image ghcr.io\/o\/r@sha256:abab.* cannot be verified: cannot reach ghcr.io/,
    )
    await assert.rejects(
      gate.check(server),
      /has no signature: ghcr.io\/o\/r:sha256-abab.*\.sig is not in the registry/,
    )
    // A definitive verdict is kept: no third request.
    await assert.rejects(gate.check(server), /has no signature/)
    assert.equal(calls, 2)
  })

  test('no key anywhere, or a bad one in the catalog, is a refusal naming where to put one', async () => {
    const gate = await createSignatureGate({
      log: () => {},
      fetch: (async () => new Response('')) as typeof fetch,
    })
    await assert.rejects(
      gate.check({name: 's', entry: {image: `ghcr.io/o/r@${DIGEST}`}}),
      (err: Error & {suggestions?: string[]}) =>
        /has no public key to verify it with/.test(err.message) &&
        /signature: \{publicKey: <PEM>\}.*--signature-key <file>/.test(err.suggestions?.join(' ') ?? ''),
    )
    await assert.rejects(
      gate.check({
        name: 's',
        entry: {image: `ghcr.io/o/r@${DIGEST}`, signature: {publicKey: 'nope'}},
      } as never),
      /catalog entry "s", field signature.publicKey: not a PEM public key/,
    )
  })
})
