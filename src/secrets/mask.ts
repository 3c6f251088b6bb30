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

/** Values shorter than this are not masked in free text: "a" or "on" would garble every line. */
export const MIN_MASKED_LENGTH = 4

/**
 * Masks known secret values wherever they appear in a string: in a log line, a container's stderr, an
 * error tail. Needed because a value is not only logged as itself: a catalog may derive another env value
 * or argument from it (`Bearer $TOKEN`), and a server may print it. The value is also looked for as JSON
 * and URL encoding write it.
 */
export class SecretMasker {
  private readonly needles = new Map<string, string>()
  private pattern: RegExp | undefined

  /** Register the secret values in use (empty and very short ones are ignored). */
  add(values: Iterable<string>): void {
    for (const value of values) {
      if (Array.from(value).length < MIN_MASKED_LENGTH) continue
      for (const form of [value, JSON.stringify(value).slice(1, -1), encodeURIComponent(value)])
        if (!this.needles.has(form)) this.needles.set(form, maskSecret(form))
    }
    // Longest first, so that a secret containing another is replaced whole.
    const forms = [...this.needles.keys()].sort((a, b) => b.length - a.length)
    this.pattern = forms.length
      ? new RegExp(forms.map((f) => f.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|'), 'g')
      : undefined
  }

  get size(): number {
    return this.needles.size
  }

  /** The text with every known secret value replaced by its mask. */
  mask(text: string): string {
    if (!this.pattern) return text
    return text.replace(this.pattern, (found) => this.needles.get(found) ?? '****')
  }
}
