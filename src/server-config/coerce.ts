import {parse as parseYaml} from 'yaml'

import {schemaType} from '../catalog/status.js'
import {DockerMcpError} from '../errors.js'

/** The part of a JSON schema that decides how a command-line string becomes a config value. */
export interface ValueSchema {
  type?: unknown
  items?: unknown
  enum?: unknown
}

const TRUE = new Set(['true', 'yes', 'on', '1'])
const FALSE = new Set(['false', 'no', 'off', '0'])

function invalid(label: string, expected: string, raw: unknown): DockerMcpError {
  return new DockerMcpError(`invalid value for ${label}: expected ${expected}, got ${JSON.stringify(raw)}`)
}

function parseFlow(label: string, raw: string, expected: string): unknown {
  try {
    return parseYaml(raw)
  } catch {
    throw invalid(label, expected, raw)
  }
}

/**
 * Turn a command-line string into a value of the type the server's config schema declares: integers,
 * numbers, booleans (`true/false/yes/no/on/off/1/0`), lists (`a,b` or `[a, b]`, items coerced by
 * `items`), mappings (`{k: v}`, JSON or YAML flow). Untyped properties keep the string. Enumerations are
 * checked after coercion. Pure; throws DockerMcpError naming `label`.
 */
export function coerceConfigValue(raw: unknown, schema: ValueSchema, label: string): unknown {
  const type = schemaType(schema as Record<string, unknown>)
  let value: unknown
  const text = typeof raw === 'string' ? raw : JSON.stringify(raw)
  switch (type) {
    case 'integer': {
      if (typeof raw === 'number' && Number.isInteger(raw)) value = raw
      else if (/^[-+]?\d+$/.test(text.trim())) value = Number(text.trim())
      else throw invalid(label, 'an integer', raw)
      if (!Number.isSafeInteger(value)) throw invalid(label, 'an integer', raw)
      break
    }
    case 'number': {
      const n = typeof raw === 'number' ? raw : text.trim() === '' ? NaN : Number(text.trim())
      if (!Number.isFinite(n)) throw invalid(label, 'a number', raw)
      value = n
      break
    }
    case 'boolean': {
      if (typeof raw === 'boolean') value = raw
      else if (TRUE.has(text.trim().toLowerCase())) value = true
      else if (FALSE.has(text.trim().toLowerCase())) value = false
      else throw invalid(label, 'true or false', raw)
      break
    }
    case 'array': {
      let items: unknown[]
      if (Array.isArray(raw)) items = raw
      else if (text.trim().startsWith('[')) {
        const parsed = parseFlow(label, text, 'a list such as [a, b]')
        if (!Array.isArray(parsed)) throw invalid(label, 'a list such as [a, b]', raw)
        items = parsed
      } else
        items = text
          .split(',')
          .map((s) => s.trim())
          .filter((s) => s !== '')
      const itemSchema = (schema.items && typeof schema.items === 'object' ? schema.items : {}) as ValueSchema
      value = items.map((item, i) => coerceConfigValue(item, itemSchema, `${label}[${i}]`))
      break
    }
    case 'object': {
      const parsed =
        raw !== null && typeof raw === 'object'
          ? raw
          : parseFlow(label, text, 'a mapping such as {key: value}')
      if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed))
        throw invalid(label, 'a mapping such as {key: value}', raw)
      value = parsed
      break
    }
    default:
      value = typeof raw === 'string' ? raw : raw === null || raw === undefined ? '' : String(raw)
      if (type === 'string' && typeof raw !== 'string') value = String(raw)
  }
  if (Array.isArray(schema.enum) && schema.enum.length > 0 && !schema.enum.some((e) => e === value)) {
    throw new DockerMcpError(
      `invalid value for ${label}: ${JSON.stringify(value)} is not one of ${schema.enum.map((e) => JSON.stringify(e)).join(', ')}`,
    )
  }
  return value
}
