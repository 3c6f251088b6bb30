import {randomBytes} from 'node:crypto'

import type {EventId, EventStore, JSONRPCMessage, StreamId} from '@modelcontextprotocol/server'

/**
 * Resumable Streamable HTTP streams for 2025-era sessions (spec 2025-11-25, "Resumability and
 * Redelivery"): every message the gateway sends on a session's SSE streams gets an event id and is kept
 * here, so that a client whose stream breaks mid-call can reconnect with `Last-Event-ID` and receive what
 * it missed (progress, log messages, the result) instead of losing it. The SDK's server transport does the
 * protocol (priming event, `retry:`, replay on GET); this is its store.
 *
 * Bounded, because a session is held for a client that may never come back:
 * - one store per session, dropped when the session ends (`clear`);
 * - at most `maxEvents` events and `maxBytes` of message text per session (counted as the length of the
 *   JSON text: bytes for ASCII, which JSON-RPC mostly is), oldest dropped first;
 * - a single message larger than `maxBytes` is not kept; a replay that would need it is refused (the
 *   client is told the stream cannot be resumed) rather than replayed with a hole in it.
 *
 * One store per session also means a session can only ever replay its own events: an event id of
 * another session is unknown here (ids carry a random per-store prefix, so they cannot even collide).
 */
export interface EventStoreLimits {
  maxEvents: number
  maxBytes: number
}

/** The bounds per session: 1000 events, 1 MiB (256 sessions, the default --max-sessions, hold 256 MiB at most). */
export const EVENT_STORE_LIMITS: EventStoreLimits = {maxEvents: 1000, maxBytes: 1024 * 1024}

/** How long a client waits before it reconnects a broken stream (the `retry:` field of the priming event). */
export const RESUME_RETRY_MS = 1000

interface StoredEvent {
  /** Its number in this store: its id is `<prefix>.<seq>`. Consecutive: only the oldest are dropped. */
  seq: number
  streamId: StreamId
  /** The message as JSON text; undefined when it was too large to keep. */
  text: string | undefined
}

/**
 * Kept small, since every idle session holds one (bench-scale.mjs): no map by id (an id is its number,
 * and the events are consecutive), and nothing allocated before the first event.
 */
export class SessionEventStore implements EventStore {
  private events: StoredEvent[] | undefined
  private bytes = 0
  private seq = 0
  private prefix: string | undefined

  constructor(private readonly limits: EventStoreLimits = EVENT_STORE_LIMITS) {}

  /** Events held now (tests, metrics). */
  get size(): number {
    return this.events?.length ?? 0
  }

  /** Bytes of message text held now. */
  get heldBytes(): number {
    return this.bytes
  }

  async storeEvent(streamId: StreamId, message: JSONRPCMessage): Promise<EventId> {
    this.prefix ??= randomBytes(6).toString('hex')
    const events = (this.events ??= [])
    const seq = ++this.seq
    const text = JSON.stringify(message)
    const kept = text.length <= this.limits.maxBytes ? text : undefined
    events.push({seq, streamId, text: kept})
    this.bytes += kept?.length ?? 0
    while (events.length > this.limits.maxEvents || this.bytes > this.limits.maxBytes) {
      this.bytes -= events.shift()!.text?.length ?? 0
    }
    return `${this.prefix}.${seq}`
  }

  /**
   * The stream of a known event from which a complete replay is possible, else undefined (the SDK then
   * answers 400): an id that was never ours or has been dropped, or a stream with a message after it that
   * was too large to keep.
   */
  async getStreamIdForEventId(eventId: EventId): Promise<StreamId | undefined> {
    const event = this.find(eventId)
    if (!event) return undefined
    return this.after(event).some((e) => e.text === undefined) ? undefined : event.streamId
  }

  async replayEventsAfter(
    lastEventId: EventId,
    {send}: {send: (eventId: EventId, message: JSONRPCMessage) => Promise<void>},
  ): Promise<StreamId> {
    const event = this.find(lastEventId)
    if (!event) throw new Error(`unknown event id ${lastEventId}`)
    for (const later of this.after(event)) {
      if (later.text === undefined) throw new Error('a message of this stream was too large to keep')
      const message = JSON.parse(later.text) as JSONRPCMessage
      // Priming events (empty messages) only carry an id: nothing to redeliver.
      if (Object.keys(message).length === 0) continue
      await send(`${this.prefix}.${later.seq}`, message)
    }
    return event.streamId
  }

  /** Forget everything (the session ended). */
  clear(): void {
    this.events = undefined
    this.bytes = 0
  }

  /** The event with this id, if it is ours and still held. */
  private find(eventId: EventId): StoredEvent | undefined {
    const dot = eventId.lastIndexOf('.')
    if (!this.events?.length || eventId.slice(0, dot) !== this.prefix) return undefined
    const seq = Number(eventId.slice(dot + 1))
    if (!Number.isInteger(seq)) return undefined
    const event = this.events[seq - this.events[0]!.seq]
    return event?.seq === seq ? event : undefined
  }

  /** The events of `event`'s stream stored after it, in order. */
  private after(event: StoredEvent): StoredEvent[] {
    const at = this.events!.indexOf(event)
    return this.events!.slice(at + 1).filter((e) => e.streamId === event.streamId)
  }
}
