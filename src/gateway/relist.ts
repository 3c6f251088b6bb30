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
