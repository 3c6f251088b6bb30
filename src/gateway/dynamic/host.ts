import type {ResolvedServer, SecretPresence} from '../../catalog/index.js'
import type {GatewayConfiguration} from '../configuration.js'
import type {GatewayServer} from '../gateway.js'
import type {ServerListing} from '../listing.js'
import type {Upstream} from '../upstream.js'
import type {Lifecycle} from '../pool.js'
import type {SessionCalls} from '../session/calls.js'
import type {ToolTarget} from '../session/tool-view.js'

/**
 * What the dynamic tools need from the running gateway, narrowed to what they use (run.ts supplies it):
 * the catalogs, the resolution `gateway run` itself uses, the live maps its starters read, the pool.
 */
export interface DynamicHost {
  /** Every server of every configured catalog (`--catalog`, `--additional-catalog`, or the defaults). */
  catalog(): Promise<ReadonlyMap<string, ResolvedServer>>
  /** Which secrets are set (opened when first asked). */
  secrets: SecretPresence
  /** config.yaml as the gateway read it (`--config`, `--additional-config`): server → settings. */
  fileConfig(): Promise<Record<string, Record<string, unknown> | undefined>>
  /** Servers every session has (registry.yaml, `--servers`): they cannot be added, only used. */
  enabled(): ReadonlySet<string>
  /**
   * Resolve one catalog server exactly as `gateway run --servers <name>` would (secrets, config,
   * allowlists, image checks), with `config` overriding config.yaml's settings of that server.
   */
  resolve(name: string, config: Record<string, unknown> | undefined): Promise<GatewayConfiguration>
  /**
   * Make a resolved server startable: its definition goes into the live maps the container and remote
   * starters read (as a hot reload puts new servers there), the engine is linked, its image pulled.
   * Returns why it cannot run, if it cannot.
   */
  install(resolved: GatewayConfiguration): Promise<string | undefined>
  /** Take a server out of the live maps (no session uses it any more). */
  uninstall(name: string): void
  /** The gateway, narrowed. */
  gateway: DynamicGateway
  /** `persist: true`: enable in registry.yaml (the locked, atomic write of `server enable`). */
  persistServer(name: string): Promise<void>
  /** `persist: true`: write one setting to config.yaml (the writer of `config set`). */
  persistConfig(server: string, key: string, value: unknown): Promise<void>
  /** Tool allowlists (tools.yaml, `--tools`). */
  toolFilter(server: string, tool: string): boolean
  prefixAll: boolean
}

/** What the dynamic tools need of the gateway: the session calls, listings and the pool. */
export interface DynamicGateway extends SessionCalls {
  listingOf(server: string): ServerListing | undefined
  pool: {
    use<T>(
      server: string,
      session: string,
      lifecycle: Lifecycle,
      signal: AbortSignal | undefined,
      fn: (upstream: Upstream) => Promise<T>,
    ): Promise<T>
    closeServer(server: string, session?: string): Promise<void>
  }
}

/** A server one session (or one 2026-07-28 caller) added. */
export interface AddedServer {
  server: GatewayServer
  /** Everything it lists (mcp-exec reaches tools the allowlists leave out of the list). */
  listing: ServerListing
  /** Exposed name → target, for the tools the allowlists let through. */
  tools: Map<string, ToolTarget>
}
