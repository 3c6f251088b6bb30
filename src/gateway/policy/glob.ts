/**
 * Shell-style globs for policy entries: `*` any run of characters, `?` one character, everything else
 * literal. Compiled once per pattern when the policy is read; a pattern without wildcards is an equality
 * test (most entries), which costs no regular expression.
 */
export type Matcher = (value: string) => boolean

export function globMatcher(pattern: string): Matcher {
  if (pattern === '*') return () => true
  if (!/[*?]/.test(pattern)) return (value) => value === pattern
  const source = pattern
    .split('')
    .map((c) => (c === '*' ? '.*' : c === '?' ? '.' : c.replace(/[\\^$.|+()[\]{}]/g, '\\$&')))
    .join('')
  const re = new RegExp(`^${source}$`, 's')
  return (value) => re.test(value)
}

/** Any of the patterns: false for none. */
export function anyMatcher(patterns: readonly string[]): Matcher {
  const matchers = patterns.map(globMatcher)
  if (matchers.length === 0) return () => false
  if (matchers.length === 1) return matchers[0]!
  return (value) => matchers.some((m) => m(value))
}
