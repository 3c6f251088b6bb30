/** What the selection needs to know of a replica. */
export interface Candidate {
  /** Its place in the set (0..n-1): ties are broken round-robin over it. */
  readonly index: number
  /** Calls in flight on it. */
  readonly outstanding: number
}

/**
 * Least-outstanding-first: the candidate with the fewest calls in flight; among those tied, the first at or
 * after `cursor` (round-robin, so that idle replicas take turns rather than the first one taking every call
 * that arrives while the others are idle). Undefined when there is no candidate. Pure: the caller moves the
 * cursor past the chosen index.
 */
export function leastOutstanding<T extends Candidate>(
  candidates: readonly T[],
  cursor: number,
  size: number,
): T | undefined {
  let best: T | undefined
  let bestDistance = Infinity
  for (const c of candidates) {
    const distance = (((c.index - cursor) % size) + size) % size
    if (
      best === undefined ||
      c.outstanding < best.outstanding ||
      (c.outstanding === best.outstanding && distance < bestDistance)
    ) {
      best = c
      bestDistance = distance
    }
  }
  return best
}
