/** Where a secret lives. */
export type SecretStoreKind = 'keychain' | 'file' | 'env-file'

/** Which store `secret set` writes to: chosen automatically, or forced by flag/env. */
export type SecretStoreMode = 'auto' | 'keychain' | 'file'

/**
 * One place secrets are kept. Values only ever travel through `get` and `set`: nothing else (listings,
 * errors, warnings) carries a value.
 */
export interface SecretStore {
  readonly kind: SecretStoreKind
  /** Human-readable place: a file path, or the keychain and its service name. */
  readonly location: string
  /** The value, or `undefined` when the store does not hold `name`. */
  get(name: string): Promise<string | undefined>
  /** Create or overwrite. */
  set(name: string, value: string): Promise<void>
  /** `true` when something was deleted, `false` when the store did not hold `name`. */
  delete(name: string): Promise<boolean>
  /** Names held by this store (ours only), sorted. */
  list(): Promise<string[]>
}

/** One row of a listing: a name and the store holding it (a name held twice is listed twice). */
export interface SecretListing {
  name: string
  /** The store's kind: `env-file`, `keychain` or `file`. */
  store: string
  /** The store's location (file path, or keychain and service). */
  location: string
}

/** Every store secrets are read from, in lookup order: explicit `.env` files first, then keychain/file. */
export interface SecretSources {
  stores: SecretStore[]
  /** Every name in every store, sorted by name; one name in several stores keeps lookup order. */
  list(): Promise<{name: string; store: string}[]>
  /** The value from the first store holding `name`. */
  get(name: string): Promise<string | undefined>
}
