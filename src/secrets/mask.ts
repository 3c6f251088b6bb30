/**
 * A secret value as logs may show it: at most its first 4 characters followed by `****`, and fewer for
 * short values (a quarter of the length, rounded down), so a log line never gives away more than a quarter
 * of a secret. The mask does not reveal the length. Counts code points, never splitting a character.
 */
export function maskSecret(value: string): string {
  const chars = Array.from(value)
  const shown = Math.min(4, Math.floor(chars.length / 4))
  return `${chars.slice(0, shown).join('')}****`
}
