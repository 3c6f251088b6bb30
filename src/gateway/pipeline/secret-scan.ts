import {KeywordSearch} from './keyword-search.js'
import {SECRET_RULES, type SecretRule} from './secret-rules.js'

/**
 * Where each rule's matches start, derived from its regular expression (secret-rules.ts): every match holds
 * one of `words` (in the case the rule asks for, unless it ignores case) `at` characters after its start (a
 * range where something optional comes first: a quote, `\\`). The scanner then tries the rule only at those
 * starts instead of across the whole text. The keyed rules (`<word>… = "<secret>"`) start with their
 * keyword and are recognised by their pattern; a rule in neither runs over the whole text.
 */
const ANCHORS: Readonly<Record<string, {words: readonly string[]; at: readonly [number, number]}>> = {
  'aws-access-key-id': {
    words: ['AKIA', 'AGPA', 'AIDA', 'AROA', 'AIPA', 'ANPA', 'ANVA', 'ASIA', 'A3T'],
    at: [0, 0],
  },
  // `\\?["']` (an optional quote, maybe escaped) comes before "aws".
  'aws-secret-access-key': {words: ['aws'], at: [0, 2]},
  'github-pat': {words: ['ghp_'], at: [0, 0]},
  'github-oauth': {words: ['gho_'], at: [0, 0]},
  'github-app-token': {words: ['ghu_', 'ghs_'], at: [0, 0]},
  'github-refresh-token': {words: ['ghr_'], at: [0, 0]},
  'github-fine-grained-pat': {words: ['github_pat_'], at: [0, 0]},
  'gitlab-pat': {words: ['glpat-'], at: [0, 0]},
  'hugging-face-access-token': {words: ['hf_'], at: [0, 0]},
  'private-key': {words: ['-----'], at: [0, 0]},
  'shopify-token': {words: ['shpss_', 'shpat_', 'shpca_', 'shppa_'], at: [0, 0]},
  'slack-access-token': {words: ['xoxb-', 'xoxa-', 'xoxp-', 'xoxr-', 'xoxs-'], at: [0, 0]},
  'stripe-publishable-token': {words: ['pk_test_', 'pk_live_'], at: [0, 0]},
  'stripe-secret-token': {words: ['sk_test_', 'sk_live_'], at: [0, 0]},
  'pypi-upload-token': {words: ['pypi-AgEIcHlwaS5vcmc'], at: [0, 0]},
  // `\\?"type`: the keyword (service_account) comes after a run of spaces of any length, "type" does not.
  'gcp-service-account': {words: ['"type'], at: [0, 1]},
  // The dots of hooks.slack.com match any character: the literal is what comes before.
  'slack-web-hook': {words: ['https://hooks'], at: [0, 0]},
  'twilio-api-key': {words: ['SK'], at: [0, 0]},
  'age-secret-key': {words: ['AGE-SECRET-KEY-1'], at: [0, 0]},
  'adobe-client-secret': {words: ['p8e-'], at: [0, 0]},
  'alibaba-access-key-id': {words: ['LTAI'], at: [0, 0]},
  'clojars-api-token': {words: ['CLOJARS_'], at: [0, 0]},
  'databricks-api-token': {words: ['dapi'], at: [0, 0]},
  'doppler-api-token': {words: ['dp.pt.'], at: [1, 1]},
  'duffel-api-token': {words: ['duffel_'], at: [1, 1]},
  'dynatrace-api-token': {words: ['dt0c01.'], at: [1, 1]},
  // EZ[AT]K: the keywords are EZAK and EZAT (Trivy's), a match is EZAK or EZTK.
  'easypost-api-token': {words: ['EZAK', 'EZTK'], at: [1, 1]},
  'flutterwave-public-key': {words: ['FLWPUBK_TEST-', 'FLWSECK_TEST-'], at: [0, 0]},
  'flutterwave-enc-key': {words: ['FLWSECK_TEST'], at: [0, 0]},
  'frameio-api-token': {words: ['fio-u-'], at: [0, 0]},
  'gocardless-api-token': {words: ['live_'], at: [1, 1]},
  'grafana-api-token': {words: ['eyJrIjoi'], at: [0, 0]},
  // A quote and 14 characters, then ".atlasv1.".
  'hashicorp-tf-api-token': {words: ['atlasv1.'], at: [16, 16]},
  // jwt-token is not here: its keyword (.eyJ) comes after a run of any length, and "ey", where a match
  // starts, is everywhere; the rule runs over the text (only when ".eyJ" occurs).
  'linear-api-token': {words: ['lin_api_'], at: [0, 0]},
  'mapbox-api-token': {words: ['pk.'], at: [0, 0]},
  'new-relic-user-api-key': {words: ['NRAK-'], at: [1, 1]},
  'new-relic-browser-api-token': {words: ['NRJS-'], at: [1, 1]},
  'npm-access-token': {words: ['npm_'], at: [1, 1]},
  'planetscale-password': {words: ['pscale_pw_'], at: [0, 0]},
  'planetscale-api-token': {words: ['pscale_tkn_'], at: [0, 0]},
  // packagist_[ou][ru]t_: "urt" is no keyword.
  'private-packagist-token': {words: ['packagist_'], at: [0, 0]},
  'postman-api-token': {words: ['PMAK-'], at: [0, 0]},
  'pulumi-api-token': {words: ['pul-'], at: [0, 0]},
  'rubygems-api-token': {words: ['rubygems_'], at: [0, 0]},
  'sendgrid-api-token': {words: ['SG.'], at: [0, 0]},
  'sendinblue-api-token': {words: ['xkeysib-'], at: [0, 0]},
  'shippo-api-token': {words: ['shippo_'], at: [0, 0]},
  'dockerconfig-secret': {words: ['dockerc'], at: [1, 1]},
  'docker-pat': {words: ['dckr_pat_', 'dckr_oat_'], at: [0, 0]},
  'anthropic-api-key': {words: ['sk-ant-'], at: [0, 0]},
  // The keyword (T3BlbkFJ) comes after 16 to 208 characters; a match starts with "sk-".
  'openai-api-key': {words: ['sk-'], at: [0, 0]},
}

/**
 * A rule whose candidate starts are more than one in this many characters of the text runs over the text
 * at once (from its first candidate): trying each start alone would cost more.
 */
const DENSE = 128

/** Up to this length a text is first tested for any rule's keyword (see `scan`). */
const SMALL_TEXT = 16 * 1024

/** An anchor word seen more than once in this many characters is no longer followed (see `candidates`). */
const KEPT = 48

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
  /** The same expression, sticky: tried at one position. */
  sticky: RegExp
  hasSecretGroup: boolean
  keywords: readonly string[]
  /**
   * Where its matches start (see ANCHORS); undefined: anywhere. `head`, for a keyed rule: what must match
   * where it starts (its key, with the run of key characters taken at once: see keyedHead).
   */
  anchor:
    | {
        words: readonly string[]
        at: readonly [number, number]
        ignoreCase: boolean
        head?: RegExp | undefined
      }
    | undefined
}

/**
 * The start of secret-rules.ts's keyed() pattern for `word`: "<word>… =". The key's run of characters may
 * end anywhere, and a backtracking engine tries each end at each occurrence of the word (in prose, "blob"
 * makes "lob" frequent). Taking the run whole, as `(?=(<run>))\k<run>` does, finds the assignment wherever
 * one of those ends would have: the run holds no quote nor assignment character, so a shorter run can only
 * be followed by spaces up to its longest end. A rule is tried only where its head matches.
 */
const KEYED_HEAD = String.raw`[a-z0-9_ .\-,]{0,25})(?:\\?["'])?\s*(?:=|>|:=|\|\|:|<=|=>|:)`
const keyedHeads = new Map<string, RegExp>()
function keyedHead(word: string): RegExp {
  let head = keyedHeads.get(word)
  if (head === undefined) keyedHeads.set(word, (head = keyedHeadOf(word)))
  return head
}
function keyedHeadOf(word: string): RegExp {
  return new RegExp(
    String.raw`${escapeRegex(word)}(?=(?<run>[a-z0-9_ .\-,]{0,25}))\k<run>(?:\\?["'])?\s*(?:=|>|:=|\|\|:|<=|=>|:)`,
    'iy',
  )
}

/** Where the rule's matches start, when that is known (see ANCHORS). */
function anchorOf(rule: SecretRule): CompiledRule['anchor'] {
  if (!SECRET_RULES.includes(rule)) return undefined
  const ignoreCase = rule.ignoreCase === true
  const known = ANCHORS[rule.id]
  if (known) {
    const words = ignoreCase ? known.words.map((w) => w.toLowerCase()) : known.words
    return {words, at: known.at, ignoreCase}
  }
  // secret-rules.ts's keyed(): "(?<key><word>[...]{0,25}..." with the rule's one keyword as <word>.
  const [word] = rule.keywords
  if (ignoreCase && rule.keywords.length === 1 && rule.regex.startsWith(`(?<key>${word}${KEYED_HEAD}`))
    return {words: [word!.toLowerCase()], at: [0, 0], ignoreCase, head: keyedHead(word!)}
  return undefined
}

interface Literal {
  name: string
  /** The value as stored, and the forms it takes inside JSON strings. */
  forms: string[]
}

function escapeRegex(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&')
}

/** The positions where `head` matches, once per text and head (the keyed rules of one word share it). */
function headsAt(head: RegExp, text: string, positions: number[], cache: Map<RegExp, number[]>): number[] {
  let found = cache.get(head)
  if (found === undefined) {
    found = positions.filter((p) => {
      head.lastIndex = p
      return head.test(text)
    })
    cache.set(head, found)
  }
  return found
}

/**
 * An alternation of `words` (lower-case, no empty one) that matches the longest of them starting at a
 * position, as a trie: "gh(?:p_|o_|…)" rather than "ghp_|gho_|…", so that each position costs a test of its
 * first characters instead of one per word.
 */
function trie(words: readonly string[]): string {
  const next = new Map<string, string[]>()
  let ends = false
  for (const w of words) {
    if (w === '') ends = true
    else next.set(w[0]!, [...(next.get(w[0]!) ?? []), w.slice(1)])
  }
  const branches = [...next].map(([c, rest]) => escapeRegex(c) + trie(rest))
  if (branches.length === 0) return ''
  // The word that ends here comes last: a longer one, tried first, wins.
  return branches.length === 1 && !ends ? branches[0]! : `(?:${branches.join('|')}${ends ? '|' : ''})`
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
 * - credential formats (secret-rules.ts): one pass of a keyword automaton (keyword-search.ts) over the
 *   text finds which rules' keywords occur, and where the words their matches start at (ANCHORS) do;
 *   only those rules then run, each only at those starts (a sticky expression, tried at each), or over the
 *   text when its starts are everywhere. Either way a rule finds what a run over the whole text finds (as
 *   Trivy runs it), the same matches in the same order, and the allowlist sees the same credentials.
 * Built once per gateway; `scan` is synchronous and allocates little, since it runs on every call.
 */
export class SecretScanner {
  private readonly rules: CompiledRule[]
  private readonly literals: Literal[]
  private readonly allow: AllowEntry[]
  /** The words searched for (see the constructor), lower-cased, in one automaton. */
  private readonly search: KeywordSearch | undefined
  /**
   * The rules' keywords alone, not the anchor words (see `scan`): a small text in which none occurs has
   * nothing to find, and is let through without the search's bookkeeping.
   */
  private readonly anyKeyword: RegExp | undefined
  /**
   * By the search's word index: the rules the word is a keyword of (often none), and whether rules start
   * at it (an anchor word: its positions are kept).
   */
  private readonly rulesOfWord: Array<readonly CompiledRule[]>
  private readonly isAnchorWord: boolean[]

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
        sticky: new RegExp(r.regex, r.ignoreCase ? 'iy' : 'y'),
        hasSecretGroup: r.regex.includes('(?<secret>'),
        keywords: r.keywords.map((k) => k.toLowerCase()),
        anchor: anchorOf(r),
      }))
    const rulesByKeyword = new Map<string, CompiledRule[]>()
    for (const rule of this.rules)
      for (const k of rule.keywords) rulesByKeyword.set(k, [...(rulesByKeyword.get(k) ?? []), rule])
    const anchorWords = new Set(this.rules.flatMap((r) => r.anchor?.words ?? []).map((w) => w.toLowerCase()))
    // The words searched for: the keywords, and the rules' anchor words.
    const keywords = [...new Set([...rulesByKeyword.keys(), ...anchorWords])]
    this.search = keywords.length ? new KeywordSearch(keywords) : undefined
    this.rulesOfWord = keywords.map((k) => rulesByKeyword.get(k) ?? [])
    this.isAnchorWord = keywords.map((k) => anchorWords.has(k))
    const ruleWords = keywords.filter((k) => rulesByKeyword.has(k))
    this.anyKeyword = ruleWords.length ? new RegExp(trie(ruleWords), 'i') : undefined

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
    if (!this.search) return undefined
    // Most calls are small and name no keyword: a rule runs only where one of its keywords occurs, so
    // such a text has nothing to find. Checked with one test, allocating nothing (this runs twice per
    // call). Every MCP result holds `"type`, an anchor word: the full search would record it, then find no
    // rule to run. Large texts go straight to the search, which would repeat this pass.
    if (text.length <= SMALL_TEXT && !this.anyKeyword?.test(text)) return undefined
    const {rules, positions, dense} = this.candidates(text)
    const heads = new Map<RegExp, number[]>()
    for (const rule of this.rules) {
      if (!rules.has(rule)) continue
      const starts = rule.anchor ? this.starts(rule, text, positions, dense, heads) : {from: 0}
      const finding = Array.isArray(starts)
        ? this.runAt(rule, text, starts)
        : this.run(rule, text, starts.from)
      if (finding) return finding
    }
    return undefined
  }

  /** The first finding of `rule` not allowed, running it over the text from `from`. */
  private run(rule: CompiledRule, text: string, from: number): SecretFinding | undefined {
    const {regex} = rule
    regex.lastIndex = from
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
    return undefined
  }

  /**
   * The same as `run` from 0, trying the rule only at `starts` (sorted; every match starts at one of them):
   * the matches, in the same order and the same ones as a run over the text (one starts where the previous
   * one ended, or later).
   */
  private runAt(rule: CompiledRule, text: string, starts: number[]): SecretFinding | undefined {
    if (starts.length === 0) return undefined
    if (starts.length * DENSE > text.length) return this.run(rule, text, starts[0]!)
    const {sticky} = rule
    let end = 0
    let previous = -1
    for (const start of starts) {
      if (start < end || start === previous) continue
      previous = start
      sticky.lastIndex = start
      const m = sticky.exec(text)
      if (m === null) continue
      const found = rule.hasSecretGroup ? (m.groups?.['secret'] ?? m[0]) : m[0]
      const finding = {rule: rule.id, title: rule.title}
      if (!this.allowed(finding, found)) return finding
      end = start + Math.max(m[0].length, 1)
    }
    return undefined
  }

  /**
   * Where the anchored rule's matches can start in the text, sorted (with repeats); or, when one of its words
   * occurs too often to be kept, where the first can.
   */
  private starts(
    rule: CompiledRule,
    text: string,
    positions: ReadonlyMap<string, number[]>,
    dense: ReadonlySet<string>,
    heads: Map<RegExp, number[]>,
  ): number[] | {from: number} {
    const {words, at, ignoreCase, head} = rule.anchor!
    const starts: number[] = []
    if (words.some((w) => dense.has(w.toLowerCase()))) {
      // One of its words is everywhere: the rule runs over the text from its first possible start.
      const first = Math.min(...words.map((w) => positions.get(w.toLowerCase())?.[0] ?? Infinity))
      return {from: Math.max(0, first - at[1])}
    }
    for (const word of words) {
      let found = positions.get(ignoreCase ? word : word.toLowerCase())
      if (!found) continue
      if (!ignoreCase) found = found.filter((p) => text.startsWith(word, p))
      else if (head) found = headsAt(head, text, found, heads)
      for (const p of found) for (let s = Math.max(0, p - at[1]); s <= p - at[0]; s++) starts.push(s)
    }
    if (words.length > 1 || at[0] !== at[1]) starts.sort((a, b) => a - b)
    return starts
  }

  /**
   * The rules whose keywords occur in the text, and where each anchor word occurs (every occurrence,
   * overlapping ones too): one pass of the keyword automaton. An anchor word seen more than `cap` times
   * ("key" in prose, `"type` in JSON) is `dense`: its rules run over the text from its first occurrence,
   * and its further occurrences are not kept.
   */
  private candidates(text: string): {
    rules: Set<CompiledRule>
    positions: Map<string, number[]>
    dense: Set<string>
  } {
    const rules = new Set<CompiledRule>()
    const positions = new Map<string, number[]>()
    const dense = new Set<string>()
    const cap = Math.max(1024, text.length / KEPT)
    const {words} = this.search!
    const seen = new Uint8Array(words.length)
    this.search!.forEach(text, (index, at) => {
      if (seen[index] === 0) {
        seen[index] = 1
        for (const rule of this.rulesOfWord[index]!) rules.add(rule)
      }
      if (!this.isAnchorWord[index]) return
      const word = words[index]!
      const list = positions.get(word)
      if (!list) positions.set(word, [at])
      else if (!dense.has(word) && list.push(at) > cap) dense.add(word)
    })
    return {rules, positions, dense}
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
