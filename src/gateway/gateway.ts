import {randomUUID} from 'node:crypto'

import {
  inputRequired,
  ProtocolError,
  ProtocolErrorCode,
  ResourceNotFoundError,
  Server,
} from '@modelcontextprotocol/server'
import type {
  CallToolResult,
  GetPromptResult,
  JSONRPCMessage,
  MessageExtraInfo,
  Prompt,
  Resource,
  ServerContext,
} from '@modelcontextprotocol/server'

import {CapabilityScopes} from './client-capabilities.js'
import type {Logger} from './logger.js'
import {exposedLists, exposeListings, type Exposure} from './exposure.js'
import type {GatewayServer} from './gateway-server.js'
import {loadJsonSchemaValidator} from './sdk-shims.js'
import {ShuttingDownError, UpstreamPool, type ContainerSlot, type Lifecycle} from './pool.js'
import {RelatedNotifications} from './related.js'
import {CONSTRUCTED_CAPABILITIES, describeOnHandshake, ENVELOPE_META_KEYS} from './handshake.js'
import {InFlight} from './in-flight.js'
import {EMPTY_LISTING, ListingCache, listUpstream, type ServerListing} from './listing.js'
import {ListingRetry, RELIST_INTERVAL_MS, Relister} from './relist.js'
import {DEFAULT_INPUT_TIMEOUT_MS, RoundTripCall, UPSTREAM_INPUT_KEY, type InputAsk} from './round-trip.js'
import {stoppedMessage, toolNotFound, toProtocolError, UNAVAILABLE_META_KEY} from './call-errors.js'
import {messageSource, sourceTextOf, type LineBytes, type SourceText} from './stdio-transport.js'
import {
  CANCEL_GRACE_MS,
  cancelRawCall,
  ClientCancelledError,
  PASSTHROUGH,
  rawReply,
  rawForward,
  type RawCall,
  type RawRequest,
} from './raw-call.js'
import {holdOnPool, ResourceSubscriptions} from './subscriptions.js'
import type {StartUpstream, Upstream, UpstreamBinding} from './upstream.js'
import {callError, CallRefusedError, forwardedParams, toolCall, type CallAnswer} from './pipeline/call.js'
import {PendingCalls} from './pending-calls.js'
import {CallPipeline, type CallStage} from './pipeline/pipeline.js'
import {observeStage, type ObserveOptions} from './pipeline/observe.js'
import {LOCAL_CALLER, type Caller} from './session/caller.js'
import {ToolView, type SessionRef, type ToolTarget, type ToolViewLayer} from './session/tool-view.js'
import {sendListChanged} from './session/notify.js'

export type {GatewayServer} from './gateway-server.js'

export interface GatewayOptions {
  servers: GatewayServer[]
  /** Which of a server's tools are exposed (tools.yaml allowlists or `--tools`). */
  toolFilter: (server: string, tool: string) => boolean
  /** `--tool-name-prefix`: expose every tool as `<server>__<tool>`. */
  prefixAll: boolean
  version: string
  callTimeoutMs: number
  /** `--input-timeout`: how long a call of a 2026-07-28 client waits for the input its server asked for. */
  inputTimeoutMs?: number | undefined
  maxPerServer: number
  /** `--max-containers`: containers of all servers at once. */
  maxContainers?: number | undefined
  /** `--spare-containers`: per-call servers' containers started ahead of their calls (pool.ts, spares.ts). */
  maxSpares?: number | undefined
  idleMs: number
  logCalls: boolean
  /** Where listings are cached between runs; undefined = no cache. */
  cacheDir?: string | undefined
  /** Start a connected upstream for a server (a container, or a remote URL), for `client`. */
  startUpstream: StartUpstream
  logger: Logger
  /**
   * Work that must finish before any server starts (engine checks, image pulls). The gateway answers
   * `initialize` without waiting for it; a failure marks every server as failed with its message.
   */
  prepare?: Promise<unknown> | undefined
  /** Why container servers cannot run right now (the engine is unreachable), once known; else undefined. */
  unavailable?: (() => Promise<string | undefined>) | undefined
  /** Replicas and circuit breakers (`--server-replicas`, `--circuit-*`: src/gateway/balance/), for the pool. */
  balance?: Partial<ConstructorParameters<typeof UpstreamPool>[1]> | undefined
  /** Told about every tool call (metrics). */
  observeCall?: ObserveOptions['observeCall']
  /** The guards every tool call passes, in order, inside the call log and metrics (pipeline/README.md). */
  callStages?: readonly CallStage[] | undefined
  /**
   * Per-session changes to the tool list (src/gateway/session/tool-view.ts): the internal tools, servers a
   * session added, the access policy. In order; none means every session sees the same tools.
   */
  toolViews?: readonly ToolViewLayer[] | undefined
  /** A server one session added (src/gateway/dynamic/): not served to all, but started and called alike. */
  sessionServer?: ((name: string) => GatewayServer | undefined) | undefined
  /** Prompts of the gateway's own (mcp-discover), listed after the servers' and answered here. */
  ownPrompts?: {list(): Prompt[]; get(name: string): GetPromptResult | undefined} | undefined
}

export interface SessionState extends SessionRef {
  server: Server
  binding: UpstreamBinding
  /** Tool calls forwarded on the raw path, by the client's request id (for cancellation). */
  rawCalls: PendingCalls<string | number, RawCall>
}

/** Where the raw path answers a client: a message, or a message that is already JSON text. */
export type RawReplySink = (message: JSONRPCMessage | string, bytes?: LineBytes) => void

const LISTING_SESSION = '\u0000listing'
type Json = Record<string, unknown>

/**
 * The gateway core: one aggregated view of every enabled server's tools, prompts and resources, and one
 * MCP `Server` per client session that routes calls to the owning server's container. Transports (stdio,
 * Streamable HTTP, SSE) only create sessions; nothing here knows which one is in use.
 */
export class Gateway {
  private readonly listings = new Map<string, ServerListing>()
  private readonly failures = new Map<string, string>()
  private tools = new Map<string, ToolTarget>()
  private prompts: Exposure['prompts'] = new Map()
  private resources = new Map<string, string>()
  private templates: Exposure['templates'] = []
  private readonly sessions = new Map<string, SessionState>()
  private readonly byName: Map<string, GatewayServer>
  readonly pool: UpstreamPool
  /** Resolves once every server has a listing (cached or live) or has failed. */
  readonly ready: Promise<void>
  private resolveReady!: () => void
  private isReady = false
  /** Resolves once every server has been listed live (background refresh included). */
  refreshed: Promise<void> = Promise.resolve()
  private clashReports: string[] = []
  private stopped = false
  private readonly inFlight = new InFlight()
  private readonly listChangedListeners: Array<(kind: 'tools' | 'prompts' | 'resources') => void> = []
  private readonly relister: Relister<Upstream>
  private readonly listingCache: ListingCache
  private readonly listingRetry = new ListingRetry<GatewayServer>({
    firstMs: 1000,
    maxMs: 60_000,
    onFailure: (s, err) => this.options.logger.debug(`  - ${s.name} is still unavailable: ${err.message}`),
  })
  /** Resource subscriptions of every session, held on the owning servers' connections. */
  readonly subscriptions: ResourceSubscriptions
  private readonly scopes = new CapabilityScopes()
  /** What every tool call passes through, on the raw path and the SDK path alike. */
  private readonly pipeline: CallPipeline
  /** What each session sees besides (or instead of) the gateway's own tools. */
  private readonly view: ToolView
  /** Calls of 2026-07-28 clients waiting for the client's input, by the requestState handed out. */
  private readonly waitingForInput = new Map<
    string,
    {call: RoundTripCall; ask: InputAsk; timer: NodeJS.Timeout}
  >()

  constructor(private readonly options: GatewayOptions) {
    this.byName = new Map(options.servers.map((s) => [s.name, s]))
    this.pool = new UpstreamPool((server, scope, replica) => this.startUpstream(server, scope, replica), {
      ...options.balance,
      maxPerServer: options.maxPerServer,
      maxContainers: options.maxContainers ?? DEFAULT_MAX_CONTAINERS,
      idleMs: options.idleMs,
      maxSpares: options.maxSpares,
      spareScope: (scope) => this.scopes.spareScope(scope),
      onSpareReady: (server) => options.logger.debug(`  - ${server}: a spare container is ready`),
    })
    this.relister = new Relister((upstream) => this.relist(upstream), {minIntervalMs: RELIST_INTERVAL_MS})
    this.listingCache = new ListingCache(options.cacheDir, options.logger)
    this.pipeline = new CallPipeline([observeStage(options), ...(options.callStages ?? [])])
    this.view = new ToolView(options.toolViews ?? [])
    this.subscriptions = new ResourceSubscriptions({
      hold: holdOnPool(this.pool),
      closeWhenUnused: (server) => this.lifecycle(server) === 'per-call',
      route: (uri) => this.ready.then(() => this.resourceOwner(uri)),
      offers: (server) => !!this.listings.get(server)?.subscribe,
      shows: (session, server) => this.view.showsServer(session, server),
      logger: options.logger,
    })
    this.ready = new Promise((resolve) => {
      this.resolveReady = () => {
        this.isReady = true
        resolve()
      }
    })
  }

  /** Servers that could not be listed, with the reason. */
  get failedServers(): ReadonlyMap<string, string> {
    return this.failures
  }

  get toolNames(): string[] {
    return [...this.tools.keys()]
  }

  /** The exposed tool names, and the clashes that renamed some, for the dry run's summary. */
  get exposed(): {tools: string[]; clashes: readonly string[]} {
    return {tools: [...this.tools.keys()], clashes: this.clashReports}
  }

  listingOf(server: string): ServerListing | undefined {
    return this.listings.get(server)
  }

  /**
   * Load cached listings (instant), then list every server live, in parallel, in the background.
   * `ready` resolves as soon as each server has either a cached or a live listing.
   */
  start(): void {
    const pending = new Set(this.options.servers.map((s) => s.name))
    const settle = (name: string) => {
      pending.delete(name)
      if (pending.size === 0) this.resolveReady()
    }
    if (pending.size === 0) this.resolveReady()
    const work = this.options.servers.map(async (server) => {
      // Offered at once, before any container starts: the cached listing, else the catalog's tools.
      const cached = await this.listingCache.read(server)
      const provisional =
        cached ??
        (server.catalogTools
          ? {tools: server.catalogTools, prompts: [], resources: [], resourceTemplates: []}
          : undefined)
      if (provisional) {
        this.listings.set(server.name, provisional)
        this.rebuild()
        settle(server.name)
      }
      const withdraw = (reason: string) => {
        this.failures.set(server.name, reason)
        // Tools of a server that cannot run are not offered (a cached or declared list would only fail).
        if (provisional && this.listings.delete(server.name)) {
          this.rebuild()
          this.notifyChanges(provisional, undefined)
        }
      }
      try {
        await this.options.prepare
      } catch (err) {
        withdraw((err as Error).message)
        settle(server.name)
        return
      }
      const started = Date.now()
      try {
        const listing = await this.listServer(server)
        this.listings.set(server.name, listing)
        this.failures.delete(server.name)
        this.options.logger.info(
          `  > ${server.name}: (${listing.tools.length} tools, ${listing.prompts.length} prompts, ${listing.resources.length + listing.resourceTemplates.length} resources) in ${Date.now() - started}ms`,
        )
        await this.listingCache.write(server, listing)
        if (!provisional || JSON.stringify(provisional) !== JSON.stringify(listing)) {
          this.rebuild()
          if (provisional) this.notifyChanges(provisional, listing)
        }
      } catch (err) {
        // Abandoned, not failed: the gateway stopped while the listing's container was starting.
        if (err instanceof ShuttingDownError) return
        withdraw((err as Error).message)
        const retry = server.retryListing ? ' (trying again in the background)' : ''
        this.options.logger.warn(`  > Can't start ${server.name}: ${(err as Error).message}${retry}`)
        if (server.retryListing) this.listingRetry.start(server, () => this.listLate(server))
      } finally {
        settle(server.name)
      }
    })
    this.refreshed = Promise.all(work).then(() => undefined)
  }

  /** A server that failed its first listing answers now: offer its lists and tell clients (list_changed). */
  private async listLate(server: GatewayServer): Promise<void> {
    const listing = await this.listServer(server)
    if (this.stopped) return
    this.listings.set(server.name, listing)
    this.failures.delete(server.name)
    this.options.logger.info(`  > ${server.name}: available now (${listing.tools.length} tools)`)
    this.rebuild()
    this.notifyChanges(EMPTY_LISTING, listing)
    await this.listingCache.write(server, listing)
  }

  /** List one server through a short-lived connection. */
  private async listServer(server: GatewayServer): Promise<ServerListing> {
    return this.pool.use(server.name, LISTING_SESSION, 'per-call', undefined, (upstream) =>
      listUpstream(upstream),
    )
  }

  /** Recompute exposed names from the listings (deterministic, whatever order servers answered in). */
  private rebuild(): void {
    const o = this.options
    const exposure = exposeListings(o.servers, this.listings, o.toolFilter, o.prefixAll, this.view.reserved())
    for (const report of exposure.clashes)
      if (!this.clashReports.includes(report)) this.options.logger.warn(`  - ${report}`)
    this.clashReports = exposure.clashes
    ;({
      tools: this.tools,
      prompts: this.prompts,
      resources: this.resources,
      templates: this.templates,
    } = exposure)
  }

  /** Be told when the exposed lists change (transports whose clients are not sessions, e.g. 2026-07-28 HTTP). */
  onListChanged(listener: (kind: 'tools' | 'prompts' | 'resources') => void): void {
    this.listChangedListeners.push(listener)
  }

  /** Tell every session, and the listeners, that a list changed (a reload; a new access policy). */
  notifyAll(kind: 'tools' | 'prompts' | 'resources'): void {
    for (const listener of this.listChangedListeners) listener(kind)
    for (const session of this.sessions.values()) sendListChanged(session.server, kind)
  }

  /** Tell clients which of the lists a listing replacement changed. */
  private notifyChanges(before: ServerListing, after: ServerListing | undefined): void {
    const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b)
    if (!same(before.tools, after?.tools ?? [])) this.notifyAll('tools')
    if (!same(before.prompts, after?.prompts ?? [])) this.notifyAll('prompts')
    if (
      !same(before.resources, after?.resources ?? []) ||
      !same(before.resourceTemplates, after?.resourceTemplates ?? [])
    )
      this.notifyAll('resources')
  }

  /**
   * An upstream said its lists changed: re-list through that very connection (its state changed, not the
   * image's), coalesced and rate-limited per connection (see `Relister`).
   */
  onUpstreamListChanged(upstream: Upstream): void {
    if (!this.stopped && upstream.isOpen) this.relister.request(upstream)
  }

  private async relist(upstream: Upstream): Promise<void> {
    if (this.stopped || !upstream.isOpen || !this.byName.has(upstream.server)) return
    try {
      const before = this.listings.get(upstream.server)
      const listing = await listUpstream(upstream)
      if (this.stopped) return
      this.listings.set(upstream.server, listing)
      // Clients are told only what changed: a server repeating list_changed costs them nothing.
      if (before && JSON.stringify(before) === JSON.stringify(listing)) return
      this.rebuild()
      if (before) this.notifyChanges(before, listing)
      else for (const kind of ['tools', 'prompts', 'resources'] as const) this.notifyAll(kind)
    } catch (err) {
      this.options.logger.debug(`re-listing ${upstream.server} failed: ${(err as Error).message}`)
    }
  }

  /** List again the servers that could not be listed (the engine is back); clients are told what changed. */
  async relistFailed(): Promise<void> {
    const failed = [...this.failures.keys()].flatMap((name) => this.byName.get(name) ?? [])
    await Promise.all(
      failed.map(async (server) => {
        try {
          const listing = await this.listServer(server)
          if (this.stopped) return
          const before = this.listings.get(server.name) ?? EMPTY_LISTING
          this.listings.set(server.name, listing)
          this.failures.delete(server.name)
          this.options.logger.info(`  > ${server.name}: (${listing.tools.length} tools) listed again`)
          this.rebuild()
          this.notifyChanges(before, listing)
        } catch (err) {
          this.failures.set(server.name, (err as Error).message)
        }
      }),
    )
  }

  /**
   * The configuration was reloaded (src/gateway/reload/): serve `servers` with `toolFilter` from now on.
   * Servers gone, and those in `restart` (their definition, config or secrets changed), lose their
   * listings and containers; new and restarted ones are listed live. Every session is told which lists
   * changed, once, when all are listed. Calls keep going through the pipeline as before.
   */
  async reconfigure(
    next: {servers: GatewayServer[]; toolFilter: GatewayOptions['toolFilter']},
    restart: ReadonlySet<string>,
  ): Promise<void> {
    const lists = () =>
      exposedLists({
        ...this,
        tools: this.tools,
        prompts: this.prompts,
        resources: this.resources,
        templates: this.templates,
      })
    const before = lists()
    const old = new Set(this.byName.keys())
    this.options.servers.splice(0, Infinity, ...next.servers)
    this.options.toolFilter = next.toolFilter
    this.byName.clear()
    for (const s of next.servers) this.byName.set(s.name, s)
    const stale = [...old].filter((name) => !this.byName.has(name) || restart.has(name))
    for (const name of stale) {
      this.listings.delete(name)
      this.failures.delete(name)
    }
    await Promise.all(stale.map((name) => this.pool.closeServer(name)))
    const fresh = next.servers.filter((s) => !old.has(s.name) || restart.has(s.name))
    await Promise.all(
      fresh.map(async (server) => {
        try {
          const listing = await this.listServer(server)
          if (this.byName.get(server.name) !== server) return // reloaded again meanwhile
          this.listings.set(server.name, listing)
          this.options.logger.info(`  > ${server.name}: (${listing.tools.length} tools)`)
          await this.listingCache.write(server, listing)
        } catch (err) {
          this.failures.set(server.name, (err as Error).message)
          this.options.logger.warn(`  > Can't start ${server.name}: ${(err as Error).message}`)
        }
      }),
    )
    if (this.stopped) return
    this.rebuild()
    const after = lists()
    for (const kind of ['tools', 'prompts', 'resources'] as const)
      if (before[kind] !== after[kind]) this.notifyAll(kind)
  }

  /**
   * Create the MCP server for one client session. The transport connects it. An `ephemeral` server answers
   * one stateless request (2026-07-28 over HTTP): closing it does not end the session's containers.
   */
  createSession(
    sessionId: string = randomUUID(),
    options: {ephemeral?: boolean; caller?: Caller | undefined} = {},
  ): Server {
    const server = new Server(this.serverInfo, {capabilities: CONSTRUCTED_CAPABILITIES})
    const binding: UpstreamBinding = {
      elicit: async (params, signal) => {
        await loadJsonSchemaValidator() // the server checks the client's answer with it (sdk-shims.ts)
        return (await server.elicitInput(params as never, {signal, timeout: 600_000})) as unknown as Json
      },
      sample: async (params, signal) =>
        (await server.createMessage(params as never, {signal, timeout: 600_000})) as unknown as Json,
      log: (params) => void server.sendLoggingMessage(params as never).catch(() => {}),
    }
    const session: SessionState = {
      id: sessionId,
      caller: options.caller ?? LOCAL_CALLER,
      ephemeral: options.ephemeral ?? false,
      server,
      binding,
      rawCalls: new PendingCalls(),
    }
    if (!options.ephemeral) this.sessions.set(sessionId, session)
    server.oninitialized = () => this.scopes.initialized(sessionId, server.getClientCapabilities())
    const endSubscriptions = this.subscriptions.serve(server, session)
    server.onclose = () => {
      if (options.ephemeral) return
      endSubscriptions()
      this.scopes.forget(sessionId)
      this.view.forget(sessionId)
      if (this.sessions.get(sessionId) === session) this.sessions.delete(sessionId)
      void this.pool.closeSession(sessionId)
    }

    server.setRequestHandler('tools/list', async () => {
      await this.ready
      const tools = this.view.list(session, this.tools)
      // Said alongside the list, for clients that check (docker mcp tools ls, client doctor).
      const why = await this.options.unavailable?.()
      return why ? {tools, _meta: {[UNAVAILABLE_META_KEY]: why}} : {tools}
    })
    server.setRequestHandler('tools/call', async (request, ctx) => {
      await Promise.all([this.ready, this.subscriptions.listened(sessionId)])
      const {name} = request.params
      // A server whose listing failed (its container died, the engine was away) is listed again first; a
      // tool the catalog does not declare appears with its server's first live listing: wait for that.
      if (!this.tools.has(name) && this.failures.size > 0) await this.relistFailed()
      const find = () => this.view.find(session, name, this.tools, true) // guarded: refused in the pipeline
      const target = find() ?? (await this.refreshed.then(find))
      if (!target) {
        const layer = this.view.refuses(session, name, this.tools)
        if (layer)
          throw new ProtocolError(ProtocolErrorCode.InvalidParams, `tool "${name}" is not allowed (${layer})`)
        throw toolNotFound(name, this.failures, await this.options.unavailable?.())
      }
      return (await this.callTool(session, binding, target, request.params, ctx)) as never
    })
    // A server's prompts and resources are the session's only when no view layer hides the server (policy).
    const shows = (owner?: string): owner is string =>
      owner !== undefined && this.view.showsServer(session, owner)
    server.setRequestHandler('prompts/list', async () => {
      await this.ready
      const own = this.options.ownPrompts?.list() ?? []
      const visible = [...this.prompts.values()].filter((p) => shows(p.origin.server))
      return {prompts: [...visible.map((p) => p.prompt), ...own]}
    })
    server.setRequestHandler('prompts/get', async (request, ctx) => {
      await this.ready
      const found = this.prompts.get(request.params.name)
      const target = shows(found?.origin.server) ? found : undefined
      const own = target ? undefined : this.options.ownPrompts?.get(request.params.name)
      if (own) return own
      if (!target)
        throw new ProtocolError(ProtocolErrorCode.InvalidParams, `Prompt ${request.params.name} not found`)
      return (await this.forwardInRounds(session, binding, target.origin.server, ctx, {
        method: 'prompts/get',
        params: {...request.params, name: target.origin.name},
      })) as never
    })
    server.setRequestHandler('resources/list', async () => {
      await this.ready
      const resources: Resource[] = []
      for (const server of this.options.servers) {
        for (const r of this.listings.get(server.name)?.resources ?? []) {
          if (this.resources.get(r.uri) === server.name && shows(server.name)) resources.push(r)
        }
      }
      return {resources}
    })
    server.setRequestHandler('resources/templates/list', async () => {
      await this.ready
      return {resourceTemplates: this.templates.filter((t) => shows(t.server)).map((t) => t.template)}
    })
    server.setRequestHandler('resources/read', async (request, ctx) => {
      await this.ready
      const owner = this.resourceOwner(request.params.uri)
      if (!shows(owner)) throw new ResourceNotFoundError(request.params.uri)
      return (await this.forwardInRounds(session, binding, owner, ctx, {
        method: 'resources/read',
        params: request.params,
      })) as never
    })
    server.setRequestHandler('completion/complete', async (request, ctx) => {
      await this.ready
      const ref = request.params.ref as {type: string; name?: string; uri?: string}
      let owner: string | undefined
      let params: Record<string, unknown> = request.params
      if (ref.type === 'ref/prompt' && ref.name) {
        const target = this.prompts.get(ref.name)
        owner = target?.origin.server
        if (target) params = {...request.params, ref: {...ref, name: target.origin.name}}
      } else if (ref.uri) {
        owner =
          this.templates.find((t) => t.template.uriTemplate === ref.uri)?.server ??
          this.resourceOwner(ref.uri)
      }
      if (!owner || !shows(owner)) return {completion: {values: []}}
      return (await this.forward(
        session,
        binding,
        owner,
        ctx,
        {method: 'completion/complete', params},
        this.lifecycle(owner),
      )) as never
    })
    // Last: it may withdraw a capability a handler above needed registered (completions).
    const {listings, failures} = this
    describeOnHandshake(server, {servers: this.options.servers, listings, failures}, this.ready)
    return server
  }

  private resourceOwner(uri: string): string | undefined {
    return (
      this.resources.get(uri) ??
      this.templates.find((t) => t.prefix !== '' && uri.startsWith(t.prefix))?.server
    )
  }

  private lifecycle(server: string): 'long-lived' | 'per-call' {
    const known = this.byName.get(server) ?? this.options.sessionServer?.(server)
    return known?.longLived ? 'long-lived' : 'per-call'
  }

  /** Start an upstream for a pool session, declaring the capabilities of the client(s) it serves. */
  private async startUpstream(server: string, scope: string, replica?: number): Promise<Upstream> {
    const client = {capabilities: this.scopes.capabilities(scope), legacy: this.scopes.legacy(scope)}
    const upstream = await this.options.startUpstream(server, scope, client, replica)
    upstream.reportErrors((line) => this.options.logger.warn(line, {server}))
    return upstream
  }

  /**
   * A tool call made inside the gateway on behalf of a session (mcp-exec, a code-mode script): the same
   * view, pipeline and forwarding as the session's own calls; `ctx` is the request that made it.
   */
  async callFor(
    session: SessionRef,
    target: ToolTarget,
    params: {name: string; arguments?: Record<string, unknown> | undefined},
    ctx: ServerContext,
  ): Promise<CallToolResult> {
    // A stateless request's session is not kept in `sessions`: the one making the call is passed in.
    const state = 'binding' in session ? (session as SessionState) : this.sessions.get(session.id)
    if (!state) throw new ProtocolError(ProtocolErrorCode.InvalidRequest, `session ${session.id} has ended`)
    return this.callTool(state, state.binding, target, params, ctx)
  }

  /** Resolve a name as `session` sees it (for callFor): undefined when it has no such tool. */
  findTool(session: SessionRef, name: string): ToolTarget | undefined {
    return this.view.find(session, name, this.tools)
  }

  /** Tell one session its tool list changed (a server it added, a policy reload). */
  notifySession(sessionId: string, kind: 'tools' | 'prompts' | 'resources'): void {
    // 2026-07-28 requests share the session id `stateless`: their clients hear it on the subscription stream.
    if (sessionId === 'stateless') for (const listener of this.listChangedListeners) listener(kind)
    const server = this.sessions.get(sessionId)?.server
    if (server) sendListChanged(server, kind)
  }

  /** A tool call on the SDK path: through the pipeline, then `forwardInRounds` to the server. */
  private async callTool(
    session: SessionState,
    binding: UpstreamBinding,
    {origin, answer: internal}: ToolTarget,
    params: {
      name: string
      arguments?: Record<string, unknown> | undefined
      _meta?: Record<string, unknown> | undefined
    },
    ctx: ServerContext,
  ): Promise<CallToolResult> {
    const mcpReq = ctx.mcpReq as {requestState?: () => unknown}
    const call = toolCall({
      session: session.id,
      caller: session.caller,
      name: params.name,
      server: origin.server,
      tool: origin.name,
      arguments: params.arguments,
      via: 'sdk',
      resumed: typeof mcpReq.requestState?.() === 'string',
      clientMeta: params._meta,
      clientHeaders: ctx.http?.req?.headers,
    })
    let answer: CallAnswer
    try {
      answer = await this.pipeline.run(call, async (c) => {
        if (internal) return {kind: 'result', result: await internal(c, {session, ctx})}
        const value = await this.forwardInRounds(session, binding, c.server, ctx, {
          method: 'tools/call',
          params: forwardedParams(params, c),
        })
        return (value as {resultType?: unknown}).resultType === 'input_required'
          ? {kind: 'input', value}
          : {kind: 'result', result: value as CallToolResult}
      })
    } catch (err) {
      if (err instanceof CallRefusedError) throw new ProtocolError(err.code, err.message, err.data)
      throw err
    }
    switch (answer.kind) {
      case 'result':
        return answer.result
      case 'input':
        return answer.value as CallToolResult
      case 'error':
        throw new ProtocolError(answer.error.code, answer.error.message, answer.error.data)
      case 'text':
        return (JSON.parse(answer.text) as {result: CallToolResult}).result
    }
  }

  /**
   * The raw path for one connection (stdio): `take` gives each incoming message to `forwardRaw` once the
   * client has sent `initialize`, i.e. speaks a 2025 revision, whose tool calls are plain request/response.
   */
  rawForwarder(
    sessionId: string,
    reply: RawReplySink,
  ): (message: JSONRPCMessage, extra?: MessageExtraInfo) => boolean {
    let legacyClient = false
    return (message, extra) => {
      if (!legacyClient) {
        legacyClient = (message as RawRequest).method === 'initialize'
        this.subscriptions.observe(sessionId, message)
        return false
      }
      return this.forwardRaw(sessionId, message, messageSource(extra), reply)
    }
  }

  /**
   * The hot path: forward a client's message without the SDK on either side, when nothing about it
   * needs the SDK. That is a `tools/call` without a progress token, to a tool of a long-lived container
   * that is already connected or of a per-call server with a spare ready (see UpstreamPool.holdRaw); and
   * the cancellation of such a call. Everything else
   * returns false and takes the regular path (same results and errors). `callBinding`: see CallRouter.begin.
   */
  forwardRaw(
    sessionId: string | SessionState,
    message: JSONRPCMessage,
    source: SourceText | undefined,
    reply: RawReplySink,
    callBinding?: (session: UpstreamBinding) => UpstreamBinding,
  ): boolean {
    const m = message as RawRequest
    const session = typeof sessionId === 'string' ? this.sessions.get(sessionId) : sessionId
    if (!session || this.stopped) return false
    if (m.method === 'notifications/cancelled') return cancelRawCall(session.rawCalls, m.params)
    if (m.method !== 'tools/call' || m.id === undefined || !this.isReady) return false
    const params = m.params
    if (typeof params?.name !== 'string' || params._meta?.progressToken !== undefined) return false
    const target = this.view.find(session, params.name, this.tools)
    if (!target || target.answer) return false
    const server = target.origin.server
    const lifecycle = this.lifecycle(server)
    const perCall = lifecycle === 'per-call'
    const held = this.pool.holdRaw(server, session.id, lifecycle, session.ephemeral)
    if (!held) return false
    const {upstream} = held
    if (!upstream.rawForwarding) {
      held.release()
      return false
    }
    // The server's requests during this call go to this session, and only while the call is in flight.
    const endRoute = upstream.calls.begin(session.binding, callBinding?.(session.binding))
    const clientId = m.id
    this.inFlight.begin()
    const call = toolCall({
      session: session.id,
      caller: session.caller,
      name: params.name,
      server,
      tool: target.origin.name,
      arguments: params.arguments,
      via: 'raw',
      sourceText: sourceTextOf(source),
      clientMeta: params._meta,
    })
    // Until the call is sent (stages run first), a cancellation only marks it: it is then never sent.
    let cancelled = false
    const state: RawCall = {upstream, upstreamId: '', cancel: () => (cancelled = true)}
    session.rawCalls.set(clientId, state)
    // The pipeline's last step on this path: the call goes to the container around the SDK client. Until
    // it runs, the container has seen nothing of the call (a refused call gives a spare back).
    let reached = false
    const send = rawForward({
      upstream,
      state,
      params,
      source,
      clientId,
      timeoutMs: this.options.callTimeoutMs,
      cancelled: () => cancelled,
    })
    const forward: typeof send = (c) => {
      reached = true
      return send(c)
    }
    const done = (end: {error?: unknown}) => {
      session.rawCalls.take(clientId)
      endRoute()
      this.inFlight.end()
      // As on the SDK path (forwardNow): a cancelled per-call container answers a ping sent after the
      // cancellation before it is removed (force-removed, it might never have read it).
      if (!reached) held.release({...end, unused: true})
      else if (perCall && end.error instanceof ClientCancelledError)
        void upstream.client
          .ping({timeout: CANCEL_GRACE_MS})
          .catch(() => {})
          .finally(() => held.release(end))
      else held.release(end)
    }
    this.pipeline.run(call, forward).then(
      (answer) => {
        done({})
        reply(...rawReply(answer, clientId))
      },
      (err: Error) => {
        done({error: err})
        // Cancelled by the client: no answer is expected.
        if (err instanceof ClientCancelledError) return
        reply({jsonrpc: '2.0', id: clientId, error: callError(err)})
      },
    )
    return true
  }

  /** What the gateway says it is (a 2026-07-28 result's serverInfo `_meta` too). */
  get serverInfo(): {name: string; version: string} {
    return {name: 'Docker MCP Gateway', version: this.options.version}
  }

  /**
   * `forward`, for the methods a 2026-07-28 client may be asked for input in (tools/call, prompts/get,
   * resources/read). Such a client cannot be sent requests: when the server asks for input (elicitation,
   * sampling) in the middle of the call, the call stays open, the client gets `input_required` with a
   * `requestState`, and its retry carrying the answer resumes the same call. 2025-era clients get the
   * server's requests directly, as before.
   */
  private async forwardInRounds(
    session: SessionState,
    binding: UpstreamBinding,
    server: string,
    ctx: ServerContext,
    request: {method: string; params: Record<string, unknown>},
  ): Promise<unknown> {
    const mcpReq = ctx.mcpReq as ServerContext['mcpReq'] & {
      envelope?: unknown
      inputResponses?: Record<string, Record<string, unknown>>
      requestState?: () => unknown
    }
    if (mcpReq.envelope === undefined)
      return this.forward(session, binding, server, ctx, request, this.lifecycle(server))
    let call: RoundTripCall
    const state = mcpReq.requestState?.()
    if (typeof state === 'string') {
      const waiting = this.waitingForInput.get(state)
      if (!waiting)
        throw new ProtocolError(
          ProtocolErrorCode.InvalidParams,
          'no call is waiting for input under this requestState (it finished, timed out or was never started here): make the call again',
        )
      this.waitingForInput.delete(state)
      clearTimeout(waiting.timer)
      const answer = mcpReq.inputResponses?.[UPSTREAM_INPUT_KEY]
      if (answer) waiting.ask.answer(answer)
      else waiting.ask.fail(new Error('the client retried without the input the server asked for'))
      call = waiting.call
    } else {
      call = new RoundTripCall()
      const perCall: UpstreamBinding = {
        elicit: (params, signal) => call.ask('elicitation/create', params, signal),
        sample: (params, signal) => call.ask('sampling/createMessage', params, signal),
        log: binding.log,
      }
      // The first round's request ends when it returns input_required; the call to the server outlives it.
      // Its container serves it alone, so that what the server asks reaches this call (see CallRouter).
      call.result = this.forward(
        session,
        perCall,
        server,
        {...ctx, mcpReq: {...ctx.mcpReq, signal: call.signal}},
        request,
        this.lifecycle(server) === 'long-lived' ? 'exclusive' : 'per-call',
        (slot) => (call.slot = slot),
      )
      // Whoever is waiting sees the failure; a call nobody waits for any more (timed out) must not crash us.
      call.result.catch(() => {})
    }
    let step = await call.next()
    // While the client is away, the call's container moves to a parked place: it does not block the
    // server's other calls (see ContainerSlot). When those are all taken, the server's question is refused.
    while (!step.done && !call.park()) {
      step.ask.fail(
        new Error(
          `server "${server}" already has ${this.options.maxPerServer} call(s) waiting for their clients' input (--max-containers-per-server): answer or cancel those first`,
        ),
      )
      step = await call.next()
    }
    if (step.done) return step.value
    const {ask} = step
    const requestState = randomUUID()
    const waitMs = this.options.inputTimeoutMs ?? DEFAULT_INPUT_TIMEOUT_MS
    const timer = setTimeout(() => {
      this.waitingForInput.delete(requestState)
      ask.fail(
        new Error(
          `the client did not answer within ${Math.round(waitMs / 1000)}s (--input-timeout): the call was ended`,
        ),
      )
    }, waitMs)
    timer.unref()
    this.waitingForInput.set(requestState, {call, ask, timer})
    return inputRequired({
      inputRequests: {[UPSTREAM_INPUT_KEY]: {method: ask.method, params: ask.params} as never},
      requestState,
    })
  }

  /**
   * Send one request to the owning server on behalf of a session: progress flows back to the caller,
   * cancellation flows up (the SDK maps it to the upstream request id), failures become errors that say
   * which server and what happened.
   */
  private async forward(
    session: SessionState,
    binding: UpstreamBinding,
    server: string,
    ctx: ServerContext,
    request: {method: string; params: Record<string, unknown>},
    lifecycle: Lifecycle,
    onSlot?: (slot: ContainerSlot) => void,
  ): Promise<unknown> {
    this.inFlight.begin()
    try {
      return await this.forwardNow(session, binding, server, ctx, request, lifecycle, onSlot)
    } finally {
      this.inFlight.end()
    }
  }

  /** Wait until no request is in flight, or `ms` has passed. */
  drain(ms: number): Promise<void> {
    return this.inFlight.drain(ms)
  }

  private async forwardNow(
    session: SessionState,
    binding: UpstreamBinding,
    server: string,
    ctx: ServerContext,
    request: {method: string; params: Record<string, unknown>},
    lifecycle: Lifecycle,
    onSlot: ((slot: ContainerSlot) => void) | undefined,
  ): Promise<unknown> {
    const {signal} = ctx.mcpReq
    const progressToken = ctx.mcpReq._meta?.progressToken
    const params = {...request.params}
    // Our own token is added by the SDK when we ask for progress; never leak the caller's upstream.
    if (params._meta) {
      const meta = {...(params._meta as Record<string, unknown>)}
      delete meta.progressToken
      // A 2026-07-28 client's envelope describes its hop to us; the server is spoken to in its own era.
      for (const key of ENVELOPE_META_KEYS) delete meta[key]
      params._meta = meta
    }
    // The server's progress and log messages about this call reach the client before its answer, in order.
    const related = new RelatedNotifications(ctx.mcpReq, (line) => this.options.logger.debug(line), server)
    try {
      const scope = this.scopes.of(session.id, session.server, ctx)
      return await this.pool.use(server, scope, lifecycle, signal, async (upstream, slot) => {
        onSlot?.(slot)
        // What the server asks during this call goes to `binding`, and only while the call is in flight.
        const endRoute = upstream.calls.begin(binding, related.bind(binding))
        const result = upstream.client.request({method: request.method, params} as never, PASSTHROUGH, {
          signal,
          timeout: this.options.callTimeoutMs,
          resetTimeoutOnProgress: true,
          ...(progressToken === undefined
            ? {}
            : {onprogress: (p: Record<string, unknown>) => related.progress({...p, progressToken})}),
        })
        try {
          // The SDK rejects every pending request when the container goes: no race here (nor a handler per call).
          return await result
        } catch (err) {
          // A cancelled per-call container first answers a ping sent after the cancellation on the same ordered
          // stream, so it has read it before removal (a direct client would not kill it the moment it cancels).
          if (signal.aborted && lifecycle === 'per-call')
            await upstream.client.ping({timeout: CANCEL_GRACE_MS}).catch(() => {})
          if (!upstream.isOpen || (err as {code?: unknown}).code === 'CONNECTION_CLOSED') {
            throw new ProtocolError(
              ProtocolErrorCode.InternalError,
              await stoppedMessage(server, request.method, upstream),
            )
          }
          throw err
        } finally {
          endRoute()
          await related.flushed()
        }
      })
    } catch (err) {
      if (signal.aborted) throw err
      throw toProtocolError(err, server, request.method, this.options.callTimeoutMs)
    }
  }

  /** End session `id` now: its MCP server closes (its transport with it) and its containers stop. */
  async closeSession(id: string): Promise<void> {
    const session = this.sessions.get(id)
    if (session) this.sessions.delete(id)
    this.scopes.forget(id)
    this.view.forget(id)
    await session?.server.close().catch(() => {})
    await this.pool.closeSession(id)
  }

  /** Stop serving: close sessions and every container. */
  async shutdown(): Promise<void> {
    if (this.stopped) return
    this.stopped = true
    this.listingRetry.stop()
    this.subscriptions.close()
    for (const [state, waiting] of this.waitingForInput) {
      clearTimeout(waiting.timer)
      const reason = new Error('the gateway is shutting down')
      waiting.ask.fail(reason)
      waiting.call.abort(reason)
      this.waitingForInput.delete(state)
    }
    await Promise.all([...this.sessions.values()].map((s) => s.server.close().catch(() => {})))
    await this.pool.closeAll()
  }
}

/** Default `--max-containers`. */
export const DEFAULT_MAX_CONTAINERS = 64
