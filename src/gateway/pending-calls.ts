/**
 * Calls in flight by id, for the raw path's tables on long-lived objects (a session's calls, an upstream
 * connection's requests). Each entry is a box that lets go of its call when the call is taken out.
 *
 * Why not a plain Map of the calls' callbacks (issue #21): the raw path measured with `--trace-gc-nvp` at
 * 32 calls in flight showed a quarter of everything it allocated surviving each scavenge and being promoted
 * at the next, so scavenges took 5-6 ms where they take about 1 ms. The calls were finished and deleted
 * from their Map, yet they stayed reachable until a full collection. Deleting the entry only later than
 * the call's own turn was enough to cause it; emptying the deleted value first (so that whatever still
 * holds the old entry holds an empty box) brought the survivors down to what is really in flight.
 */
export class PendingCalls<K, V> {
  private readonly entries = new Map<K, {value: V | undefined}>()

  get size(): number {
    return this.entries.size
  }

  set(key: K, value: V): void {
    this.entries.set(key, {value})
  }

  get(key: K): V | undefined {
    return this.entries.get(key)?.value
  }

  /** Remove the call and return it (undefined when it is not there): its box no longer holds it. */
  take(key: K): V | undefined {
    const entry = this.entries.get(key)
    if (!entry) return undefined
    this.entries.delete(key)
    const {value} = entry
    entry.value = undefined
    return value
  }

  /** Remove every call and return them, in the order they were added. */
  takeAll(): V[] {
    const values: V[] = []
    for (const key of [...this.entries.keys()]) {
      const value = this.take(key)
      if (value !== undefined) values.push(value)
    }
    return values
  }
}
