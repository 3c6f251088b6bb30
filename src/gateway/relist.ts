/** The least time between two re-listings of one noisy upstream (see Relister). */
export const RELIST_INTERVAL_MS = 1000

/**
 * Re-listing on `notifications/*\/list_changed`, coalesced and rate-limited per upstream.
 *
 * Why: a server may send list_changed in a loop. Re-listing once per notification (three or four requests
 * each, a rebuild of every exposed name, a notification to every client) pinned the gateway at 100% CPU and
 * delayed other servers' calls to 14 s. A notification only says "something changed since you last
 * listed": one listing that starts after it covers it, and every notification that arrives while that
 * listing runs is covered by one more. So at most one re-list runs per upstream, with at most one pending
 * behind it, and consecutive re-lists of one upstream are at least `minIntervalMs` apart.
 */
export class Relister<K> {
  private readonly state = new Map<K, {running: boolean; pending: boolean}>()

  constructor(
    private readonly relist: (key: K) => Promise<void>,
    private readonly options: {minIntervalMs: number; sleep?: (ms: number) => Promise<void>},
  ) {}

  /** A list_changed arrived from `key`: re-list soon, unless a re-list that will cover it is already due. */
  request(key: K): void {
    const current = this.state.get(key)
    if (current) {
      current.pending = true
      return
    }
    const entry = {running: true, pending: false}
    this.state.set(key, entry)
    void this.run(key, entry)
  }

  /** Is a re-list running or pending for `key`? */
  busy(key: K): boolean {
    return this.state.has(key)
  }

  private async run(key: K, entry: {running: boolean; pending: boolean}): Promise<void> {
    const sleep = this.options.sleep ?? ((ms) => new Promise<void>((r) => setTimeout(r, ms).unref()))
    try {
      for (;;) {
        entry.pending = false
        await this.relist(key).catch(() => {})
        if (!entry.pending) return
        // Noisy server: the next re-list waits, and every notification until then folds into it.
        await sleep(this.options.minIntervalMs)
      }
    } finally {
      this.state.delete(key)
    }
  }
}

/**
 * Listing again, with backoff, a server that could not be listed at start (a remote server that was down):
 * without it, a server that comes up after the gateway stays unknown until the gateway restarts. Each key
 * is tried until an attempt succeeds, waiting `firstMs`, then twice as long each time, at most `maxMs`
 * (bounded: a server down for hours costs one attempt per `maxMs`). Failed attempts go to `onFailure`
 * (the caller logs them at debug level: the first failure was reported once, loudly, already).
 */
export class ListingRetry<K> {
  /** Keys waiting for their next attempt (or in one), with what cancels the wait. */
  private readonly waiting = new Map<K, () => void>()
  private stopped = false

  constructor(
    private readonly options: {
      firstMs: number
      maxMs: number
      onFailure?: (key: K, err: Error) => void
      /** Run `fn` after `ms`; returns what cancels it (tests). Default: an unref'd timer. */
      schedule?: (fn: () => void, ms: number) => () => void
    },
  ) {}

  /** Try `attempt` for `key` after a delay, and again after longer ones, until it resolves. */
  start(key: K, attempt: () => Promise<void>, delayMs = this.options.firstMs): void {
    if (this.stopped || this.waiting.has(key)) return
    const schedule = this.options.schedule ?? unrefTimer
    const cancel = schedule(() => {
      void attempt().then(
        () => this.waiting.delete(key),
        (err: Error) => {
          this.waiting.delete(key)
          this.options.onFailure?.(key, err)
          this.start(key, attempt, Math.min(delayMs * 2, this.options.maxMs))
        },
      )
    }, delayMs)
    this.waiting.set(key, cancel)
  }

  /** Is `key` waiting for its next attempt (or in one)? */
  pending(key: K): boolean {
    return this.waiting.has(key)
  }

  /** Stop every retry (gateway shutdown). */
  stop(): void {
    this.stopped = true
    for (const cancel of this.waiting.values()) cancel()
    this.waiting.clear()
  }
}

function unrefTimer(fn: () => void, ms: number): () => void {
  const timer = setTimeout(fn, ms)
  timer.unref()
  return () => clearTimeout(timer)
}
