/** Levenshtein distance; small inputs only (names, command ids). */
export function editDistance(a: string, b: string): number {
  const row = Array.from({length: b.length + 1}, (_, i) => i)
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0]!
    row[0] = i
    for (let j = 1; j <= b.length; j++) {
      const tmp = row[j]!
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1))
      prev = tmp
    }
  }
  return row[b.length]!
}

/**
 * The candidates closest to `wanted` (prefix matches first, then small edit distances), for
 * "did you mean" suggestions. Returns at most `limit` names; none when nothing is reasonably close.
 */
export function closestMatches(wanted: string, candidates: readonly string[], limit = 3): string[] {
  const w = wanted.toLowerCase()
  const scored = candidates.map((c) => {
    const lc = c.toLowerCase()
    const score = lc.startsWith(w) || w.startsWith(lc) ? 0 : lc.includes(w) ? 1 : 1 + editDistance(w, lc)
    return {c, score}
  })
  const maxScore = Math.max(3, Math.ceil(w.length / 2))
  return scored
    .filter((s) => s.score <= maxScore)
    .sort((a, b) => a.score - b.score || a.c.localeCompare(b.c))
    .slice(0, limit)
    .map((s) => s.c)
}
