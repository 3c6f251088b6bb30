import {FileFormatError} from '../../errors.js'
import {readJsonConfig, removeJsonEntry, setJsonEntry} from './json.js'
import {readTomlConfig, removeTomlEntry, setTomlEntry} from './toml.js'
import {readYamlConfig, removeYamlEntry, setYamlEntry, type ContainerKind} from './yaml.js'

/**
 * Pure edits of client config files: text in, text out. One entry point per operation, dispatching on the
 * file format; the IO (read, backup, atomic write) lives in ../store.ts.
 */

/**
 * `json`: strict JSON (the client uses `JSON.parse`): comments and trailing commas are errors.
 * `jsonc`: JSON with comments and trailing commas tolerated (and kept). We never add either.
 */
export type ConfigFormat = 'json' | 'jsonc' | 'yaml' | 'toml'

export type {ContainerKind}

/** Where our entry lives in a config file, and how a new file starts. */
export interface ConfigTarget {
  format: ConfigFormat
  /** Keys from the root to the servers container, e.g. `['mcpServers']`. */
  container: readonly string[]
  /** `map`: servers keyed by name (almost everyone); `list`: items with a `name` field (Continue). */
  kind: ContainerKind
  /** Our entry's name (`MCP_DOCKER`). */
  name: string
  /** Top-level keys a file we create from nothing must have. */
  skeleton?: Record<string, unknown>
}

/** One server found in a config file. */
export interface ConfiguredServer {
  name: string
  value: unknown
}

function readData(file: string, text: string, target: ConfigTarget): Record<string, unknown> {
  switch (target.format) {
    case 'json':
    case 'jsonc':
      return readJsonConfig(file, text, target.format === 'json')
    case 'yaml':
      return readYamlConfig(file, text)
    case 'toml':
      return readTomlConfig(file, text)
  }
}

/**
 * Every server in the file's container, in file order. Throws a FileFormatError (with line and column
 * where the parser knows them) for a file that cannot be parsed or a container of the wrong type.
 */
export function readServers(file: string, text: string, target: ConfigTarget): ConfiguredServer[] {
  let value: unknown = readData(file, text, target)
  for (const key of target.container) {
    if (value === null || value === undefined) return []
    value = (value as Record<string, unknown>)[key]
  }
  if (value === null || value === undefined) return []
  if (target.kind === 'list') {
    if (!Array.isArray(value))
      throw new FileFormatError(file, `"${target.container.join('.')}" should be a list of servers`)
    return value.map((item, i) => ({
      name: item && typeof item === 'object' && typeof item.name === 'string' ? item.name : `#${i + 1}`,
      value: item,
    }))
  }
  if (typeof value !== 'object' || Array.isArray(value))
    throw new FileFormatError(file, `"${target.container.join('.')}" should be a map of servers by name`)
  return Object.entries(value as Record<string, unknown>).map(([name, v]) => ({name, value: v}))
}

/** Our entry as the file has it, or undefined. */
export function readOurEntry(file: string, text: string, target: ConfigTarget): unknown {
  return readServers(file, text, target).find((s) => s.name === target.name)?.value
}

/**
 * Put our entry into the text (added at the end of the container, or replaced in place). Returns the text
 * unchanged when it already holds this exact entry. `text` undefined means the file does not exist.
 */
export function setEntry(
  file: string,
  text: string | undefined,
  target: ConfigTarget,
  entry: object,
): string {
  const source = text ?? ''
  switch (target.format) {
    case 'json':
    case 'jsonc':
      return setJsonEntry(file, source, target.container, target.name, entry, {
        strict: target.format === 'json',
        ...(target.skeleton ? {skeleton: target.skeleton} : {}),
      })
    case 'yaml':
      return setYamlEntry(
        file,
        source,
        target.container,
        target.kind,
        target.name,
        entry,
        target.skeleton ? {skeleton: target.skeleton} : {},
      )
    case 'toml':
      return setTomlEntry(file, source, target.container, target.name, entry as Record<string, unknown>)
  }
}

/** Take our entry out of the text; no file, no container or no entry: unchanged. */
export function removeEntry(
  file: string,
  text: string | undefined,
  target: ConfigTarget,
): string | undefined {
  if (text === undefined) return undefined
  switch (target.format) {
    case 'json':
    case 'jsonc':
      return removeJsonEntry(file, text, target.container, target.name, {strict: target.format === 'json'})
    case 'yaml':
      return removeYamlEntry(file, text, target.container, target.kind, target.name)
    case 'toml':
      return removeTomlEntry(file, text, target.container, target.name)
  }
}
