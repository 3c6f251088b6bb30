import {
  ProtocolError,
  ProtocolErrorCode,
  ResourceNotFoundError,
  SUBSCRIPTION_ID_META_KEY,
  type Server,
} from '@modelcontextprotocol/server'

import type {Logger} from './logger.js'
import type {UpstreamPool} from './pool.js'
import type {Upstream} from './upstream.js'
import type {SessionRef} from './session/tool-view.js'

/** What a subscriber is told when a resource it subscribed to changed (`notifications/resources/updated`). */
export type UpdatedSink = (params: {uri: string} & Record<string, unknown>) => void

/** The upstream connection subscriptions of one server are held on, kept open until `release`. */
export interface HeldUpstream {
  upstream: Upstream
  /** Let the connection go: the pool may idle it out (long-lived) or it is closed (see `closeWhenUnused`). */
  release(): void
}

export interface SubscriptionOptions {
  /**
   * Open (or reuse) the connection of `server` for `session` and hold it: the session's own long-lived
   * container or remote connection, or, for a per-call server, one kept for the session's subscriptions.
   */
  hold(server: string, session: string): Promise<HeldUpstream>
  /** A per-call server: its subscription connection serves nothing else and is closed with the last one. */
  closeWhenUnused(server: string): boolean
  /** Which server owns `uri`, once servers are listed. */
  route(uri: string): Promise<string | undefined>
  /** Whether `server` offers subscriptions (`resources.subscribe`). */
  offers(server: string): boolean
  /** Whether the session may see `server`'s resources (the access policy); all of them when absent. */
  shows?(session: SessionRef, server: string): boolean
  logger: Logger
}

interface Route {
  owner: string | undefined
  subscribable: boolean
}

/** One subscriber: a 2025-era session, or one 2026-07-28 `subscriptions/listen` stream. */
interface Subscriber {
  /** Whose connection upstream subscriptions are held on (the gateway session id, `stateless` for HTTP 2026). */
  session: string
  deliver: UpdatedSink
  /** (server, uri) pairs, as `feedKey\0uri`. */
  uris: Set<string>
}

/** The subscriptions of one server held on one upstream connection, shared by the subscribers of `session`. */
interface Feed {
  key: string
  server: string
  session: string
  held: Promise<HeldUpstream>
  /** How many times these subscriptions were made again on a new connection (see `reconnect`). */
  generation: number
  /** Per URI: who subscribed, and the upstream subscription (undone by its `end`). */
  uris: Map<string, {subscribers: Set<string>; subscribed: Promise<() => Promise<void>>}>
}

/** Times one server's subscriptions are made again after its connection went away. */
const MAX_RESUBSCRIBES = 3

const feedKey = (server: string, session: string) => `${server}\u0000${session}`

/**
 * Resource subscriptions through the gateway. A client's `resources/subscribe` (2025 era) or the
 * `resourceSubscriptions` of its `subscriptions/listen` (2026-07-28) subscribes the owning server's
 * connection once per URI, however many subscribers share that connection; `notifications/resources/updated`
 * from it reaches only the subscribers of that URI; the upstream subscription ends with the last subscriber
 * (unsubscribe, listen stream closed, session ended).
 *
 * Which connection: a long-lived server's (or a remote one's) is the session's own, the one its calls use,
 * so an update a call causes is seen. A per-call server has no connection between calls: subscribing keeps
 * one for the session, opened for the subscription and closed with its last subscriber. Only changes that
 * server sees by itself (files, a database, a remote API) reach subscribers: a call runs in a fresh container
 * of its own, and what it changes inside that container is gone with it.
 *
 * When the connection closes (the container exited), its subscriptions are made again on a new one, so
 * subscribers keep hearing about changes (MAX_RESUBSCRIBES times at most: a server that keeps dying is not
 * restarted forever); when that fails they are dropped, and the failure is logged.
 */
export class ResourceSubscriptions {
  private readonly subscribers = new Map<string, Subscriber>()
  private readonly feeds = new Map<string, Feed>()
  /** Each session's sink, one per session so that its listen streams share it (see `listen`). */
  private readonly sinks = new Map<string, UpdatedSink>()
  /** Open 2026-07-28 listen streams of stdio sessions, by listener id: what ends them. */
  private readonly listenEnds = new Map<string, () => void>()
  private closed = false
  /** Listen streams being subscribed upstream, per session (see `listened`). */
  private readonly listening = new Map<string, Set<Promise<void>>>()

  constructor(private readonly options: SubscriptionOptions) {}

  private async route(uri: string): Promise<Route> {
    const owner = await this.options.route(uri)
    return {owner, subscribable: owner !== undefined && this.options.offers(owner)}
  }

  /** Subscribe `subscriber` (delivering to `deliver`) to `uri` of `server`, held on the connection of `session`. */
  async subscribe(
    subscriberId: string,
    session: string,
    deliver: UpdatedSink,
    server: string,
    uri: string,
  ): Promise<void> {
    let subscriber = this.subscribers.get(subscriberId)
    if (!subscriber) this.subscribers.set(subscriberId, (subscriber = {session, deliver, uris: new Set()}))
    const feed = this.feedOf(server, session)
    const entryKey = `${feed.key}\u0000${uri}`
    if (subscriber.uris.has(entryKey)) return
    let entry = feed.uris.get(uri)
    if (!entry) {
      entry = {subscribers: new Set(), subscribed: this.subscribeUpstream(feed, uri)}
      feed.uris.set(uri, entry)
    }
    entry.subscribers.add(subscriberId)
    subscriber.uris.add(entryKey)
    try {
      await entry.subscribed
    } catch (err) {
      // Nobody is subscribed: the next subscriber tries again.
      subscriber.uris.delete(entryKey)
      if (feed.uris.get(uri) === entry) feed.uris.delete(uri)
      if (subscriber.uris.size === 0) this.subscribers.delete(subscriberId)
      this.releaseIfUnused(feed)
      throw err
    }
  }

  /** Undo one subscription; unknown ones are ignored (unsubscribing twice is harmless, as upstream). */
  async unsubscribe(subscriberId: string, server: string, uri: string): Promise<void> {
    const subscriber = this.subscribers.get(subscriberId)
    if (!subscriber) return
    const feed = this.feeds.get(feedKey(server, subscriber.session))
    if (!feed) return
    await this.leave(subscriberId, subscriber, feed, uri)
  }

  /** A subscriber is gone (its session ended, its listen stream closed): undo all its subscriptions. */
  async drop(subscriberId: string): Promise<void> {
    const subscriber = this.subscribers.get(subscriberId)
    if (!subscriber) return
    const leaving: Promise<void>[] = []
    for (const entryKey of subscriber.uris) {
      const [server, session, uri] = entryKey.split('\u0000') as [string, string, string]
      const feed = this.feeds.get(feedKey(server, session))
      if (feed) leaving.push(this.leave(subscriberId, subscriber, feed, uri))
    }
    this.subscribers.delete(subscriberId)
    await Promise.all(leaving)
  }

  /** Drop every subscriber whose id starts with `prefix` (a session's listen streams, see `listenerId`). */
  async dropAll(prefix: string): Promise<void> {
    for (const key of this.listenEnds.keys()) if (key.startsWith(prefix)) this.listenEnds.delete(key)
    await Promise.all(
      [...this.subscribers.keys()].filter((id) => id.startsWith(prefix)).map((id) => this.drop(id)),
    )
  }

  /**
   * Serve `resources/subscribe` and `resources/unsubscribe` on a session's MCP server (the owning server is
   * subscribed on the session's connection, its updates reach this session only). Returns what ends the
   * session's subscriptions, its 2026-07-28 listen streams' included. (Whether `resources.subscribe` is
   * advertised: see handshake.ts.)
   */
  serve(server: Server, ref: SessionRef): () => void {
    const session = ref.id
    const deliver: UpdatedSink = (params) => void server.sendResourceUpdated(params).catch(() => {})
    this.sinks.set(session, deliver)
    server.setRequestHandler('resources/subscribe', async (request) => {
      const {uri} = request.params
      const {owner, subscribable} = await this.route(uri)
      // A resource of a server the session may not see does not exist for it, as in resources/read.
      if (!owner || this.options.shows?.(ref, owner) === false) throw new ResourceNotFoundError(uri)
      if (!subscribable)
        throw new ProtocolError(
          ProtocolErrorCode.MethodNotFound,
          `server "${owner}" does not support resource subscriptions (resources/subscribe)`,
        )
      try {
        await this.subscribe(session, session, deliver, owner, uri)
      } catch (err) {
        throw new ProtocolError(
          ProtocolErrorCode.InternalError,
          `server "${owner}": cannot subscribe to ${uri}: ${(err as Error).message}`,
        )
      }
      return {}
    })
    server.setRequestHandler('resources/unsubscribe', async (request) => {
      const {owner} = await this.route(request.params.uri)
      if (owner) await this.unsubscribe(session, owner, request.params.uri)
      return {}
    })
    return () => {
      if (this.sinks.get(session) === deliver) this.sinks.delete(session)
      void this.drop(session)
      void this.dropAll(listenerId(session, undefined))
    }
  }

  /**
   * A 2026-07-28 `subscriptions/listen` request (`message`) opened a stream: subscribe the resources it
   * names on the connections of `session` until the returned function is called; `deliver` defaults to the
   * session's own. Undefined for any other message.
   */
  listenStarted(session: string, message: unknown, deliver?: UpdatedSink): (() => void) | undefined {
    const uris = listenedUris(message)
    const sink = deliver ?? this.sinks.get(session)
    if (!uris?.length || !sink) return undefined
    const id = listenerId(session, (message as {id?: string | number}).id)
    return this.listen(id, session, uris, sink)
  }

  /** 2026-07-28 over stdio: a listen stream opens with its request and ends with its cancellation. */
  observe(session: string, message: unknown): void {
    const end = this.listenStarted(session, message)
    const m = message as {id?: string | number; method?: string; params?: {requestId?: string | number}}
    if (end) this.listenEnds.set(listenerId(session, m.id), end)
    if (m.method !== 'notifications/cancelled' || m.params?.requestId === undefined) return
    const key = listenerId(session, m.params.requestId)
    this.listenEnds.get(key)?.()
    this.listenEnds.delete(key)
  }

  /**
   * A 2026-07-28 `subscriptions/listen` stream asked for `uris`: subscribe each owner's connection of
   * `session` until the returned function is called (the stream closed or was cancelled). The SDK answers
   * the listen request itself and fans `deliver`'s notifications out to the streams whose filter names the
   * URI; a URI that cannot be subscribed upstream is logged, as the stream was already acknowledged.
   */
  listen(id: string, session: string, uris: string[], deliver: UpdatedSink): () => void {
    let ended = false
    const subscribing = Promise.all(
      uris.map(async (uri) => {
        const {owner, subscribable} = await this.route(uri)
        if (!owner || !subscribable || ended) return
        await this.subscribe(id, session, deliver, owner, uri).catch((err: Error) =>
          this.options.logger.warn(`  - cannot subscribe to ${uri} of ${owner}: ${err.message}`),
        )
      }),
    ).then(() => undefined)
    const pending = this.listening.get(session) ?? new Set<Promise<void>>()
    this.listening.set(session, pending.add(subscribing))
    void subscribing.then(async () => {
      pending.delete(subscribing)
      if (pending.size === 0 && this.listening.get(session) === pending) this.listening.delete(session)
      if (ended) await this.drop(id)
    })
    return () => {
      ended = true
      void this.drop(id)
    }
  }

  /**
   * Resolves once the listen streams `session` opened so far are subscribed upstream. The SDK acknowledges
   * a listen at once, as a server does once subscribed; a call that follows waits for this, so that what
   * it changes is seen by the subscription (directly, the server subscribed before acknowledging).
   */
  async listened(session: string): Promise<void> {
    const pending = this.listening.get(session)
    if (pending) await Promise.all(pending)
  }

  /** The gateway stops: forget everything (the connections are closed by the pool). */
  close(): void {
    this.closed = true
    for (const feed of this.feeds.values()) void feed.held.then((h) => h.release()).catch(() => {})
    this.feeds.clear()
    this.subscribers.clear()
  }

  /** Subscribers right now (tests). */
  get size(): number {
    return this.subscribers.size
  }

  private async leave(subscriberId: string, subscriber: Subscriber, feed: Feed, uri: string): Promise<void> {
    subscriber.uris.delete(`${feed.key}\u0000${uri}`)
    if (subscriber.uris.size === 0) this.subscribers.delete(subscriberId)
    const entry = feed.uris.get(uri)
    if (!entry?.subscribers.delete(subscriberId) || entry.subscribers.size > 0) return
    // The last subscriber of this URI on this connection: end the upstream subscription.
    feed.uris.delete(uri)
    try {
      const end = await entry.subscribed
      await end()
    } catch (err) {
      this.options.logger.debug(`unsubscribing ${uri} of ${feed.server} failed: ${(err as Error).message}`)
    } finally {
      this.releaseIfUnused(feed)
    }
  }

  private feedOf(server: string, session: string, generation = 0): Feed {
    const key = feedKey(server, session)
    let feed = this.feeds.get(key)
    if (feed) return feed
    const held = this.options.hold(server, session).then((h) => {
      this.watch(created, h.upstream)
      return h
    })
    const created: Feed = {key, server, session, held, generation, uris: new Map()}
    // A connection that could not be opened is forgotten: the next subscribe tries again.
    held.catch(() => {
      if (this.feeds.get(key) === created) this.feeds.delete(key)
    })
    this.feeds.set(key, (feed = created))
    return feed
  }

  /** Route the connection's updates to the subscribers of their URI; resubscribe once if it goes. */
  private watch(feed: Feed, upstream: Upstream): void {
    upstream.client.setNotificationHandler('notifications/resources/updated', (notification) => {
      const params = notification.params as {uri: string} & Record<string, unknown>
      const entry = this.feeds.get(feed.key) === feed ? feed.uris.get(params.uri) : undefined
      if (!entry) return
      // The upstream's own 2026-07-28 stamp names its subscription, not the client's.
      const meta = {...(params._meta as Record<string, unknown> | undefined)}
      delete meta[SUBSCRIPTION_ID_META_KEY]
      const forwarded = {...params, ...(Object.keys(meta).length ? {_meta: meta} : {})}
      if (!Object.keys(meta).length) delete forwarded._meta
      // One delivery per sink: 2026-07-28 listen streams share one (the SDK fans out by filter).
      const sinks = new Set<UpdatedSink>()
      for (const id of entry.subscribers) {
        const subscriber = this.subscribers.get(id)
        if (subscriber) sinks.add(subscriber.deliver)
      }
      for (const sink of sinks) sink(forwarded)
    })
    void upstream.closed.then(() => this.reconnect(feed))
  }

  private reconnect(feed: Feed): void {
    if (this.closed || this.feeds.get(feed.key) !== feed) return
    this.feeds.delete(feed.key)
    void feed.held.then((h) => h.release()).catch(() => {})
    if (feed.uris.size === 0) return
    // A server that keeps dying is not restarted forever on behalf of its subscribers.
    if (feed.generation >= MAX_RESUBSCRIBES) {
      this.options.logger.warn(
        `  - subscriptions to ${feed.server} ended: its server went away ${MAX_RESUBSCRIBES + 1} times`,
      )
      for (const [uri, entry] of feed.uris)
        for (const id of entry.subscribers) {
          const subscriber = this.subscribers.get(id)
          subscriber?.uris.delete(`${feed.key}\u0000${uri}`)
          if (subscriber?.uris.size === 0) this.subscribers.delete(id)
        }
      return
    }
    this.options.logger.debug(`server ${feed.server} went away: subscribing its resources again`)
    const fresh = this.feedOf(feed.server, feed.session, feed.generation + 1)
    for (const [uri, old] of feed.uris) {
      const entry = {subscribers: old.subscribers, subscribed: this.subscribeUpstream(fresh, uri)}
      fresh.uris.set(uri, entry)
      entry.subscribed.catch((err: Error) => {
        this.options.logger.warn(
          `  - subscriptions to ${uri} of ${feed.server} ended: its server went away and subscribing again failed: ${err.message}`,
        )
        if (fresh.uris.get(uri) !== entry) return
        fresh.uris.delete(uri)
        for (const id of entry.subscribers) {
          const subscriber = this.subscribers.get(id)
          subscriber?.uris.delete(`${fresh.key}\u0000${uri}`)
          if (subscriber?.uris.size === 0) this.subscribers.delete(id)
        }
        this.releaseIfUnused(fresh)
      })
    }
  }

  /**
   * Subscribe the connection to `uri` in its own era: `resources/subscribe` (2025), or a
   * `subscriptions/listen` stream for that URI (2026-07-28, where resources/subscribe no longer exists).
   * Resolves to what undoes it.
   */
  private async subscribeUpstream(feed: Feed, uri: string): Promise<() => Promise<void>> {
    const {upstream} = await feed.held
    const {client} = upstream
    const era = client.getNegotiatedProtocolVersion() ?? ''
    if (era >= '2026') {
      const listening = await client.listen({resourceSubscriptions: [uri]})
      return () => listening.close()
    }
    await client.subscribeResource({uri})
    return async () => {
      if (upstream.isOpen) await client.unsubscribeResource({uri})
    }
  }

  private releaseIfUnused(feed: Feed): void {
    if (feed.uris.size > 0 || this.feeds.get(feed.key) !== feed) return
    this.feeds.delete(feed.key)
    const closeIt = this.options.closeWhenUnused(feed.server)
    void feed.held
      .then((h) => {
        h.release()
        if (closeIt) return h.upstream.close()
      })
      .catch(() => {})
  }
}

/** Subscriber ids of one session's 2026-07-28 listen streams start with this (see `dropAll`). */
export function listenerId(session: string, listen: string | number | undefined): string {
  return `listen\u0000${session}\u0000${listen === undefined ? '' : JSON.stringify(listen)}`
}

/** The resource URIs a 2026-07-28 `subscriptions/listen` request asks to hear about, if it is one. */
export function listenedUris(message: unknown): string[] | undefined {
  const m = message as {method?: unknown; params?: {notifications?: {resourceSubscriptions?: unknown}}}
  if (m?.method !== 'subscriptions/listen') return undefined
  const uris = m.params?.notifications?.resourceSubscriptions
  return Array.isArray(uris) ? uris.filter((u): u is string => typeof u === 'string') : []
}

/**
 * Hold the connection subscriptions of `server` for `session` live on: the pool's long-lived entry of
 * (server, session), held like a call in flight so that it does not idle out under its subscribers.
 */
export function holdOnPool(pool: UpstreamPool): SubscriptionOptions['hold'] {
  return (server, session) =>
    pool.use(server, session, 'long-lived', undefined, async () => {
      const held = pool.holdReady(server, session)
      if (!held) throw new Error(`server "${server}" went away while subscribing`)
      return held
    })
}
