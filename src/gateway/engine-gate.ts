/**
 * When the stdio gateway links to the engine. Linking loads dockerode and the SDK's client (100-300 ms of
 * CPU on a loaded 2-core machine, issue #21) and talks to the engine; started at once, all of that ran on
 * the one thread before the client had its answer to `initialize`, although nothing in that answer needs
 * the engine. Over stdio it now starts once the gateway has sent its first message to the client (the
 * answer to `initialize`), or `fallbackMs` after the gateway began serving if the client says nothing;
 * over HTTP, and for `--dry-run`, at once as before. Everything that needs the engine waits for the link
 * as it always did (`ensureLink` in run.ts), only the start moves. Other start-up work that no answer
 * before the first call needs waits for the same moment (the secret scanner's rules, block-secrets.ts).
 */
export class EngineGate {
  private open = false
  private release!: () => void
  private readonly opened = new Promise<void>((resolve) => (this.release = resolve))

  constructor(deferred: boolean) {
    if (!deferred) this.opening()
  }

  /** `start` now when the gate is open, else once it opens. */
  after<T>(start: () => Promise<T>): Promise<T> {
    return this.open ? start() : this.opened.then(start)
  }

  /**
   * Open after the first message `transport` sends (on the next turn, once it is written), or after
   * `fallbackMs`. Its `send` is the original again from then on.
   */
  watch(transport: {send(...args: never[]): Promise<void>}, fallbackMs = 1000): void {
    if (this.open) return
    const send = transport.send
    const timer = setTimeout(() => this.opening(), fallbackMs)
    timer.unref()
    transport.send = (...args: never[]) => {
      transport.send = send
      clearTimeout(timer)
      setImmediate(() => this.opening())
      return send.apply(transport, args)
    }
  }

  private opening(): void {
    this.open = true
    this.release()
  }
}
