import assert from 'node:assert/strict'
import {generateKeyPairSync, type KeyObject} from 'node:crypto'
import {writeFile} from 'node:fs/promises'
import path from 'node:path'
import {after, before, describe, test} from 'node:test'

import {connectGateway, IMAGES, textOf} from '../helpers/gateway.js'
import {makeSandbox, run, runCli, type Sandbox} from '../helpers/sandbox.js'
import {
  signPayload,
  simpleSigningPayload,
  startRegistry,
  writeCosignSignature,
  type RealRegistry,
} from '../helpers/signing.js'

/**
 * `gateway run --verify-signatures` against a real registry (Debian's docker-registry on 127.0.0.1): the
 * fixture image is pushed and signed the way cosign stores signatures, a second image (the fixture with
 * one more label) is pushed under the same tag afterwards, and each way a signature can be missing or
 * wrong must keep the server from starting, with the reason reaching the MCP client.
 */
let sandbox: Sandbox
let registry: RealRegistry
let signed: string // repository@digest of the signed fixture
let other: string // repository@digest of the image pushed later under the same tag (unsigned)
let repository: string // 127.0.0.1:<port>/fixture
let trustedPem: string
let otherPem: string
let trustedKey: KeyObject
const pushed: string[] = []

function keyPair(): {pem: string; privateKey: KeyObject} {
  const {publicKey, privateKey} = generateKeyPairSync('ec', {namedCurve: 'prime256v1'})
  return {pem: publicKey.export({type: 'spki', format: 'pem'}).toString(), privateKey}
}

async function docker(args: string[], input?: string): Promise<string> {
  const result = await run('docker', args, {timeoutMs: 120_000, ...(input === undefined ? {} : {input})})
  if (result.code !== 0) throw new Error(`docker ${args.join(' ')}: ${result.stderr}`)
  return result.stdout
}

/** A catalog with one server `signed-fixture` running `image`, trusting `pem` (none when undefined). */
async function catalogFor(image: string, pem: string | undefined): Promise<string> {
  const file = path.join(sandbox.home, `catalog-${Math.random().toString(36).slice(2)}.yaml`)
  const key =
    pem === undefined
      ? []
      : [
          '    signature:',
          '      publicKey: |',
          ...pem
            .trim()
            .split('\n')
            .map((l) => `        ${l}`),
        ]
  await writeFile(
    file,
    [
      'name: signing',
      'registry:',
      '  signed-fixture:',
      `    image: ${image}`,
      '    env:',
      '      - {name: FIXTURE_NAME, value: signed}',
      ...key,
      '',
    ].join('\n'),
  )
  return file
}

/** Start the gateway on `catalog`, call `echo`, and return what the client got (result text or error). */
async function callThrough(catalog: string, extra: string[] = []): Promise<{said: string; stderr: string}> {
  const gw = await connectGateway(
    sandbox,
    ['--catalog', catalog, '--servers', 'signed-fixture', '--no-cache', '--verify-signatures', ...extra],
    {viaDocker: false},
  )
  try {
    const said = await gw.client.callTool({name: 'echo', arguments: {text: 'signed hello'}}).then(
      (result) => ((result as {isError?: boolean}).isError ? `ERROR ${textOf(result)}` : textOf(result)),
      (err: Error) => `ERROR ${err.message}`,
    )
    return {said, stderr: gw.stderr()}
  } finally {
    await gw.close()
  }
}

before(async () => {
  sandbox = await makeSandbox()
  registry = await startRegistry()
  repository = `${registry.host}/fixture`
  const trusted = keyPair()
  trustedPem = trusted.pem
  trustedKey = trusted.privateKey
  otherPem = keyPair().pem

  // The fixture, pushed and signed.
  pushed.push(`${repository}:v1`)
  await docker(['tag', IMAGES.fixture, `${repository}:v1`])
  await docker(['push', '-q', `${repository}:v1`])
  const signedDigest = await registry.digestOf('fixture', 'v1')
  signed = `${repository}@${signedDigest}`
  pushed.push(signed)
  const payload = simpleSigningPayload(repository, signedDigest)
  await writeCosignSignature(registry, 'fixture', signedDigest, payload, signPayload(payload, trustedKey))

  // Another image pushed under the same tag afterwards: the tag moves, the signature does not follow.
  await docker(
    ['build', '-q', '-t', `${repository}:v1`, '-'],
    `FROM ${IMAGES.fixture}\nLABEL docker-mcp-test=retagged\n`,
  )
  await docker(['push', '-q', `${repository}:v1`])
  const otherDigest = await registry.digestOf('fixture', 'v1')
  assert.notEqual(otherDigest, signedDigest)
  other = `${repository}@${otherDigest}`
  pushed.push(other)
})

after(async () => {
  for (const ref of pushed) await run('docker', ['image', 'rm', ref]).catch(() => undefined)
  await registry?.stop()
  await sandbox?.cleanup()
})

describe('gateway run --verify-signatures', () => {
  test('a digest-pinned image with a signature by the catalog key starts and answers a call', async () => {
    const {said, stderr} = await callThrough(await catalogFor(signed, trustedPem))
    assert.equal(said, 'signed hello')
    assert.match(stderr, /Signature of .*fixture@sha256:[0-9a-f]{64} verified with key sha256:[0-9a-f]{16}/)
  })

  test('an image with no signature in its registry is refused, and the client is told why', async () => {
    const {said} = await callThrough(await catalogFor(other, trustedPem))
    assert.match(said, /^ERROR /)
    assert.ok(
      said.includes(
        `server "signed-fixture" refused by --verify-signatures: image ${other} has no signature`,
      ),
      said,
    )
    assert.ok(
      said.includes(`${repository}:${other.split('@')[1]!.replace(':', '-')}.sig is not in the registry`),
      said,
    )
  })

  test('a signature made with another key is refused', async () => {
    const {said} = await callThrough(await catalogFor(signed, otherPem))
    assert.ok(said.includes(`image ${signed} is not signed`), said)
    assert.match(
      said,
      /the signature does not verify with key sha256:[0-9a-f]{16} \(signed by another key, or altered\)/,
    )
  })

  test('--signature-key is trusted over the catalog key', async () => {
    const keyFile = path.join(sandbox.home, 'trusted.pub')
    await writeFile(keyFile, trustedPem)
    const otherKeyFile = path.join(sandbox.home, 'other.pub')
    await writeFile(otherKeyFile, otherPem)
    // The catalog trusts the wrong key, the flag the right one: the flag decides.
    assert.equal(
      (await callThrough(await catalogFor(signed, otherPem), ['--signature-key', keyFile])).said,
      'signed hello',
    )
    // And the other way round.
    const {said} = await callThrough(await catalogFor(signed, trustedPem), ['--signature-key', otherKeyFile])
    assert.match(said, /does not verify with key/)
  })

  test('a signature copied from the signed image onto another one is refused (digest mismatch)', async () => {
    const otherDigest = other.split('@')[1]!
    const {body, type} = await registry.getManifest(
      'fixture',
      `${signed.split('@')[1]!.replace(':', '-')}.sig`,
    )
    await registry.putManifest('fixture', `${otherDigest.replace(':', '-')}.sig`, body, type)
    try {
      const {said} = await callThrough(await catalogFor(other, trustedPem))
      assert.ok(said.includes(`image ${other} is not signed`), said)
      assert.ok(
        said.includes(`the signature is for digest ${signed.split('@')[1]}, not ${otherDigest}`),
        said,
      )
    } finally {
      // Signed for nothing else: later tests expect the other image unsigned.
      const unsigned = simpleSigningPayload(repository, 'sha256:' + '0'.repeat(64))
      await writeCosignSignature(
        registry,
        'fixture',
        otherDigest,
        unsigned,
        signPayload(unsigned, trustedKey),
      )
    }
  })

  test('a signature for another repository is refused', async () => {
    const digest = signed.split('@')[1]!
    const payload = simpleSigningPayload(`${registry.host}/elsewhere`, digest)
    await writeCosignSignature(registry, 'fixture', digest, payload, signPayload(payload, trustedKey))
    try {
      const {said} = await callThrough(await catalogFor(signed, trustedPem))
      assert.ok(
        said.includes(`the signature is for repository ${registry.host}/elsewhere, not ${repository}`),
        said,
      )
    } finally {
      const good = simpleSigningPayload(repository, digest)
      await writeCosignSignature(registry, 'fixture', digest, good, signPayload(good, trustedKey))
    }
  })

  test('a reference that is not pinned by digest is refused with the line to write', async () => {
    const {said} = await callThrough(await catalogFor(`${repository}:v1`, trustedPem))
    // The tag now points at the later, unsigned image: the instruction names that digest (which would then be
    // refused for want of a signature, as it should).
    assert.ok(
      said.includes(
        `image ${repository}:v1 is not pinned to a digest: pin it in the catalog entry of "signed-fixture": image: ${other}`,
      ),
      said,
    )
  })

  test('a local bundle signs an image the registry has no signature for; one by another key does not', async () => {
    const digest = other.split('@')[1]!
    const payload = simpleSigningPayload(repository, digest)
    const bundle = path.join(sandbox.home, 'other.sig.json')
    await writeFile(
      bundle,
      JSON.stringify({
        payload: payload.toString('base64'),
        base64Signature: signPayload(payload, trustedKey),
      }),
    )
    const catalog = await catalogFor(other, trustedPem)
    assert.equal((await callThrough(catalog, ['--signature-bundle', bundle])).said, 'signed hello')

    const forged = path.join(sandbox.home, 'forged.sig.json')
    await writeFile(
      forged,
      JSON.stringify({
        payload: payload.toString('base64'),
        base64Signature: signPayload(payload, keyPair().privateKey),
      }),
    )
    const {said} = await callThrough(catalog, ['--signature-bundle', forged])
    assert.ok(said.includes(`--signature-bundle ${forged}: the signature does not verify`), said)
  })

  test('a key or bundle flag without --verify-signatures is a usage error', async () => {
    const result = await runCli(sandbox, [
      'gateway',
      'run',
      '--signature-key',
      '/nonexistent.pub',
      '--dry-run',
    ])
    assert.equal(result.code, 125, result.stderr)
    assert.match(result.stderr, /--signature-key and --signature-bundle need --verify-signatures/)
  })
})
