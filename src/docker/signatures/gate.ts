/**
 * `--verify-signatures`: before a server's container starts, its image must be pinned by digest and carry
 * a cosign signature that verifies with the trusted public key. Signatures come from a local bundle file
 * (`--signature-bundle`) naming that digest, else from the registry the image comes from, where cosign
 * stores them: an OCI artifact tagged `sha256-<hex>.sig` in the image's own repository, one layer of
 * media type `application/vnd.dev.cosign.simplesigning.v1+json` per signature.
 *
 * The key: `--signature-key <file>` when given (for every image), else the catalog entry's
 * `signature.publicKey`. Keyless signatures (Fulcio certificates, Rekor entries) are not verified.
 */
import {readFile} from 'node:fs/promises'

import {DockerMcpError, UsageError} from '../../errors.js'
import {parseImageReference, repositoryName, signatureTag, type ImageReference} from './reference.js'
import {RegistryClient, RegistryError} from './registry.js'
import {
  parsePublicKey,
  SIGNATURE_ANNOTATION,
  SIMPLE_SIGNING_MEDIA_TYPE,
  verifyCandidates,
  type CandidateSignature,
  type PublicKey,
} from './verify.js'

export interface SignatureGateOptions {
  /** `--signature-key`: a PEM file; trusted for every image, over the catalog's keys. */
  keyFile?: string | undefined
  /** `--signature-bundle`: local signature files (see `readBundle`). */
  bundleFiles?: readonly string[] | undefined
  /** Where progress is said (stderr). */
  log: (line: string) => void
  fetch?: typeof fetch
}

/** What the gate needs of a server: its name and catalog entry (`image`, and `signature.publicKey`). */
export interface SignedServer {
  name: string
  entry: {image?: string | undefined}
}

/** A server refused by `--verify-signatures`: the message names the server, the image and why. */
export class SignatureRefusedError extends DockerMcpError {}

export interface SignatureGate {
  /** Resolves when `server` may start; rejects with a SignatureRefusedError. One verification per image and key. */
  check(server: SignedServer): Promise<void>
}

/** Read the flag key and bundles now (a bad file is a usage error at start-up), then verify on demand. */
export async function createSignatureGate(options: SignatureGateOptions): Promise<SignatureGate> {
  const flagKey = options.keyFile ? await readKeyFile(options.keyFile) : undefined
  const bundles = (await Promise.all((options.bundleFiles ?? []).map(readBundle))).flat()
  const verdicts = new Map<string, Promise<string | undefined>>()

  const verdict = (image: string, key: PublicKey): Promise<string | undefined> => {
    const id = `${image}\n${key.fingerprint}`
    let pending = verdicts.get(id)
    if (!pending) {
      pending = decide(image, key, bundles, options).then(
        (reason) => {
          if (reason === undefined)
            options.log(`  > Signature of ${image} verified with key ${key.fingerprint}`)
          return reason
        },
        (err: Error) => {
          // The registry could not be asked (network, 5xx): the next start asks again instead of refusing for good.
          verdicts.delete(id)
          return `cannot be verified: ${err.message}`
        },
      )
      verdicts.set(id, pending)
    }
    return pending
  }

  return {
    async check({name, entry}) {
      const server = {
        name,
        image: entry.image ?? '',
        signature: (entry as {signature?: {publicKey?: unknown}}).signature,
      }
      const refuse = (reason: string, suggestions: string[] = []) =>
        new SignatureRefusedError(
          `server "${server.name}" refused by --verify-signatures: image ${server.image} ${reason}`,
          {suggestions},
        )
      let ref: ImageReference
      try {
        ref = parseImageReference(server.image)
      } catch (err) {
        throw refuse(`cannot be verified: ${(err as Error).message}`)
      }
      if (!ref.digest) {
        const pinned = await new RegistryClient(ref, options.fetch)
          .digestOf(ref.tag ?? 'latest')
          .catch(() => undefined)
        const line = `image: ${server.image.replace(/:[^:/]+$/, '')}@${pinned ?? 'sha256:<digest>'}`
        throw refuse(`is not pinned to a digest: pin it in the catalog entry of "${server.name}": ${line}`, [
          pinned
            ? `The tag points at ${pinned} now; check that is the image you mean to trust.`
            : `"docker buildx imagetools inspect ${server.image}" shows its digest.`,
        ])
      }
      let key = flagKey
      if (!key) {
        const pem = server.signature?.publicKey
        if (typeof pem !== 'string' || !pem.trim()) {
          throw refuse('has no public key to verify it with', [
            `Add "signature: {publicKey: <PEM>}" to the catalog entry of "${server.name}", or run the gateway with --signature-key <file>.`,
          ])
        }
        try {
          key = parsePublicKey(pem, `catalog entry "${server.name}", field signature.publicKey`)
        } catch (err) {
          throw refuse(`cannot be verified: ${(err as Error).message}`)
        }
      }
      const reason = await verdict(server.image, key)
      if (reason !== undefined) throw refuse(reason)
    },
  }
}

/** The reason to refuse `image` (pinned), or undefined when a signature verifies. */
async function decide(
  image: string,
  key: PublicKey,
  bundles: readonly BundleSignature[],
  options: SignatureGateOptions,
): Promise<string | undefined> {
  const ref = parseImageReference(image) as ImageReference & {digest: string}
  const local = bundles.filter((b) => b.claimedDigest === ref.digest)
  if (local.length > 0) {
    const reason = verifyCandidates(local, key, ref)
    return reason === undefined ? undefined : `is not signed: ${reason}`
  }
  const candidates = await registrySignatures(ref, options.fetch)
  if (candidates === undefined) {
    return `has no signature: ${repositoryName(ref)}:${signatureTag(ref.digest)} is not in the registry (sign it with "cosign sign --key <key> ${image}")`
  }
  const reason = verifyCandidates(candidates, key, ref)
  return reason === undefined ? undefined : `is not signed: ${reason}`
}

/** The signatures cosign stored for `ref`'s digest; undefined when there is no signature artifact. */
async function registrySignatures(
  ref: ImageReference & {digest: string},
  fetchImpl?: typeof fetch,
): Promise<CandidateSignature[] | undefined> {
  const client = new RegistryClient(ref, fetchImpl)
  const tag = signatureTag(ref.digest)
  const manifest = await client.manifest(tag)
  if (!manifest) return undefined
  const layers = (manifest.layers ?? []).filter((l) => l.mediaType === SIMPLE_SIGNING_MEDIA_TYPE)
  const candidates: CandidateSignature[] = []
  for (const layer of layers) {
    const signature = layer.annotations?.[SIGNATURE_ANNOTATION]
    if (!layer.digest || typeof signature !== 'string') continue
    try {
      candidates.push({
        payload: await client.blob(layer.digest),
        base64Signature: signature,
        source: `${repositoryName(ref)}:${tag} layer ${layer.digest.slice(0, 19)}`,
      })
    } catch (err) {
      if (!(err instanceof RegistryError)) throw err
      candidates.push({payload: Buffer.alloc(0), base64Signature: '', source: err.message})
    }
  }
  return candidates
}

interface BundleSignature extends CandidateSignature {
  claimedDigest: string | undefined
}

/**
 * A local signature file: JSON `{"payload": "<base64 of the simple-signing payload>", "base64Signature":
 * "<base64>"}` (or a list of them), i.e. what `cosign sign --output-payload --output-signature` writes,
 * in one file. The digest the payload claims only selects the bundle; it is verified like any other.
 */
async function readBundle(file: string): Promise<BundleSignature[]> {
  let parsed: unknown
  try {
    parsed = JSON.parse(await readFile(file, 'utf8'))
  } catch (err) {
    throw new UsageError(`--signature-bundle ${file}: ${(err as Error).message}`)
  }
  const items = Array.isArray(parsed) ? parsed : [parsed]
  return items.map((item, i) => {
    const where = `--signature-bundle ${file}${Array.isArray(parsed) ? ` [${i}]` : ''}`
    const b = item as {payload?: unknown; base64Signature?: unknown}
    if (typeof b?.payload !== 'string' || typeof b.base64Signature !== 'string') {
      throw new UsageError(`${where}: expected {"payload": "<base64>", "base64Signature": "<base64>"}`)
    }
    const payload = Buffer.from(b.payload, 'base64')
    let claimedDigest: string | undefined
    try {
      const p = JSON.parse(payload.toString('utf8')) as {
        critical?: {image?: {'docker-manifest-digest'?: unknown}}
      }
      const d = p.critical?.image?.['docker-manifest-digest']
      claimedDigest = typeof d === 'string' ? d : undefined
    } catch {
      throw new UsageError(`${where}: "payload" is not base64 of a JSON simple-signing payload`)
    }
    return {payload, base64Signature: b.base64Signature, source: where, claimedDigest}
  })
}

async function readKeyFile(file: string): Promise<PublicKey> {
  let pem: string
  try {
    pem = await readFile(file, 'utf8')
  } catch (err) {
    throw new UsageError(
      `--signature-key ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`,
    )
  }
  try {
    return parsePublicKey(pem, `--signature-key ${file}`)
  } catch (err) {
    throw new UsageError((err as Error).message)
  }
}
