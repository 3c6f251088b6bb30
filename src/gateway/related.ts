import type {ServerContext} from '@modelcontextprotocol/server'

import type {UpstreamBinding} from './upstream.js'

/**
 * The notifications a server sends about one request it is serving (progress, log messages), on their way
 * to the client that made the request: on that request's own stream (over Streamable HTTP, the response
 * stream of the POST, so a client with no standalone GET stream still gets them), one after the other in
 * the order the server sent them, and all of them before the request's response (`flushed`).
 *
 * Why a queue: each send is asynchronous (an HTTP stream may store the event before writing it), and the
 * response is written by the SDK once the request's handler returns. Chaining the sends and waiting for
 * the chain before returning keeps the server's order end to end.
 */
export class RelatedNotifications {
  private tail: Promise<void> = Promise.resolve()

  constructor(
    private readonly mcpReq: Pick<ServerContext['mcpReq'], 'id' | 'method' | 'notify' | 'log'>,
    /** Told about a notification that could not be sent (the client went away): such losses are logged. */
    private readonly debug: (line: string) => void,
    private readonly server: string,
  ) {}

  /** Queue a progress notification (its token already the client's). */
  progress(params: Record<string, unknown>): void {
    this.enqueue('notifications/progress', () =>
      this.mcpReq.notify({method: 'notifications/progress', params} as never),
    )
  }

  /**
   * Queue a log message. It goes through the SDK's per-request log, which applies the level the client
   * chose (`logging/setLevel` for its session, or a 2026-07-28 request's own log level).
   */
  log(params: Record<string, unknown>): void {
    const {level, data, logger} = params as {level: never; data: unknown; logger?: string}
    this.enqueue('notifications/message', () => this.mcpReq.log(level, data, logger))
  }

  /** Resolves once every notification queued so far was sent (or dropped). */
  flushed(): Promise<void> {
    return this.tail
  }

  /** `binding` with its log messages sent as notifications related to this request. */
  bind(binding: UpstreamBinding): UpstreamBinding {
    return {elicit: binding.elicit, sample: binding.sample, log: (params) => this.log(params)}
  }

  private enqueue(method: string, send: () => Promise<unknown>): void {
    this.tail = this.tail.then(send).then(
      () => {},
      (err: unknown) =>
        this.debug(
          `  - ${this.server}: ${method} about ${this.mcpReq.method} ${String(this.mcpReq.id)} not delivered: ${(err as Error).message}`,
        ),
    )
  }
}
