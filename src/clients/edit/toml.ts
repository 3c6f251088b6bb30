import {parse, parseDocument, patch} from '@decimalturn/toml-patch'

import {FileFormatError} from '../../errors.js'
import {assertSameData, detectEol, sameData, splitBom} from './text.js'

/**
 * Edits of TOML client configs (Codex's `config.toml`) that change only our `[mcp_servers.MCP_DOCKER]`
 * table.
 *
 * `@decimalturn/toml-patch` keeps comments and layout when it applies a changed object, but it places a new
 * table as a dotted key under the root table (`mcp_servers.MCP_DOCKER = {…}` next to `model = …`), unlike
 * the `[mcp_servers.<name>]` sections Codex users write. So the usual case is spliced by hand: our section
 * is inserted after the last `[mcp_servers.*]` section (or at the end), replaced in place, or cut out with
 * the blank line that separated it. The parser's syntax tree (`TomlDocument.cst`, pinned version) gives the
 * exact lines. Other layouts (inline tables, dotted keys) go through `patch`. Every result is parsed again
 * and must hold exactly the expected data.
 */

interface Loc {
  start: {line: number; column: number}
  end: {line: number; column: number}
}
interface CstBlock {
  type: string
  loc: Loc
  key?: {item?: {value: string[]}}
  items?: CstBlock[]
}

type Table = Record<string, unknown>

function tomlError(file: string, err: unknown): FileFormatError {
  const e = err as Error & {line?: number; column?: number}
  const detail = e.message.split('\n').filter(Boolean).pop() ?? 'syntax error'
  return new FileFormatError(
    file,
    `invalid TOML: ${detail}`,
    typeof e.line === 'number' ? {line: e.line, column: (e.column ?? 0) + 1} : undefined,
  )
}

function parseToml(file: string, body: string): Table {
  try {
    return parse(body, {integersAsBigInt: 'asNeeded'}) as Table
  } catch (err) {
    throw tomlError(file, err)
  }
}

/** The config's data (an empty table for an empty file). */
export function readTomlConfig(file: string, text: string): Table {
  return parseToml(file, splitBom(text).body)
}

function isTable(value: unknown): value is Table {
  return value !== null && typeof value === 'object' && !Array.isArray(value) && !(value instanceof Date)
}

/** Walk to the container (creating tables when `create`), or undefined. */
function containerOf(data: Table, path: readonly string[], create: boolean): Table | undefined {
  let obj = data
  for (const key of path) {
    if (!isTable(obj[key])) {
      if (!create) return undefined
      obj[key] = {}
    }
    obj = obj[key] as Table
  }
  return obj
}

/** Our data for comparisons: an emptied container counts as absent (Codex does not care; docker drops it). */
function normalized(data: Table, path: readonly string[]): Table {
  const container = containerOf(data, path, false)
  if (container && Object.keys(container).length === 0 && path.length > 0) {
    const parent = containerOf(data, path.slice(0, -1), false)
    if (parent) delete parent[path[path.length - 1]!]
  }
  return data
}

const BARE_KEY = /^[A-Za-z0-9_-]+$/

function tomlKey(key: string): string {
  return BARE_KEY.test(key) ? key : tomlString(key)
}

function tomlString(value: string): string {
  // JSON's escapes are TOML's, except that TOML also forbids a raw DEL.
  return JSON.stringify(value).replace(/\x7f/g, '\\u007F')
}

function tomlValue(value: unknown): string {
  if (typeof value === 'string') return tomlString(value)
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint')
    return String(value)
  if (Array.isArray(value)) return `[${value.map(tomlValue).join(', ')}]`
  if (isTable(value)) {
    const items = Object.entries(value).map(([k, v]) => `${tomlKey(k)} = ${tomlValue(v)}`)
    return items.length ? `{ ${items.join(', ')} }` : '{}'
  }
  throw new Error(`cannot write ${String(value)} as TOML`)
}

/** `[a.b.NAME]` with one `key = value` line per field; nested tables are written inline. */
function renderSection(path: readonly string[], entry: Table, eol: string): string {
  const lines = [`[${path.map(tomlKey).join('.')}]`]
  for (const [k, v] of Object.entries(entry)) lines.push(`${tomlKey(k)} = ${tomlValue(v)}`)
  return lines.map((l) => l + eol).join('')
}

function startsWithPath(key: readonly string[], prefix: readonly string[]): boolean {
  return prefix.every((p, i) => key[i] === p)
}

/**
 * Lines (1-based, inclusive) a table block spans, up to its last key/value; with `comments`, also the
 * comment lines that directly follow it (no blank line between: they belong to this section, not the next).
 */
function tableSpan(block: CstBlock, comments = false): {first: number; last: number} {
  let last = block.loc.start.line
  for (const item of block.items ?? []) {
    if (item.type === 'KeyValue') last = Math.max(last, item.loc.end.line)
    else if (comments && item.type === 'Comment' && item.loc.start.line <= last + 1)
      last = Math.max(last, item.loc.end.line)
  }
  return {first: block.loc.start.line, last}
}

/** Offsets of the start of each line (index 0 = line 1), plus the end of the text. */
function lineOffsets(body: string): number[] {
  const out = [0]
  for (let i = 0; i < body.length; i++) if (body[i] === '\n') out.push(i + 1)
  if (out[out.length - 1] !== body.length) out.push(body.length)
  return out
}

interface Sections {
  blocks: CstBlock[]
  /** Our `[…container.name]` table and its sub-tables, when they are contiguous. */
  ours: {first: number; last: number} | undefined
  oursScattered: boolean
  /** The last table under the container (`[mcp_servers.*]` or `[mcp_servers]`). */
  lastOfContainer: {first: number; last: number} | undefined
}

function sections(body: string, container: readonly string[], name: string): Sections {
  const blocks = (parseDocument(body).cst as unknown as CstBlock[]).filter(
    (b) => b.type === 'Table' || b.type === 'TableArray',
  )
  const ourPath = [...container, name]
  const ourIdx = blocks.flatMap((b, i) => (startsWithPath(b.key?.item?.value ?? [], ourPath) ? [i] : []))
  const contiguous = ourIdx.every((v, i) => i === 0 || v === ourIdx[i - 1]! + 1)
  let ours: Sections['ours']
  if (ourIdx.length && contiguous)
    ours = {
      first: tableSpan(blocks[ourIdx[0]!]!).first,
      last: tableSpan(blocks[ourIdx[ourIdx.length - 1]!]!).last,
    }
  let lastOfContainer: Sections['lastOfContainer']
  for (const b of blocks)
    if (startsWithPath(b.key?.item?.value ?? [], container)) lastOfContainer = tableSpan(b, true)
  return {blocks, ours, oursScattered: ourIdx.length > 0 && !contiguous, lastOfContainer}
}

function spliceSet(
  body: string,
  container: readonly string[],
  name: string,
  entry: Table,
  eol: string,
): string | undefined {
  const s = sections(body, container, name)
  if (s.oursScattered) return undefined
  const offsets = lineOffsets(body)
  const lineStart = (line: number) => offsets[line - 1] ?? body.length
  const section = renderSection([...container, name], entry, eol)
  if (s.ours) return body.slice(0, lineStart(s.ours.first)) + section + body.slice(lineStart(s.ours.last + 1))
  if (s.lastOfContainer) {
    const at = lineStart(s.lastOfContainer.last + 1)
    const sep = at > 0 && body[at - 1] !== '\n' ? eol : ''
    return body.slice(0, at) + sep + eol + section + body.slice(at)
  }
  if (body.trim() === '') return section
  return body + (body.endsWith('\n') ? '' : eol) + eol + section
}

function spliceRemove(body: string, container: readonly string[], name: string): string | undefined {
  const s = sections(body, container, name)
  if (!s.ours) return undefined
  const offsets = lineOffsets(body)
  const lineStart = (line: number) => offsets[line - 1] ?? body.length
  let from = lineStart(s.ours.first)
  const to = lineStart(s.ours.last + 1)
  // The blank line that separated our section from the one before goes with it.
  if (s.ours.first > 1 && body.slice(lineStart(s.ours.first - 1), from).trim() === '')
    from = lineStart(s.ours.first - 1)
  return body.slice(0, from) + body.slice(to)
}

function finish(
  file: string,
  bom: string,
  body: string,
  spliced: string | undefined,
  expected: () => Table,
  container: readonly string[],
): string {
  if (spliced !== undefined) {
    try {
      if (sameData(normalized(parseToml(file, spliced), container), normalized(expected(), container)))
        return bom + spliced
    } catch {
      // An invalid splice (e.g. a section under an inline table) yields to the patcher below.
    }
  }
  let out: string
  try {
    out = patch(body, normalized(expected(), container))
  } catch (err) {
    throw new FileFormatError(file, `cannot update the TOML: ${(err as Error).message}`)
  }
  assertSameData(file, normalized(parseToml(file, out), container), normalized(expected(), container))
  return bom + out
}

/**
 * Set `[<container>.<name>]` to `entry` in a TOML text, keeping every other line. Returns the text
 * unchanged when the entry is already there with this value.
 */
export function setTomlEntry(
  file: string,
  text: string,
  container: readonly string[],
  name: string,
  entry: Table,
): string {
  const {bom, body} = splitBom(text)
  const data = parseToml(file, body)
  const existing = containerOf(data, container, false)?.[name]
  if (existing !== undefined && sameData(existing, entry)) return text
  const blocker = container.find((_, i) => {
    const value = containerOf(data, container.slice(0, i), false)?.[container[i]!]
    return value !== undefined && !isTable(value)
  })
  if (blocker !== undefined)
    throw new FileFormatError(file, `"${container.join('.')}" should be a table of servers: fix it by hand`)
  const expected = () => {
    const fresh = parseToml(file, body)
    containerOf(fresh, container, true)![name] = entry
    return fresh
  }
  return finish(
    file,
    bom,
    body,
    spliceSet(body, container, name, entry, detectEol(body)),
    expected,
    container,
  )
}

/** Remove `[<container>.<name>]`; an emptied container is dropped. No entry: no change. */
export function removeTomlEntry(
  file: string,
  text: string,
  container: readonly string[],
  name: string,
): string {
  const {bom, body} = splitBom(text)
  const data = parseToml(file, body)
  if (containerOf(data, container, false)?.[name] === undefined) return text
  const expected = () => {
    const fresh = parseToml(file, body)
    delete containerOf(fresh, container, false)![name]
    return fresh
  }
  return finish(file, bom, body, spliceRemove(body, container, name), expected, container)
}
