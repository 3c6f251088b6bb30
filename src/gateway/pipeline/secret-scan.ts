import {SECRET_RULES, type SecretRule} from './secret-rules.js'

/** Matches of keywords already seen before the keyword search drops them (see `candidates`). */
const REPEATS = 64

/** The rule id of a stored secret's value found in the text (not a format: the user's own value). */
export const STORED_SECRET_RULE = 'stored-secret'

/**
 * Stored values shorter than this are not looked for: they turn up by chance in ordinary text ("1234",
 * "admin"), and would fail calls that carry no secret at all.
 */
export const MIN_STORED_SECRET_LENGTH = 8

/** A stored secret the gateway resolved for an enabled server: its name and its value. */
export interface StoredSecret {
  name: string
  value: string
}

/**
 * One allowlist entry (from the allowlist file, see secret-allowlist.ts). A finding is allowed when every
 * field the entry gives fits it: `rule` is the rule id, `literal` equals the credential found, `regex`
 * matches it somewhere, `secret` names the stored secret whose value was found.
 */
export interface AllowEntry {
  rule?: string | undefined
  literal?: string | undefined
  regex?: RegExp | undefined
  secret?: string | undefined
}

/**
 * What a scan found: which rule, never where or what. `match` (the credential itself) exists only so that
 * the allowlist can be applied; it never leaves the scanner.
 */
export interface SecretFinding {
  rule: string
  /** The rule's title, or for a stored secret the secret's name. */
  title: string
  /** For a stored secret: its name. */
  secret?: string | undefined
}

interface CompiledRule {
  id: string
  title: string
  regex: RegExp
  hasSecretGroup: boolean
  keywords: readonly string[]
}

interface Literal {
  name: string
  /** The value as stored, and the forms it takes inside JSON strings. */
  forms: string[]
}

function escapeRegex(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&')
}

/**
 * The forms a value takes in JSON text: as it is, escaped as JSON.stringify escapes it, with every
 * non-ASCII character and `<`, `>`, `&` as `\uXXXX` (Python's json.dumps, Go's encoding/json; both hex
 * cases), and with `/` as `\/` (PHP). Only the forms that differ from the value are kept.
 */
export function jsonForms(value: string): string[] {
  const forms = new Set<string>([value])
  const standard = JSON.stringify(value).slice(1, -1)
  forms.add(standard)
  const unicode = (upper: boolean) =>
    standard.replace(/[^\x20-\x7e]|[<>&]/g, (c) => {
      const hex = c.charCodeAt(0).toString(16).padStart(4, '0')
      return `\\u${upper ? hex.toUpperCase() : hex}`
    })
  forms.add(unicode(false))
  forms.add(unicode(true))
  for (const form of [...forms]) if (form.includes('/')) forms.add(form.replaceAll('/', '\\/'))
  return [...forms]
}

/**
 * Finds credentials in text (JSON text: a tool call's request or answer). Two checks, in this order:
 * - the values of the user's stored secrets (`indexOf`, in every form JSON gives them);
 * - credential formats (secret-rules.ts): one pass of a single case-insensitive regular expression over
 *   the text finds which rules' keywords occur; only those rules then run, each one pass.
 * Built once per gateway; `scan` is synchronous and allocates little, since it runs on every call.
 */
export class SecretScanner {
  private readonly rules: CompiledRule[]
  private readonly literals: Literal[]
  private readonly allow: AllowEntry[]
  /** Every keyword of every rule, lower-cased, longest first; and all of them as one alternation. */
  private readonly keywords: string[]
  private readonly keywordPattern: RegExp | undefined
  /** The alternation without the keywords already found, by those keywords. */
  private readonly patterns = new Map<string, RegExp | null>()
  private readonly rulesByKeyword = new Map<string, CompiledRule[]>()
  /** For each keyword, the keywords inside it: they occur wherever it does. */
  private readonly inside = new Map<string, string[]>()

  constructor(
    options: {
      stored?: readonly StoredSecret[] | undefined
      allow?: readonly AllowEntry[] | undefined
      rules?: readonly SecretRule[] | undefined
    } = {},
  ) {
    const allow = options.allow ?? []
    // An entry with nothing but a rule (or a stored secret's name) turns that check off: it is not run.
    const isOnly = (e: AllowEntry, field: keyof AllowEntry) =>
      Object.entries(e).every(([k, v]) => k === field || v === undefined)
    const offRules = new Set(allow.filter((e) => e.rule && isOnly(e, 'rule')).map((e) => e.rule!))
    const offSecrets = new Set(allow.filter((e) => e.secret && isOnly(e, 'secret')).map((e) => e.secret!))
    this.allow = allow.filter((e) => !(e.rule && isOnly(e, 'rule')) && !(e.secret && isOnly(e, 'secret')))

    this.rules = (options.rules ?? SECRET_RULES)
      .filter((r) => !offRules.has(r.id))
      .map((r) => ({
        id: r.id,
        title: r.title,
        regex: new RegExp(r.regex, r.ignoreCase ? 'gi' : 'g'),
        hasSecretGroup: r.regex.includes('(?<secret>'),
        keywords: r.keywords.map((k) => k.toLowerCase()),
      }))
    for (const rule of this.rules)
      for (const k of rule.keywords) {
        const list = this.rulesByKeyword.get(k) ?? []
        list.push(rule)
        this.rulesByKeyword.set(k, list)
      }
    const keywords = [...this.rulesByKeyword.keys()].sort((a, b) => b.length - a.length)
    for (const k of keywords)
      this.inside.set(
        k,
        keywords.filter((other) => other !== k && k.includes(other)),
      )
    this.keywords = keywords
    this.keywordPattern = this.patternWithout([])

    this.literals = offRules.has(STORED_SECRET_RULE)
      ? []
      : (options.stored ?? [])
          .filter((s) => s.value.length >= MIN_STORED_SECRET_LENGTH && !offSecrets.has(s.name))
          .map((s) => ({name: s.name, forms: jsonForms(s.value)}))
  }

  /** The rules in use (after the allowlist turned some off). */
  get ruleIds(): string[] {
    return this.rules.map((r) => r.id)
  }

  /** The first credential found in `text`, or undefined. */
  scan(text: string): SecretFinding | undefined {
    for (const literal of this.literals) {
      for (const form of literal.forms) {
        if (text.indexOf(form) === -1) continue
        const finding = {rule: STORED_SECRET_RULE, title: literal.name, secret: literal.name}
        if (!this.allowed(finding, form)) return finding
      }
    }
    if (!this.keywordPattern) return undefined
    const candidates = this.candidates(text)
    for (const rule of this.rules) {
      if (!candidates.has(rule)) continue
      const {regex} = rule
      regex.lastIndex = 0
      let m: RegExpExecArray | null
      while ((m = regex.exec(text)) !== null) {
        const found = rule.hasSecretGroup ? (m.groups?.['secret'] ?? m[0]) : m[0]
        const finding = {rule: rule.id, title: rule.title}
        if (!this.allowed(finding, found)) {
          regex.lastIndex = 0
          return finding
        }
        // Allowed: look further, past this match (rules never match an empty string; the guard is cheap).
        if (m[0].length === 0) regex.lastIndex++
      }
    }
    return undefined
  }

  /**
   * The rules whose keywords occur in the text: one pass of one case-insensitive alternation. A word that
   * comes back again and again ("key" in prose) would cost a match each time: after REPEATS matches of
   * words already seen, the search goes on with an alternation without them (cached: V8 compiles a regular
   * expression to machine code only once it has run, so a new one would be slow on its first long text).
   */
  private candidates(text: string): Set<CompiledRule> {
    const found = new Set<CompiledRule>()
    const seen: string[] = []
    let pattern = this.keywordPattern
    let from = 0
    let repeats = 0
    while (pattern) {
      pattern.lastIndex = from
      const m = pattern.exec(text)
      if (m === null) break
      // From the next character, not past the match: a keyword may start inside this one ("pk.eyJ").
      from = m.index + 1
      const keyword = m[0].toLowerCase()
      if (seen.includes(keyword)) {
        if (++repeats === REPEATS) pattern = this.patternWithout(seen)
        continue
      }
      repeats = 0
      for (const k of [keyword, ...this.inside.get(keyword)!]) {
        if (seen.includes(k)) continue
        seen.push(k)
        for (const rule of this.rulesByKeyword.get(k)!) found.add(rule)
      }
      if (seen.length === this.keywords.length) break
    }
    return found
  }

  /** The keyword alternation without the given keywords. */
  private patternWithout(seen: readonly string[]): RegExp | undefined {
    const key = [...seen].sort().join(' ')
    let pattern = this.patterns.get(key)
    if (pattern === undefined) {
      const rest = this.keywords.filter((k) => !seen.includes(k))
      pattern = rest.length ? new RegExp(rest.map(escapeRegex).join('|'), 'gi') : null
      if (this.patterns.size >= 64) this.patterns.clear()
      this.patterns.set(key, pattern)
    }
    return pattern ?? undefined
  }

  private allowed(finding: SecretFinding, found: string): boolean {
    return this.allow.some(
      (e) =>
        (e.rule === undefined || e.rule === finding.rule) &&
        (e.secret === undefined || e.secret === finding.secret) &&
        (e.literal === undefined || e.literal === found) &&
        (e.regex === undefined || e.regex.test(found)),
    )
  }
}
