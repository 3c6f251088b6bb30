import {promises as fs} from 'node:fs'

import {
  isAlias,
  isMap,
  isNode,
  isScalar,
  isSeq,
  LineCounter,
  parseDocument,
  visit,
  YAMLError,
  Document as YamlDocument,
  type Document,
  type Node,
  type YAMLMap,
} from 'yaml'
import type * as z from 'zod'

import {FileFormatError} from '../errors.js'
import {writeFileAtomic, type WriteOptions} from '../fs/atomic.js'

/**
 * Files above this size are refused before they are read: a catalog is a few hundred KiB (Docker's own is
 * well under 2 MiB), so anything bigger is a mistake or an attack, and parsing it would stall every command.
 */
export const MAX_FILE_BYTES = 8 * 1024 * 1024

/** A parsed YAML (or JSON) file: the document keeps comments and layout for edits; `data` is plain JS. */
export interface YamlFile {
  file: string
  text: string
  doc: Document.Parsed
  lineCounter: LineCounter
  data: unknown
}

function mib(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`
}

/** Refuse oversize content with an error that names the file and the limit. */
export function checkSize(file: string, bytes: number): void {
  if (bytes > MAX_FILE_BYTES)
    throw new FileFormatError(
      file,
      `file is too large (${mib(bytes)}; the limit is ${mib(MAX_FILE_BYTES)}): is this really a catalog or configuration file?`,
    )
}

/**
 * Parse YAML text into a document plus plain data. Syntax errors, duplicate keys and alias bombs become a
 * FileFormatError naming the file, line and column.
 */
export function parseYaml(file: string, text: string): YamlFile {
  checkSize(file, Buffer.byteLength(text))
  const lineCounter = new LineCounter()
  // prettyErrors off: we format the position ourselves, without yaml's multi-line code excerpt.
  const doc = parseDocument(text, {lineCounter, prettyErrors: false, uniqueKeys: true, strict: true})
  const first = doc.errors[0]
  if (first) {
    const {line, col} = lineCounter.linePos(first.pos[0])
    throw new FileFormatError(file, `invalid YAML: ${yamlMessage(first)}`, {line, column: col})
  }
  let data: unknown
  try {
    // maxAliasCount bounds "billion laughs" documents (aliases of aliases of lists).
    data = doc.toJS({maxAliasCount: 100})
  } catch (err) {
    throw new FileFormatError(file, `invalid YAML: ${(err as Error).message}`)
  }
  return {file, text, doc, lineCounter, data}
}

function yamlMessage(err: YAMLError): string {
  if (err.code === 'DUPLICATE_KEY') return 'duplicate key (each key may appear only once in a mapping)'
  return err.message.replace(/\s+at line \d+, column \d+.*$/s, '')
}

/** Read and parse a YAML file, or `undefined` when it does not exist. The size is checked before reading. */
export async function readYamlFile(file: string): Promise<YamlFile | undefined> {
  let size: number
  try {
    const stat = await fs.stat(file)
    if (stat.isDirectory()) throw new FileFormatError(file, 'is a directory, expected a YAML file')
    size = stat.size
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined
    throw err
  }
  checkSize(file, size)
  const text = await fs.readFile(file, 'utf8')
  return parseYaml(file, text)
}

/**
 * A document as text, as close to how it was written as yaml allows: no re-wrapping of long lines, and
 * flow collections as `[a, b]` (the original's style, and what people type) rather than `[ a, b ]`.
 */
export function stringifyDoc(doc: Document): string {
  return doc.toString({lineWidth: 0, flowCollectionPadding: false})
}

/**
 * Write a document back. Only documents that parsed cleanly reach here, so nothing unreadable is overwritten.
 * Our files pass `{privateRoot: paths.mcpDir}` (0600 in 0700 directories).
 */
export async function writeYamlFile(file: string, doc: Document, options: WriteOptions = {}): Promise<void> {
  await writeFileAtomic(file, stringifyDoc(doc), options)
}

/**
 * Replace the value of a mapping pair, keeping the comments around the old value (`host: db # primary`
 * stays commented after `config set`).
 */
export function replaceValue(pair: {value: unknown}, node: Node): void {
  const old = pair.value
  if (isNode(old)) {
    if (old.comment && !node.comment) node.comment = old.comment
    if (old.commentBefore && !node.commentBefore) node.commentBefore = old.commentBefore
    if (old.spaceBefore) node.spaceBefore = old.spaceBefore
  }
  pair.value = node
}

/** `a.b[0]["x.y"]`: the way error messages name a place in a file. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = ''
  for (const seg of path) {
    if (typeof seg === 'number') out += `[${seg}]`
    else {
      const s = String(seg)
      out += /^[A-Za-z0-9_-]+$/.test(s) ? (out ? `.${s}` : s) : `[${JSON.stringify(s)}]`
    }
  }
  return out || '(top level)'
}

function keyText(key: unknown): string | undefined {
  if (isScalar(key)) return String(key.value)
  if (key === null || key === undefined) return undefined
  if (typeof key === 'object') return undefined
  return String(key)
}

/**
 * The line and column of the deepest node along `path` that exists in the document: for a mapping key, the
 * key itself (where a human looks for "field X"), for a list item the item.
 */
export function locate(
  y: Pick<YamlFile, 'doc' | 'lineCounter'>,
  path: readonly PropertyKey[],
): {line: number; column: number} {
  let node: unknown = y.doc.contents
  let offset = isNode(node) ? (node.range?.[0] ?? 0) : 0
  for (const seg of path) {
    if (isAlias(node)) node = node.resolve(y.doc)
    if (isMap(node)) {
      const pair = node.items.find((p) => keyText(p.key) === String(seg))
      if (!pair) break
      offset = isNode(pair.key) ? (pair.key.range?.[0] ?? offset) : offset
      node = pair.value
    } else if (isSeq(node) && typeof seg === 'number') {
      const item = node.items[seg]
      if (!isNode(item)) break
      offset = item.range?.[0] ?? offset
      node = item
    } else break
  }
  const {line, col} = y.lineCounter.linePos(offset)
  return {line, column: col}
}

function valueAt(data: unknown, path: readonly PropertyKey[]): unknown {
  let v = data
  for (const seg of path) {
    if (v === null || typeof v !== 'object') return undefined
    v = (v as Record<PropertyKey, unknown>)[seg as string]
  }
  return v
}

/** A short description of a value for "expected X, got Y". */
export function describeValue(v: unknown): string {
  if (v === null || v === undefined) return 'nothing (null)'
  if (Array.isArray(v)) return 'a list'
  if (typeof v === 'object') return 'a mapping'
  if (typeof v === 'string') return `the string ${JSON.stringify(v.length > 40 ? v.slice(0, 40) + '…' : v)}`
  if (typeof v === 'number') return `the number ${v}`
  if (typeof v === 'boolean') return `the boolean ${v}`
  return typeof v
}

const EXPECTED: Record<string, string> = {
  string: 'a string',
  number: 'a number',
  boolean: 'true or false',
  array: 'a list',
  object: 'a mapping',
  record: 'a mapping',
  map: 'a mapping',
  int: 'an integer',
}

type Issue = z.core.$ZodIssue

/** Turn one zod issue into "field: what was expected, what was found". */
export function describeIssue(issue: Issue, data: unknown): string {
  const path = issue.path as PropertyKey[]
  const actual = valueAt(data, path)
  const field = formatPath(path)
  switch (issue.code) {
    case 'invalid_type':
      if (actual === undefined) {
        const last = path[path.length - 1]
        const parent = formatPath(path.slice(0, -1))
        return `${parent}: missing required field "${String(last)}" (${EXPECTED[issue.expected] ?? issue.expected})`
      }
      return `${field}: expected ${EXPECTED[issue.expected] ?? issue.expected}, got ${describeValue(actual)}`
    case 'invalid_value':
      return `${field}: expected one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}, got ${describeValue(actual)}`
    case 'invalid_key':
      // The key itself is wrong (e.g. a server name); its value is beside the point.
      return `${field}: ${issue.issues[0]?.message ?? issue.message}`
    case 'unrecognized_keys':
      return `${field}: unknown field(s) ${issue.keys.map((k) => JSON.stringify(k)).join(', ')}`
    default:
      return `${field}: ${issue.message}${actual === undefined ? '' : `, got ${describeValue(actual)}`}`
  }
}

/**
 * Validate parsed data against a zod schema. On failure, throw a FileFormatError that names the file, the
 * line of the offending field, the field and what was expected. `prefix` is prepended to issue paths when
 * the data validated is a sub-tree of the document.
 */
export function validate<S extends z.ZodType>(
  y: Pick<YamlFile, 'file' | 'doc' | 'lineCounter'>,
  schema: S,
  data: unknown,
  prefix: readonly PropertyKey[] = [],
): z.output<S> {
  const result = schema.safeParse(data)
  if (result.success) return result.data
  const issues = result.error.issues.map((issue) => ({...issue, path: [...prefix, ...issue.path]}) as Issue)
  const located = issues
    .map((issue) => ({issue, pos: locate(y, issue.path as PropertyKey[])}))
    .sort((a, b) => a.pos.line - b.pos.line || a.pos.column - b.pos.column)
  const rootData = prefix.length ? wrap(prefix, data) : data
  // Every problem, by line: a file with several mistakes is fixed in one pass, not one run per mistake.
  throw FileFormatError.of(
    y.file,
    located.map(({issue, pos}) => ({detail: describeIssue(issue, rootData), position: pos})),
  )
}

function wrap(prefix: readonly PropertyKey[], data: unknown): unknown {
  let out = data
  for (let i = prefix.length - 1; i >= 0; i--) {
    const seg = prefix[i]!
    out = typeof seg === 'number' ? Object.assign([], {[seg]: out}) : {[seg as string]: out}
  }
  return out
}

/** The node at a key path, resolving aliases; undefined when absent. */
export function nodeAt(doc: Document, path: readonly PropertyKey[]): Node | undefined {
  let node: unknown = doc.contents
  for (const seg of path) {
    if (isAlias(node)) node = node.resolve(doc)
    if (isMap(node)) {
      const pair = node.items.find((p) => keyText(p.key) === String(seg))
      if (!pair) return undefined
      node = pair.value
    } else if (isSeq(node) && typeof seg === 'number') node = node.items[seg]
    else return undefined
  }
  return isNode(node) ? node : undefined
}

/**
 * Open a YAML mapping file for editing: the parsed document when the file exists (an unparseable file
 * throws, so it is never overwritten), else a new empty document.
 */
export async function openForEdit(file: string): Promise<YamlFile & {exists: boolean}> {
  const y = await readYamlFile(file)
  if (y) {
    const top = y.doc.contents
    if (top === null || (isScalar(top) && (top.value === null || top.value === '')))
      y.doc.contents = y.doc.createNode({}) as never
    else if (!isMap(top))
      throw new FileFormatError(
        file,
        `expected a mapping at the top level, got ${describeValue(y.data)}`,
        locate(y, []),
      )
    return {...y, exists: true}
  }
  const lineCounter = new LineCounter()
  const doc = new YamlDocument({}) as Document.Parsed
  return {file, text: '', doc, lineCounter, data: {}, exists: false}
}

/**
 * The mapping at `path` in an editable document, created when absent or null. Refuses (with the line) to
 * replace anything else: a user's list or string is never silently turned into a mapping.
 */
export function ensureMapAt(
  y: Pick<YamlFile, 'file' | 'doc' | 'lineCounter'>,
  path: readonly string[],
): YAMLMap {
  let node = y.doc.contents as unknown
  if (!isMap(node)) throw new FileFormatError(y.file, 'expected a mapping at the top level', locate(y, []))
  for (let i = 0; i < path.length; i++) {
    const seg = path[i]!
    const map = node as YAMLMap
    const pair = map.items.find((p) => keyText(p.key) === seg)
    if (!pair) {
      const created = y.doc.createNode({}) as YAMLMap
      map.add(y.doc.createPair(seg, created))
      node = created
      continue
    }
    const value = pair.value
    if (value === null || (isScalar(value) && value.value === null)) {
      const created = y.doc.createNode({}) as YAMLMap
      if (isScalar(value) && value.comment) created.comment = value.comment
      pair.value = created
      node = created
      continue
    }
    if (!isMap(value)) {
      const at = path.slice(0, i + 1)
      const what = isAlias(value)
        ? 'an alias (edit this file by hand)'
        : describeValue(valueAt(y.doc.toJS(), at))
      throw new FileFormatError(y.file, `${formatPath(at)}: expected a mapping, got ${what}`, locate(y, at))
    }
    node = value
  }
  const result = node as YAMLMap
  // `registry: {}` parses as a flow map; once it has entries, block style reads like the rest of the file.
  if (result.flow && result.items.length === 0) result.flow = false
  return result
}

/** Make an empty document a mapping; refuse (line 1) one whose top level is anything else. */
export function ensureTopMap(doc: Document, file: string): void {
  if (doc.contents === null) doc.contents = doc.createNode({}) as never
  if (!isMap(doc.contents)) throw new FileFormatError(file, 'expected a mapping at the top level', {line: 1})
}

/** Does this subtree use an alias (`*name`)? Such a node cannot be moved to another document as is. */
export function hasAlias(node: Node): boolean {
  let found = false
  visit(node, {
    Alias: () => {
      found = true
      return visit.BREAK
    },
  })
  return found
}

/** Find a key's pair in a mapping node (string comparison, as data keys are strings). */
export function findPair(map: YAMLMap, key: string) {
  return map.items.find((p) => keyText(p.key) === key)
}
