/** Cosign signature verification of server images (`gateway run --verify-signatures`). */
export {createSignatureGate, SignatureRefusedError, type SignatureGate, type SignedServer} from './gate.js'
export {parseImageReference, signatureTag, type ImageReference} from './reference.js'
export {
  PAYLOAD_TYPE,
  SIGNATURE_ANNOTATION,
  SIMPLE_SIGNING_MEDIA_TYPE,
  parsePublicKey,
  verifyCandidates,
} from './verify.js'
