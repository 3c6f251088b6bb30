import type {UpstreamBinding} from './upstream.js'

/**
 * Which client a server's own request (elicitation, sampling) or log message belongs to.
 *
 * Why not "the last caller": several clients may have calls in flight on one connection, and the last one
 * to call is not the one whose call asked. Why not the related request id: a 2025-era server over stdio
 * sends `elicitation/create` with no reference to the request it serves (the SDK's `relatedRequestId` only
 * picks an HTTP stream; it never goes on the wire). So the gateway keeps every upstream connection to one
 * owner at a time where input can be asked (a 2025 session's own container, one container per call of a
 * 2026-07-28 client, a per-call container) and attributes a server request to the owner of the calls in
 * flight on that connection. When no call is in flight, or the calls in flight belong to different owners,
 * the request is refused with an error that says so: it is never guessed.
 */
export class CallRouter {
  /** Calls in flight on this connection: the owner each answers to, and the call's own binding. */
  private readonly calls = new Map<number, {owner: UpstreamBinding; call: UpstreamBinding}>()
  private seq = 0

  constructor(private readonly server: string) {}

  /**
   * A call starts on this connection on behalf of `owner` (a session); call the result when it ends.
   * `call` is the same owner reached through this very request (its log messages go on the request's
   * own stream, see `RelatedNotifications`): used while it is the only call in flight, since nothing on
   * the wire tells which of an owner's calls a server's message is about.
   */
  begin(owner: UpstreamBinding, call: UpstreamBinding = owner): () => void {
    const id = ++this.seq
    this.calls.set(id, {owner, call})
    // The SDK hands notifications to their handlers a tick later than the response that ends the call
    // reaches the raw path: a log line the server wrote just before answering must still find its owner.
    return () => void setImmediate(() => this.calls.delete(id))
  }

  /** Calls in flight now. */
  get size(): number {
    return this.calls.size
  }

  /** The one owner of the calls in flight, or an Error saying why the server's `method` cannot be routed. */
  route(method: string): UpstreamBinding | Error {
    if (this.calls.size === 1) return this.calls.values().next().value!.call
    const owners = new Set([...this.calls.values()].map((c) => c.owner))
    if (owners.size === 1) return owners.values().next().value!
    if (owners.size === 0)
      return new Error(
        `server "${this.server}" sent ${method} while none of its calls was in flight: the gateway refuses it (a server may only ask for input during a call)`,
      )
    return new Error(
      `server "${this.server}" sent ${method} while calls of ${owners.size} clients were in flight on its connection: the gateway cannot tell which call it belongs to, so it refuses it`,
    )
  }
}
