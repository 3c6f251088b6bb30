import type {Tool} from '@modelcontextprotocol/server'

/** One enabled server, as the gateway sees it: everything resolved, nothing left to look up. */
export interface GatewayServer {
  name: string
  /** `longLived` in the catalog, a remote server, or `--long-lived`. */
  longLived: boolean
  /** The catalog's `prefix` for its tools. */
  prefix?: string | undefined
  /** Identifies what the server is (image, command, config), to know when a cached listing is stale. */
  cacheKey: string
  /** Tools its catalog entry declares, offered until the first live listing when there is no cached one. */
  catalogTools?: Tool[] | undefined
  /** List it again, with backoff, when it cannot be listed at start (a remote server that is down). */
  retryListing?: boolean | undefined
}
