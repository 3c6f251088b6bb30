import {loadNativeAsset} from './runtime.js'

/**
 * `@napi-rs/keyring` in the single executable (scripts/build-binary.mjs aliases the package to this
 * module): the same native binding, loaded from the build's verified copy instead of node_modules.
 */
const binding = loadNativeAsset('keyring.node') as typeof import('@napi-rs/keyring')

export const {AsyncEntry, Entry, findCredentials, findCredentialsAsync} = binding
