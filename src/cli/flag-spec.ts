/**
 * A command's flags as plain data. oclif builds its parser, help and manifest from them (`toOclifFlags`),
 * and a hot command can also be parsed without loading oclif at all (`parseFlagsFast`): one definition,
 * two parsers that must agree, and the fast one declines whatever it is not sure about.
 */
export interface FlagSpec {
  type: 'string' | 'boolean' | 'integer'
  description: string
  multiple?: boolean
  default?: string | boolean | number
  /** Booleans: accept `--no-<name>`. */
  allowNo?: boolean
  /** Strings: the accepted values. */
  options?: readonly string[]
  /** Integers: inclusive bounds. */
  min?: number
  max?: number
}

type Scalar<S extends FlagSpec> = S['type'] extends 'boolean'
  ? boolean
  : S['type'] extends 'integer'
    ? number
    : string

/** The parsed values of a flag table, typed like oclif's own `flags` result. */
export type FlagValues<T extends Record<string, FlagSpec>> = {
  [K in keyof T]: T[K] extends {multiple: true}
    ? Array<Scalar<T[K]>> | undefined
    : T[K] extends {default: unknown} | {type: 'boolean'}
      ? Scalar<T[K]>
      : Scalar<T[K]> | undefined
}

/**
 * Docker's CLI (cobra) takes a value for a boolean flag, and users of the original write
 * `--block-secrets=false`, `--log-calls=false`. Rewrite those for the table's booleans, as both our parsers
 * read them: `--x=true` as `--x`, `--x=false` as `--no-x` (or nothing, for a flag that is false unless
 * given). Values strconv.ParseBool takes: true/false, t/f, 1/0, any case. Anything else is left for the
 * parser to refuse.
 */
export function booleanAssignments(argv: readonly string[], table: Record<string, FlagSpec>): string[] {
  const out: string[] = []
  for (let i = 0; i < argv.length; i++) {
    const word = argv[i]!
    if (word === '--') return [...out, ...argv.slice(i)]
    const m = /^--([^=]+)=(.*)$/.exec(word)
    const spec = m && Object.hasOwn(table, m[1]!) ? table[m[1]!] : undefined
    const value = m && spec?.type === 'boolean' ? /^(?:(true|t|1)|(false|f|0))$/i.exec(m[2]!) : null
    if (!m || !value) out.push(word)
    else if (value[1]) out.push(`--${m[1]}`)
    else if (spec!.allowNo) out.push(`--no-${m[1]}`)
  }
  return out
}

/**
 * Parse argv (flags only, no positional arguments) against a table, or return undefined when oclif
 * should parse it instead: help, an unknown flag, a bad value, anything unusual. The fast path never
 * reports a usage error of its own, so errors read the same whichever parser ran.
 */
export function parseFlagsFast<T extends Record<string, FlagSpec>>(
  argv: readonly string[],
  table: T,
): FlagValues<T> | undefined {
  const values: Record<string, unknown> = {}
  argv = booleanAssignments(argv, table)
  for (let i = 0; i < argv.length; i++) {
    const word = argv[i]!
    if (!word.startsWith('--') || word === '--') return undefined
    const eq = word.indexOf('=')
    const name = word.slice(2, eq === -1 ? undefined : eq)
    let spec: FlagSpec | undefined = Object.hasOwn(table, name) ? table[name] : undefined
    if (spec?.type === 'boolean') {
      if (eq !== -1) return undefined
      values[name] = true
      continue
    }
    if (!spec && name.startsWith('no-')) {
      const positive = name.slice(3)
      spec = Object.hasOwn(table, positive) ? table[positive] : undefined
      if (spec?.type !== 'boolean' || !spec.allowNo || eq !== -1) return undefined
      values[positive] = false
      continue
    }
    if (!spec) return undefined
    const raw = eq === -1 ? argv[++i] : word.slice(eq + 1)
    if (raw === undefined || raw === '' || raw.startsWith('-')) return undefined
    let value: string | number = raw
    if (spec.type === 'integer') {
      if (!/^-?\d+$/.test(raw)) return undefined
      value = Number(raw)
      if ((spec.min !== undefined && value < spec.min) || (spec.max !== undefined && value > spec.max))
        return undefined
    } else if (spec.options && !spec.options.includes(raw)) {
      return undefined
    }
    if (spec.multiple) ((values[name] as unknown[] | undefined) ?? (values[name] = [])).push(value)
    else if (Object.hasOwn(values, name)) return undefined
    else values[name] = value
  }
  for (const [name, spec] of Object.entries(table)) {
    if (Object.hasOwn(values, name)) continue
    if (spec.default !== undefined) values[name] = spec.default
    else if (spec.type === 'boolean') values[name] = false
  }
  return values as FlagValues<T>
}
