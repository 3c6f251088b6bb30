/**
 * Secrets: the OS keychain (with a 0600 file as fallback), `.env` files for the gateway, and the
 * injection of declared secrets into servers. Values only ever leave through `get` and
 * `resolveServerSecrets`; listings, errors and warnings carry names only.
 */
export {parseSecretsFlag, splitSecretsList, STORE_ELEMENT, type SecretSourceSpec} from './chain.js'
export {EnvFileSecretStore, MissingEnvFileError, parseEnvFile} from './env-file.js'
export {FileSecretStore, formatSecretsFile, parseSecretsFile, secretFilePaths} from './file-store.js'
export {
  DEFAULT_KEYCHAIN_SERVICE,
  KeychainError,
  KeychainSecretStore,
  type KeychainEnumeration,
  type KeychainStoreOptions,
} from './keychain-store.js'
export {withLockFile, type LockOptions} from './lock.js'
export {maskSecret} from './mask.js'
export {
  assertSecretName,
  isSecretName,
  parseSetArgument,
  SECRET_NAME_PATTERN,
  stripOneTrailingNewline,
} from './names.js'
export {
  openSecretStores,
  removeSecrets,
  resolveServerSecrets,
  SECRET_STORE_MODES,
  setSecret,
  storeModeFromEnv,
  type OpenedSecretSources,
  type OpenSecretStoresOptions,
} from './sources.js'
export type {SecretListing, SecretSources, SecretStore, SecretStoreKind, SecretStoreMode} from './types.js'
