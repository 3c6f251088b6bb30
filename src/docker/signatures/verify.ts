/**
 * Keyed cosign verification of a container image signature, as `cosign verify --key` does it: a "simple
 * signing" payload names the image's manifest digest and repository, and an ECDSA P-256 / SHA-256
 * signature (ASN.1 DER, base64) over the payload's exact bytes must verify with the public key. The
 * cryptography is node:crypto's; this file only decides what has to hold.
 */
import {createHash, createPublicKey, verify as verifySignature, type KeyObject} from 'node:crypto'

import {parseImageReference, repositoryName, type ImageReference} from './reference.js'

/** Media type of the layers of cosign's signature artifact; each layer's blob is one payload. */
export const SIMPLE_SIGNING_MEDIA_TYPE = 'application/vnd.dev.cosign.simplesigning.v1+json'
/** Annotation on such a layer carrying the base64 signature of its payload. */
export const SIGNATURE_ANNOTATION = 'dev.cosignproject.cosign/signature'
/** `critical.type` of every payload cosign writes for an image. */
export const PAYLOAD_TYPE = 'cosign container image signature'

/** One candidate signature: a payload and its signature, and where they were found (for messages). */
export interface CandidateSignature {
  payload: Buffer
  base64Signature: string
  source: string
}

/** A verification public key, with a short fingerprint to log. */
export interface PublicKey {
  key: KeyObject
  /** `sha256:<first 16 hex>` of the key's SubjectPublicKeyInfo. */
  fingerprint: string
}

/**
 * Read a PEM public key as `cosign generate-key-pair` writes it (ECDSA P-256). `where` names where it came
 * from (a file, a catalog field) in the error.
 */
export function parsePublicKey(pem: string, where: string): PublicKey {
  let key: KeyObject
  try {
    key = createPublicKey({key: pem, format: 'pem'})
  } catch (err) {
    throw new Error(`${where}: not a PEM public key (${(err as Error).message})`)
  }
  if (key.asymmetricKeyType !== 'ec' || key.asymmetricKeyDetails?.namedCurve !== 'prime256v1') {
    const kind =
      key.asymmetricKeyType === 'ec' ? `EC ${key.asymmetricKeyDetails?.namedCurve}` : key.asymmetricKeyType
    throw new Error(`${where}: an ECDSA P-256 public key is needed (as cosign generates), got ${kind}`)
  }
  const der = key.export({type: 'spki', format: 'der'})
  return {key, fingerprint: `sha256:${createHash('sha256').update(der).digest('hex').slice(0, 16)}`}
}

type Outcome = {ok: true} | {ok: false; reason: string; signedByKey: boolean}

/** Check one candidate for `image` (pinned): signature first, then what the signed payload claims. */
export function checkCandidate(
  candidate: CandidateSignature,
  key: PublicKey,
  image: ImageReference & {digest: string},
): Outcome {
  const signature = Buffer.from(candidate.base64Signature, 'base64')
  let valid = false
  try {
    valid = signature.length > 0 && verifySignature('sha256', candidate.payload, key.key, signature)
  } catch {
    // A signature that is not DER at all: as invalid as a wrong one.
  }
  if (!valid) {
    return {
      ok: false,
      signedByKey: false,
      reason: `${candidate.source}: the signature does not verify with key ${key.fingerprint} (signed by another key, or altered)`,
    }
  }
  // From here on the payload is authentic: what it says is what the key holder signed.
  const refuse = (reason: string): Outcome => ({
    ok: false,
    signedByKey: true,
    reason: `${candidate.source}: ${reason}`,
  })
  let payload: {
    critical?: {
      type?: unknown
      image?: {'docker-manifest-digest'?: unknown}
      identity?: {'docker-reference'?: unknown}
    }
  }
  try {
    payload = JSON.parse(candidate.payload.toString('utf8')) as typeof payload
  } catch {
    return refuse('the signed payload is not JSON')
  }
  const critical = payload?.critical
  if (critical?.type !== PAYLOAD_TYPE) return refuse(`the signed payload's type is not "${PAYLOAD_TYPE}"`)
  const digest = critical.image?.['docker-manifest-digest']
  if (digest !== image.digest) {
    return refuse(
      `the signature is for digest ${String(digest)}, not ${image.digest} (a signature copied from another image)`,
    )
  }
  const reference = critical.identity?.['docker-reference']
  let signedRepository: string | undefined
  try {
    signedRepository =
      typeof reference === 'string' ? repositoryName(parseImageReference(reference)) : undefined
  } catch {
    signedRepository = undefined
  }
  if (signedRepository !== repositoryName(image)) {
    return refuse(`the signature is for repository ${String(reference)}, not ${repositoryName(image)}`)
  }
  return {ok: true}
}

/**
 * Does any candidate verify? Returns undefined when one does, else the reason to refuse: a signature that
 * verifies but claims another image says more than one made with another key, so it is named first.
 */
export function verifyCandidates(
  candidates: readonly CandidateSignature[],
  key: PublicKey,
  image: ImageReference & {digest: string},
): string | undefined {
  if (candidates.length === 0) return 'no signature found'
  const failures: Array<{reason: string; signedByKey: boolean}> = []
  for (const candidate of candidates) {
    const outcome = checkCandidate(candidate, key, image)
    if (outcome.ok) return undefined
    failures.push(outcome)
  }
  failures.sort((a, b) => Number(b.signedByKey) - Number(a.signedByKey))
  return failures.map((f) => f.reason).join('; ')
}
