/**
 * A small OCI distribution client for MCP artifacts (catalogs, profiles): references, docker's stored
 * credentials, and push/pull of artifacts in the original `docker mcp`'s media types.
 */
export {pullArtifact, pushArtifact, buildManifest, sha256} from './artifact.js'
export type {
  ArtifactInput,
  BlobInput,
  Descriptor,
  OciManifest,
  PulledArtifact,
  PulledBlob,
  PushResult,
  TransferOptions,
  TransferProgress,
} from './artifact.js'
export {findCredentials, type CredentialSource, type Credentials} from './credentials.js'
export * from './media-types.js'
export {formatReference, parseArtifactReference, repositoryName, type ArtifactReference} from './reference.js'
export {createTransferReporter} from './progress.js'
