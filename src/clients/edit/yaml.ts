import {
  isMap,
  isScalar,
  isSeq,
  LineCounter,
  parseDocument,
  stringify,
  type Document,
  type Node,
  type Pair,
  type YAMLMap,
  type YAMLSeq,
} from 'yaml'

import {FileFormatError} from '../../errors.js'
import {
  assertSameData,
  detectEol,
  lineEndOf,
  lineStartOf,
  nextLineStart,
  sameData,
  splitBom,
  startsLine,
} from './text.js'

/**
 * Edits of YAML client configs (Continue, Goose) that change only our entry.
 *
 * The `yaml` Document API keeps comments and key order, but it re-prints the whole document, which can
 * still move bytes we do not own (spacing before comments, quoting, flow layout). So the common layouts, a
 * block map or block list holding the servers, are edited by splicing text at the node ranges the parser
 * reports: our item is rendered with `yaml.stringify` at the container's indentation and inserted,
 * replaced or cut as whole lines. Anything more exotic (flow collections with items, odd keys) goes through
 * the Document API. Either way the result is parsed again and must hold exactly the expected data.
 */

export type ContainerKind = 'map' | 'list'

export interface YamlEditOptions {
  /** Top-level keys for a file we create from nothing (Continue requires name/version/schema). */
  skeleton?: Record<string, unknown>
}

interface ParsedYaml {
  bom: string
  body: string
  doc: Document.Parsed
  data: unknown
}

function parseYamlConfig(file: string, text: string): ParsedYaml {
  const {bom, body} = splitBom(text)
  const lineCounter = new LineCounter()
  const doc = parseDocument(body, {lineCounter, prettyErrors: false})
  const first = doc.errors[0]
  if (first) {
    const {line, col} = lineCounter.linePos(first.pos[0])
    throw new FileFormatError(file, `invalid YAML: ${first.message.split('\n')[0]}`, {line, column: col})
  }
  let data: unknown
  try {
    data = doc.toJS({maxAliasCount: 100})
  } catch (err) {
    throw new FileFormatError(file, `invalid YAML: ${(err as Error).message}`)
  }
  if (data !== null && data !== undefined && (typeof data !== 'object' || Array.isArray(data))) {
    const pos = lineCounter.linePos(doc.contents?.range?.[0] ?? 0)
    throw new FileFormatError(file, 'expected a mapping (key: value) at the top level', {
      line: pos.line,
      column: pos.col,
    })
  }
  return {bom, body, doc, data}
}

/** The config's data (an empty object for an empty file). */
export function readYamlConfig(file: string, text: string): Record<string, unknown> {
  return (parseYamlConfig(file, text).data as Record<string, unknown> | null) ?? {}
}

interface Style {
  /** Indent unit (spaces). */
  indent: number
  /** Are block sequences indented under their key (`key:\n  - a`) or not (`key:\n- a`)? */
  indentSeq: boolean
  eol: string
}

/** Detect the indent unit and sequence style from the first block that opens under a `key:` line. */
function detectStyle(body: string): Style {
  const lines = body.split(/\r?\n/)
  let indent: number | undefined
  let seqIndent: number | undefined
  let indentSeq: boolean | undefined
  let opener: {indent: number} | undefined
  for (const line of lines) {
    if (/^\s*(#.*)?$/.test(line)) continue
    const lead = /^ */.exec(line)![0].length
    if (opener) {
      const isSeq = /^ *-( |$)/.test(line)
      if (isSeq && indentSeq === undefined) {
        indentSeq = lead > opener.indent
        if (indentSeq) seqIndent = lead - opener.indent
      }
      if (!isSeq && indent === undefined && lead > opener.indent) indent = lead - opener.indent
      if (indent !== undefined && indentSeq !== undefined) break
    }
    const dash = /^ *-( +)/.exec(line)
    opener = /:\s*(#.*)?$/.test(line) ? {indent: dash ? dash[0].length : lead} : undefined
  }
  return {indent: indent ?? seqIndent ?? 2, indentSeq: indentSeq ?? true, eol: detectEol(body)}
}

/** Render `value` as block YAML lines indented by `indent` columns, each line ending with the EOL. */
function renderLines(value: unknown, indent: number, style: Style): string {
  const text = stringify(value, {indent: style.indent, indentSeq: style.indentSeq, lineWidth: 0})
  const pad = ' '.repeat(indent)
  return text
    .replace(/\n$/, '')
    .split('\n')
    .map((line) => pad + line + style.eol)
    .join('')
}

function column(body: string, offset: number): number {
  return offset - lineStartOf(body, offset)
}

/** Offset just past the last line of a node (block collections already end after their last newline). */
function endOfNode(body: string, node: Node): number {
  const end = node.range![1]
  return end > 0 && body[end - 1] === '\n' ? end : nextLineStart(body, end)
}

/** Offset of the `-` indicator of a block sequence item. */
function dashOf(body: string, item: Node): number | undefined {
  let i = item.range![0] - 1
  while (i >= 0 && /\s/.test(body[i]!)) i--
  return body[i] === '-' ? i : undefined
}

/** Start and end offsets of whole lines holding a container item, when it starts its own line. */
function itemLines(body: string, kind: ContainerKind, item: Pair | Node): [number, number] | undefined {
  if (kind === 'map') {
    const pair = item as Pair<Node, Node | null>
    const start = pair.key?.range?.[0]
    if (start === undefined || !startsLine(body, start)) return undefined
    const last = pair.value?.range ? pair.value : pair.key
    return [lineStartOf(body, start), endOfNode(body, last!)]
  }
  const node = item as Node
  const dash = dashOf(body, node)
  if (dash === undefined || !startsLine(body, dash) || !node.range) return undefined
  return [lineStartOf(body, dash), endOfNode(body, node)]
}

/** The column items of a block container start at: their key, or their `-`. */
function itemColumn(body: string, kind: ContainerKind, first: Pair | Node): number | undefined {
  const lines = itemLines(body, kind, first)
  if (!lines) return undefined
  const start = kind === 'map' ? (first as Pair<Node>).key.range![0] : dashOf(body, first as Node)!
  return column(body, start)
}

function findItem(
  container: YAMLMap | YAMLSeq,
  kind: ContainerKind,
  name: string,
): {index: number; item: Pair | Node} | undefined {
  const items = container.items as Array<Pair | Node>
  for (let index = 0; index < items.length; index++) {
    const item = items[index]!
    if (kind === 'map') {
      const key = (item as Pair).key
      if ((isScalar(key) ? key.value : key) === name) return {index, item}
    } else if (isMap(item) && item.get('name') === name) return {index, item}
  }
  return undefined
}

/**
 * Render our container item at column `indent`. List items copy the siblings' gap after the dash
 * (`-   name: x` in files indented by four).
 */
function renderItem(
  kind: ContainerKind,
  name: string,
  entry: unknown,
  indent: number,
  style: Style,
  dashGap = 2,
): string {
  const text = renderLines(kind === 'map' ? {[name]: entry} : [entry], indent, style)
  if (kind === 'map' || dashGap === 2) return text
  const pad = ' '.repeat(indent)
  const lines = text.split(style.eol)
  return lines
    .map((line, i) => {
      if (line === '') return line
      if (i === 0) return pad + '-' + ' '.repeat(dashGap - 1) + line.slice(indent + 2)
      return dashGap > 2 ? ' '.repeat(dashGap - 2) + line : line.slice(2 - dashGap)
    })
    .join(style.eol)
}

/** Columns between a list item's dash and its content (`- a` → 2), from the first item. */
function dashGapOf(body: string, first: Node): number {
  const dash = dashOf(body, first)
  const start = first.range?.[0]
  if (dash === undefined || start === undefined || body.slice(dash, start).includes('\n')) return 2
  return Math.max(1, start - dash)
}

interface Splice {
  at: number
  remove: number
  insert: string
}

function apply(body: string, s: Splice): string {
  return body.slice(0, s.at) + s.insert + body.slice(s.at + s.remove)
}

/** Where a block map's next pair goes and at which column, or undefined for flow or odd layouts. */
function appendToMap(body: string, map: YAMLMap): {at: number; column: number} | undefined {
  if (map.flow || map.items.length === 0) return undefined
  const first = map.items[0] as Pair
  const last = map.items[map.items.length - 1] as Pair
  const col = itemColumn(body, 'map', first)
  const lines = itemLines(body, 'map', last)
  if (col === undefined || !lines) return undefined
  return {at: lines[1], column: col}
}

/** `key:` with no value, `key: ~`, `key: null`, `key: {}` or `key: []`: an empty container to fill. */
function isEmptyValue(value: unknown): boolean {
  if (value === null || value === undefined) return true
  if (isScalar(value)) return value.value === null
  return (isMap(value) || isSeq(value)) && value.flow === true && value.items.length === 0
}

/** Splice edit that sets our item; undefined when the layout needs the Document API. */
function spliceSet(
  body: string,
  doc: Document.Parsed,
  path: readonly string[],
  kind: ContainerKind,
  name: string,
  entry: unknown,
  style: Style,
): Splice | undefined {
  const root = doc.contents
  if (!isMap(root)) return undefined
  let map: YAMLMap = root
  for (let depth = 0; depth < path.length; depth++) {
    const key = path[depth]!
    const pair = map.items.find((p) => (isScalar(p.key) ? p.key.value : p.key) === key) as
      Pair<Node, Node | null> | undefined
    const rest = path.slice(depth + 1)
    const containerValue = nestValue(rest, kind, name, entry)
    if (!pair) {
      const where = appendToMap(body, map)
      if (!where) return undefined
      const insert = renderLines({[key]: containerValue}, where.column, style)
      return {
        at: where.at,
        remove: 0,
        insert: (body[where.at - 1] === '\n' || where.at === 0 ? '' : style.eol) + insert,
      }
    }
    const value = pair.value
    if (isEmptyValue(value)) {
      // Drop the empty value (`~`, `{}`), keep a comment after it, and open a block below the key.
      const keyEnd = pair.key.range![1]
      const colon = body.indexOf(':', keyEnd)
      if (colon === -1 || !startsLine(body, pair.key.range![0])) return undefined
      const valueEnd = value?.range && value.range[1] > colon ? value.range[1] : colon + 1
      const lineEnd = lineEndOf(body, valueEnd)
      const tail = body.slice(valueEnd, lineEnd)
      const keyCol = column(body, pair.key.range![0])
      const childCol =
        kind === 'list' && rest.length === 0 && !style.indentSeq ? keyCol : keyCol + style.indent
      const block =
        rest.length === 0
          ? renderItem(kind, name, entry, childCol, style)
          : renderLines(containerValue, keyCol + style.indent, style)
      const hasEol = lineEnd < body.length
      return {
        at: colon + 1,
        remove: lineEnd - colon - 1 + (hasEol ? style.eol.length : 0),
        insert: (tail.trim() ? ' ' + tail.trim() : '') + style.eol + block,
      }
    }
    if (rest.length > 0) {
      if (!isMap(value)) return undefined
      map = value
      continue
    }
    // `value` is the container itself.
    const container = value
    if (kind === 'map' ? !isMap(container) : !isSeq(container)) return undefined
    const coll = container as YAMLMap | YAMLSeq
    if (coll.flow || coll.items.length === 0) return undefined
    const col = itemColumn(body, kind, coll.items[0] as Pair | Node)
    if (col === undefined) return undefined
    const gap = kind === 'list' ? dashGapOf(body, coll.items[0] as Node) : 2
    const found = findItem(coll, kind, name)
    if (found) {
      const lines = itemLines(body, kind, found.item)
      if (!lines) return undefined
      return {
        at: lines[0],
        remove: lines[1] - lines[0],
        insert: renderItem(kind, name, entry, col, style, gap),
      }
    }
    const lines = itemLines(body, kind, coll.items[coll.items.length - 1] as Pair | Node)
    if (!lines) return undefined
    const at = lines[1]
    const sep = at > 0 && body[at - 1] !== '\n' ? style.eol : ''
    return {at, remove: 0, insert: sep + renderItem(kind, name, entry, col, style, gap)}
  }
  return undefined
}

function nestValue(rest: readonly string[], kind: ContainerKind, name: string, entry: unknown): unknown {
  let value: unknown = kind === 'map' ? {[name]: entry} : [entry]
  for (let i = rest.length - 1; i >= 0; i--) value = {[rest[i]!]: value}
  return value
}

/** Check the type of the container at `path` (if any) before editing: a string where a list belongs is the user's to fix. */
function checkContainer(
  file: string,
  body: string,
  doc: Document.Parsed,
  path: readonly string[],
  kind: ContainerKind,
) {
  const node = doc.getIn(path, true) as Node | undefined
  if (node === undefined || isEmptyValue(node)) return
  if (kind === 'map' ? isMap(node) : isSeq(node)) return
  const offset = node.range?.[0] ?? 0
  const lc = new LineCounter()
  parseDocument(body, {lineCounter: lc})
  const {line, col} = lc.linePos(offset)
  throw new FileFormatError(
    file,
    `"${path.join('.')}" should be ${kind === 'map' ? 'a mapping of servers' : 'a list of servers'}: fix it by hand`,
    {line, column: col},
  )
}

function expectedAfter(
  data: unknown,
  path: readonly string[],
  kind: ContainerKind,
  name: string,
  entry: unknown,
): Record<string, unknown> {
  const out = structuredClone((data as Record<string, unknown> | null) ?? {})
  let obj: Record<string, unknown> = out
  for (let i = 0; i < path.length - 1; i++) {
    const key = path[i]!
    if (obj[key] === null || typeof obj[key] !== 'object') obj[key] = {}
    obj = obj[key] as Record<string, unknown>
  }
  const last = path[path.length - 1]!
  if (kind === 'map') {
    if (obj[last] === null || typeof obj[last] !== 'object') obj[last] = {}
    const map = obj[last] as Record<string, unknown>
    if (entry === undefined) delete map[name]
    else map[name] = entry
  } else {
    if (!Array.isArray(obj[last])) obj[last] = []
    const list = obj[last] as Array<Record<string, unknown>>
    const i = list.findIndex((item) => item && typeof item === 'object' && item.name === name)
    if (entry === undefined) {
      if (i !== -1) list.splice(i, 1)
    } else if (i === -1) list.push(entry as Record<string, unknown>)
    else list[i] = entry as Record<string, unknown>
  }
  return out
}

/** The fallback: edit through the Document API (keeps comments and order, re-prints the document). */
function documentEdit(
  body: string,
  path: readonly string[],
  kind: ContainerKind,
  name: string,
  entry: unknown,
  style: Style,
): string {
  const doc = parseDocument(body)
  const current = doc.getIn(path, true)
  if (current === undefined || isEmptyValue(current)) {
    if (entry === undefined) return body
    doc.setIn(path, doc.createNode(kind === 'map' ? {} : []))
  }
  const coll = doc.getIn(path, true) as YAMLMap | YAMLSeq
  const found = findItem(coll, kind, name)
  if (kind === 'map') {
    if (entry === undefined) coll.delete(name)
    else coll.set(name, doc.createNode(entry))
  } else if (entry === undefined) {
    if (found) coll.delete(found.index)
  } else if (found) coll.set(found.index, doc.createNode(entry))
  else (coll as YAMLSeq).add(doc.createNode(entry))
  const out = doc.toString({
    indent: style.indent,
    indentSeq: style.indentSeq,
    lineWidth: 0,
    flowCollectionPadding: false,
  })
  return style.eol === '\r\n' ? out.replace(/\r?\n/g, '\r\n') : out
}

function finish(
  file: string,
  bom: string,
  body: string,
  splice: Splice | undefined,
  fallback: () => string,
  expected: unknown,
): string {
  if (splice) {
    const out = apply(body, splice)
    // A splice that would not give the expected data (an unforeseen layout) yields to the Document API.
    if (sameData(readYamlConfig(file, out), expected)) return bom + out
  }
  const out = fallback()
  assertSameData(file, readYamlConfig(file, out), expected)
  return bom + out
}

/**
 * Set our entry in a YAML config: `path` leads to the container, a map keyed by `name` or a list of items
 * with a `name` field. Everything else is kept byte for byte in the usual layouts. Returns the text
 * unchanged when the entry is already there with this value.
 */
export function setYamlEntry(
  file: string,
  text: string,
  path: readonly string[],
  kind: ContainerKind,
  name: string,
  entry: unknown,
  options: YamlEditOptions = {},
): string {
  const {bom, body, doc, data} = parseYamlConfig(file, text)
  const style = detectStyle(body)
  if (data === null || data === undefined) {
    // Empty, or comments only: keep what is there and add the whole document below.
    const value = expectedAfter(options.skeleton ?? {}, path, kind, name, entry)
    const prefix = body.trim() === '' ? '' : body.endsWith('\n') ? body : body + style.eol
    const out = prefix + renderLines(value, 0, style)
    assertSameData(file, readYamlConfig(file, out), value)
    return bom + out
  }
  checkContainer(file, body, doc, path, kind)
  const expected = expectedAfter(data, path, kind, name, entry)
  if (sameData(data, expected)) return text
  return finish(
    file,
    bom,
    body,
    spliceSet(body, doc, path, kind, name, entry, style),
    () => documentEdit(body, path, kind, name, entry, style),
    expected,
  )
}

/** Remove our entry from a YAML config; a container we empty becomes `{}` / `[]`. No entry: no change. */
export function removeYamlEntry(
  file: string,
  text: string,
  path: readonly string[],
  kind: ContainerKind,
  name: string,
): string {
  const {bom, body, doc, data} = parseYamlConfig(file, text)
  if (data === null || data === undefined) return text
  const coll = doc.getIn(path, true)
  if (!(kind === 'map' ? isMap(coll) : isSeq(coll))) return text
  const found = findItem(coll as YAMLMap | YAMLSeq, kind, name)
  if (!found) return text
  const expected = expectedAfter(data, path, kind, name, undefined)
  return finish(
    file,
    bom,
    body,
    spliceRemove(body, doc, path, kind, coll as YAMLMap | YAMLSeq, found.item),
    () => documentEdit(body, path, kind, name, undefined, detectStyle(body)),
    expected,
  )
}

function spliceRemove(
  body: string,
  doc: Document.Parsed,
  path: readonly string[],
  kind: ContainerKind,
  coll: YAMLMap | YAMLSeq,
  item: Pair | Node,
): Splice | undefined {
  if (coll.flow) return undefined
  const lines = itemLines(body, kind, item)
  if (!lines) return undefined
  if (coll.items.length > 1) return {at: lines[0], remove: lines[1] - lines[0], insert: ''}
  // Our item was the only one: leave an empty `{}` / `[]` after the container's key (as docker does).
  const parentPath = path.slice(0, -1)
  const parent = parentPath.length === 0 ? doc.contents : doc.getIn(parentPath, true)
  if (!isMap(parent)) return undefined
  const pair = (parent as YAMLMap).items.find(
    (p) => (isScalar(p.key) ? p.key.value : p.key) === path[path.length - 1],
  ) as Pair<Node> | undefined
  if (!pair?.key.range) return undefined
  const colon = body.indexOf(':', pair.key.range[1])
  if (colon === -1 || colon > lines[0]) return undefined
  // Two splices (the item's lines, then ` {}` after the colon), merged into one since the colon comes first.
  const between = body.slice(colon + 1, lines[0])
  const insert = (kind === 'map' ? ' {}' : ' []') + between
  return {at: colon + 1, remove: lines[1] - colon - 1, insert}
}
