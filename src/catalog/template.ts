/**
 * Catalog templates (`command`, `env` values, `volumes`, `user`): literal text mixed with
 * `{{path|fn|fn:arg}}` placeholders, where `path` is a dotted lookup into the config map (config.yaml,
 * `{{filesystem.paths}}` → `config.filesystem.paths`). The one parser and evaluator; pure, no IO.
 *
 * Functions (as docker/mcp-gateway `pkg/eval`):
 *  - `volume`         `x` → `x:x` (a Windows host path gets a POSIX target: `C:\src` → `C:\src:/C/src`)
 *  - `volume-target`  `x` → the container side of `volume` (`x`, or `/C/src`)
 *  - `into`           a value → a list (lists already expand; kept for catalogs written for the original)
 *  - `first`, `last`  first / last element of a list
 *  - `or:<default>`   the default when the value is empty; `or:[a,b]` gives a list
 *  - `mount_as:<target[:mode]>`  `x` → `x:<target[:mode]>`; an empty value stays empty
 * Functions map over lists element by element.
 *
 * Results: every combination of placeholder values with the literal text, empty strings dropped. So a list
 * value expands to several arguments/volumes, and a missing value yields `[]` rather than an empty
 * argument or the `-v :/target` the original produced (docker/mcp-gateway#92). Differences from the
 * original: lists inside literal text expand (`--path={{fs.paths}}` → one `--path=` per element) instead of
 * being printed as `[a b]`; an unknown function is a syntax error instead of being ignored.
 */

import {DockerMcpError} from '../errors.js'

export type TemplateValue = string | string[]

/**
 * At most this many values from one expression. Results are every combination of the placeholders' list
 * values, so a catalog repeating a list placeholder multiplies out: five `{{x.paths}}` over a 20-item list
 * are 20^5 = 3.2 M strings, enough to stall the gateway and exhaust its memory. No real command, volume
 * list or env value needs more than a few dozen; 1024 leaves room for long path lists.
 */
export const MAX_TEMPLATE_VALUES = 1024
/**
 * At most this many characters in all values of one expression together (1 MiB): Linux refuses a single
 * argument over 128 KiB anyway, and a long config value repeated in many placeholders grows the same way.
 */
export const MAX_TEMPLATE_CHARS = 1024 * 1024

/** The fields of a catalog entry that hold templates (structural, so any entry-like object fits). */
export interface TemplatedFields {
  command?: readonly string[] | undefined
  env?: ReadonlyArray<{name: string; value?: string | undefined}> | undefined
  volumes?: readonly string[] | undefined
  user?: string | undefined
}

/** Where an expression comes from, for errors: the server and the field (`command[2]`, `env FOO`). */
export interface TemplateSite {
  server: string
  field: string
}

export interface TemplateFunction {
  name: string
  arg?: string
}

export type TemplatePart =
  | {kind: 'text'; text: string}
  | {kind: 'placeholder'; raw: string; path: string[]; functions: TemplateFunction[]}

export class TemplateSyntaxError extends Error {
  constructor(
    readonly expression: string,
    detail: string,
  ) {
    super(`invalid template ${JSON.stringify(expression)}: ${detail}`)
    this.name = 'TemplateSyntaxError'
  }
}

/** A template whose expansion exceeds MAX_TEMPLATE_VALUES or MAX_TEMPLATE_CHARS: refused, not truncated. */
export class TemplateExpansionError extends DockerMcpError {
  constructor(
    readonly expression: string,
    readonly site: TemplateSite | undefined,
    detail: string,
  ) {
    const where = site ? `server "${site.server}", ${site.field}: ` : ''
    super(`${where}the template ${JSON.stringify(expression)} ${detail}`, {
      suggestions: [
        'A catalog entry should use a list placeholder once per value (e.g. one {{server.paths|volume}} per volume); fix the catalog entry, or shorten the configured list (docker mcp config set).',
      ],
    })
    this.name = 'TemplateExpansionError'
  }
}

/** Functions and whether they take an argument after `:`. */
const FUNCTIONS: Record<string, 'none' | 'required'> = {
  volume: 'none',
  'volume-target': 'none',
  into: 'none',
  safe: 'none',
  first: 'none',
  last: 'none',
  or: 'required',
  mount_as: 'required',
}
const FUNCTION_LIST = 'volume, volume-target, into, first, last, or:<default>, mount_as:<target>'

/** Does this string contain a placeholder at all? */
export function isTemplate(expr: string): boolean {
  return expr.includes('{{')
}

/** Split an expression into literal text and placeholders; throws TemplateSyntaxError. */
export function parseTemplate(expr: string): TemplatePart[] {
  const parts: TemplatePart[] = []
  let i = 0
  while (i < expr.length) {
    const open = expr.indexOf('{{', i)
    if (open < 0) {
      parts.push({kind: 'text', text: expr.slice(i)})
      break
    }
    if (open > i) parts.push({kind: 'text', text: expr.slice(i, open)})
    const close = expr.indexOf('}}', open + 2)
    if (close < 0) throw new TemplateSyntaxError(expr, `"{{" at offset ${open} is never closed with "}}"`)
    const inner = expr.slice(open + 2, close)
    if (inner.includes('{{')) throw new TemplateSyntaxError(expr, 'placeholders cannot be nested')
    parts.push(parsePlaceholder(expr, inner))
    i = close + 2
  }
  return parts
}

function parsePlaceholder(expr: string, inner: string): TemplatePart {
  const [rawPath = '', ...rawFns] = inner.split('|')
  const pathText = rawPath.trim()
  if (pathText === '')
    throw new TemplateSyntaxError(expr, 'a placeholder needs a config path, as {{server.key}}')
  const path = pathText.split('.').map((s) => s.trim())
  if (path.some((s) => s === ''))
    throw new TemplateSyntaxError(expr, `"${pathText}" is not a valid path (empty segment)`)
  const functions = rawFns.map((raw): TemplateFunction => {
    const text = raw.trim()
    const colon = text.indexOf(':')
    const name = colon < 0 ? text : text.slice(0, colon).trim()
    const kind = FUNCTIONS[name]
    if (kind === undefined)
      throw new TemplateSyntaxError(expr, `unknown function "${name}" (known: ${FUNCTION_LIST})`)
    if (kind === 'required') {
      if (colon < 0) throw new TemplateSyntaxError(expr, `"${name}" needs an argument, as ${name}:<value>`)
      return {name, arg: text.slice(colon + 1).trim()}
    }
    if (colon >= 0) throw new TemplateSyntaxError(expr, `"${name}" takes no argument`)
    return {name}
  })
  return {kind: 'placeholder', raw: `{{${inner}}}`, path, functions}
}

/** The dotted config paths an expression reads (e.g. `["filesystem.paths"]`). */
export function templateReferences(expr: string): string[] {
  return parseTemplate(expr).flatMap((p) => (p.kind === 'placeholder' ? [p.path.join('.')] : []))
}

function own(obj: unknown, key: string): obj is Record<string, unknown> {
  return obj !== null && typeof obj === 'object' && !Array.isArray(obj) && Object.hasOwn(obj, key)
}

/**
 * Dotted lookup. At each level the longest run of segments that is a key wins, so config keys that contain
 * dots (`{{com.example.url}}` with a top-level key `com.example`) resolve too; at the top level `a.b` is
 * also tried as `a_b` (the gateway's canonical form of server names with dots). Only own properties are
 * read: `{{__proto__.x}}` finds nothing.
 */
export function lookup(path: readonly string[], config: Record<string, unknown>): unknown {
  let current: unknown = config
  let i = 0
  while (i < path.length) {
    let next = -1
    for (let j = path.length; j > i; j--) {
      const key = path.slice(i, j).join('.')
      if (own(current, key)) {
        next = j
        current = current[key]
        break
      }
      if (i === 0 && j - i > 1 && own(current, key.replaceAll('.', '_'))) {
        next = j
        current = current[key.replaceAll('.', '_')]
        break
      }
    }
    if (next < 0) return undefined
    i = next
  }
  return current
}

function scalarText(v: unknown): string {
  if (v === null || v === undefined) return ''
  if (typeof v === 'string') return v
  if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint') return String(v)
  if (v instanceof Date) return v.toISOString()
  return JSON.stringify(v)
}

/** A config value as a template value: lists stay lists (of text), everything else becomes text. */
export function toTemplateValue(v: unknown): TemplateValue {
  if (Array.isArray(v)) return v.map(scalarText)
  return scalarText(v)
}

function isEmpty(v: TemplateValue): boolean {
  return Array.isArray(v) ? v.every((x) => x === '') : v === ''
}

function mapValue(v: TemplateValue, fn: (x: string) => string): TemplateValue {
  return Array.isArray(v) ? v.map((x) => (x === '' ? '' : fn(x))) : v === '' ? '' : fn(v)
}

const WINDOWS_PATH = /^([A-Za-z]):[\\/]/

/** Where a host path is mounted in the (Linux) container: itself, or a POSIX form of a Windows path. */
export function volumeTarget(hostPath: string): string {
  const m = WINDOWS_PATH.exec(hostPath)
  if (!m) return hostPath
  return `/${m[1]}/${hostPath.slice(3).replaceAll('\\', '/')}`.replace(/\/+$/, '') || '/'
}

function parseOrArg(arg: string): TemplateValue {
  if (arg.startsWith('[') && arg.endsWith(']')) {
    const inner = arg.slice(1, -1).trim()
    return inner === '' ? [] : inner.split(',').map((s) => s.trim())
  }
  return arg
}

function apply(value: TemplateValue, fn: TemplateFunction): TemplateValue {
  switch (fn.name) {
    case 'volume':
      return mapValue(value, (x) => `${x}:${volumeTarget(x)}`)
    case 'volume-target':
      return mapValue(value, volumeTarget)
    case 'into':
      return Array.isArray(value) ? value : value === '' ? [] : [value]
    case 'safe':
      return value
    case 'first':
      return Array.isArray(value) ? (value[0] ?? '') : value
    case 'last':
      return Array.isArray(value) ? (value[value.length - 1] ?? '') : value
    case 'or':
      return isEmpty(value) ? parseOrArg(fn.arg ?? '') : value
    case 'mount_as':
      return mapValue(value, (x) => `${x}:${fn.arg}`)
    default:
      throw new Error(`unknown template function ${fn.name}`)
  }
}

/** Evaluate one placeholder to a value (before combining with the literal text). */
export function evaluatePlaceholder(
  part: Extract<TemplatePart, {kind: 'placeholder'}>,
  config: Record<string, unknown>,
): TemplateValue {
  let value = toTemplateValue(lookup(part.path, config))
  for (const fn of part.functions) value = apply(value, fn)
  return value
}

/**
 * Evaluate an expression against the config map. Returns every combination of the placeholder values with
 * the literal text, empty strings dropped: `[]` when the value is missing or empty; list values expand.
 * Throws TemplateSyntaxError for a malformed expression (catalogs are checked at load time, so the gateway
 * only meets valid ones).
 */
export function evaluateTemplate(
  expr: string,
  config: Record<string, unknown>,
  site?: TemplateSite,
): string[] {
  let results = ['']
  // Total characters of `results`, kept as they grow, so the caps are checked before anything is built.
  let chars = 0
  const tooBig = (detail: string) => new TemplateExpansionError(expr, site, detail)
  for (const part of parseTemplate(expr)) {
    if (part.kind === 'text') {
      chars += results.length * part.text.length
      if (chars > MAX_TEMPLATE_CHARS) throw tooBig(`expands to more than ${MAX_TEMPLATE_CHARS} characters`)
      results = results.map((r) => r + part.text)
      continue
    }
    const value = evaluatePlaceholder(part, config)
    const options = Array.isArray(value) ? value.filter((x) => x !== '') : [value]
    const count = results.length * options.length
    if (count > MAX_TEMPLATE_VALUES)
      throw tooBig(
        `expands to ${count > 1e6 ? 'millions of' : `at least ${count}`} values (the limit is ${MAX_TEMPLATE_VALUES}): list placeholders multiply`,
      )
    const optionChars = options.reduce((n, o) => n + o.length, 0)
    chars = chars * options.length + optionChars * results.length
    if (chars > MAX_TEMPLATE_CHARS) throw tooBig(`expands to more than ${MAX_TEMPLATE_CHARS} characters`)
    results = results.flatMap((r) => options.map((o) => r + o))
  }
  return results.filter((r) => r !== '')
}

/** The field of `entry` that holds `expr`, as errors name it: `command[1]`, `env FOO`, `volumes[0]`, `user`. */
export function templateField(entry: TemplatedFields, expr: string): string {
  const i = (entry.command ?? []).indexOf(expr)
  if (i >= 0) return `command[${i}]`
  const env = (entry.env ?? []).find((e) => e.value === expr)
  if (env) return `env ${env.name}`
  const v = (entry.volumes ?? []).indexOf(expr)
  if (v >= 0) return `volumes[${v}]`
  if (entry.user === expr) return 'user'
  return 'a template'
}

/**
 * The evaluator the gateway hands to the container spec for one server: `evaluateTemplate` with the
 * server's config, whose errors name the server and the field the expression came from.
 */
export function templateEvaluator(
  server: string,
  entry: TemplatedFields,
  config: Record<string, unknown>,
): (expr: string) => string[] {
  return (expr) => evaluateTemplate(expr, config, {server, field: templateField(entry, expr)})
}
