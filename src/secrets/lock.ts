/**
 * The lock moved to src/fs/lock.ts, where every read-modify-write of a file under ~/.docker/mcp uses it
 * (registry, config, tools, catalogs); re-exported here for the secret stores and their callers.
 */
export {withLockFile, withFileLock, type LockOptions} from '../fs/lock.js'
