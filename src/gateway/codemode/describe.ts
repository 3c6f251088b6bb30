import type {Tool} from '@modelcontextprotocol/server'

/**
 * How a script sees a tool: `<namespace>.<function>`, both valid identifiers, and a one-line signature
 * for the tool's description. The model reads these lines instead of full JSON schemas: compact, and
 * in the language it writes.
 */

/** Words a namespace (a global) may not be: keywords and the globals a script relies on. */
const TAKEN_GLOBALS = new Set(
  (
    'break case catch class const continue debugger default delete do else enum export extends false ' +
    'finally for function if import in instanceof let new null return static super switch this throw ' +
    'true try typeof var void while with yield await implements interface package private protected ' +
    'public arguments eval undefined NaN Infinity globalThis console JSON Math Object Array Promise ' +
    'String Number Boolean Date Error TypeError RangeError Symbol Map Set WeakMap WeakSet RegExp ' +
    'BigInt Reflect Proxy Function parseInt parseFloat isNaN isFinite'
  ).split(' '),
)

/** A valid JavaScript identifier made from `name`, distinct from those already in `taken` (added to it). */
export function identifier(name: string, taken: Set<string>, global: boolean): string {
  let id = name.replace(/[^A-Za-z0-9_$]/g, '_')
  if (id === '' || /^[0-9]/.test(id)) id = `_${id}`
  if ((global && TAKEN_GLOBALS.has(id)) || id === '__proto__') id = `${id}_`
  let unique = id
  for (let i = 2; taken.has(unique); i++) unique = `${id}_${i}`
  taken.add(unique)
  return unique
}

type Schema = Record<string, unknown>

/** A JSON schema as a short TypeScript-like type: `{sides?: integer, unit: "cm"|"in"}`. */
export function schemaType(schema: unknown, depth = 0): string {
  if (!schema || typeof schema !== 'object') return 'any'
  const s = schema as Schema
  if (Array.isArray(s.enum)) return s.enum.map((v) => JSON.stringify(v)).join('|')
  if ('const' in s) return JSON.stringify(s.const)
  const union = (s.anyOf ?? s.oneOf) as unknown
  if (Array.isArray(union)) return union.map((u) => schemaType(u, depth)).join('|')
  const type = s.type
  if (Array.isArray(type)) return type.join('|')
  if (type === 'array') {
    const item = schemaType(s.items, depth)
    return item.includes('|') ? `(${item})[]` : `${item}[]`
  }
  if (type === 'object' || s.properties) {
    const props = s.properties as Record<string, unknown> | undefined
    if (!props || Object.keys(props).length === 0) return depth === 0 ? '{}' : 'object'
    if (depth >= 2) return 'object'
    const required = new Set(Array.isArray(s.required) ? (s.required as string[]) : [])
    const fields = Object.entries(props).map(
      ([k, v]) =>
        `${/^[A-Za-z_$][\w$]*$/.test(k) ? k : JSON.stringify(k)}${required.has(k) ? '' : '?'}: ${schemaType(v, depth + 1)}`,
    )
    return `{${fields.join(', ')}}`
  }
  return typeof type === 'string' ? type : 'any'
}

/** The first sentence or line of a description, short. */
export function summary(description: string | undefined, max = 120): string {
  if (!description) return ''
  const line = description.trim().split('\n')[0]!.trim()
  const sentence = /^(.+?[.!?])(\s|$)/.exec(line)?.[1] ?? line
  return sentence.length > max ? `${sentence.slice(0, max - 1)}…` : sentence
}

/** One line per function: `dice.roll_dice({sides?: integer}): Roll dice.` */
export function signature(ns: string, fn: string, tool: Tool): string {
  const about = summary(tool.description)
  return `${ns}.${fn}(${schemaType(tool.inputSchema)})${about ? `: ${about}` : ''}`
}
