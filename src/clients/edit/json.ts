import {
  applyEdits,
  createScanner,
  findNodeAtLocation,
  getNodeValue,
  modify,
  ParseErrorCode,
  parseTree,
  SyntaxKind,
  type Edit,
  type Node,
  type ParseError,
} from 'jsonc-parser'

import {FileFormatError} from '../../errors.js'
import {
  assertSameData,
  detectEol,
  indentOfLine,
  lineColumn,
  lineEndOf,
  lineStartOf,
  nextLineStart,
  reindent,
  sameData,
  splitBom,
  startsLine,
} from './text.js'

/**
 * Edits of JSON and JSONC client configs that change one property and leave every other byte alone.
 *
 * jsonc-parser's `modify` finds the right place for an edit, but with formatting options it also re-formats
 * the whole lines it touches (a sibling written on one line gets expanded), and without them it inserts
 * minified JSON. So `modify` is used as is only for one-line (minified) objects, where compact output is the
 * file's own style; in multi-line objects the edit is laid out here: the new property goes on its own lines
 * at the siblings' indentation, with the file's indent unit and EOL, keeping a trailing-comma style, and a
 * removal takes out exactly the lines of our property.
 */

export interface JsonEditOptions {
  /** Read as strict JSON (`JSON.parse`): comments and trailing commas are errors, and never written. */
  strict: boolean
  /** Top-level keys for a file we create from nothing (e.g. opencode's `$schema`). */
  skeleton?: Record<string, unknown>
}

const MESSAGES: Partial<Record<ParseErrorCode, string>> = {
  [ParseErrorCode.InvalidSymbol]: 'unexpected character',
  [ParseErrorCode.InvalidNumberFormat]: 'invalid number',
  [ParseErrorCode.PropertyNameExpected]: 'property name expected',
  [ParseErrorCode.ValueExpected]: 'value expected',
  [ParseErrorCode.ColonExpected]: 'colon expected',
  [ParseErrorCode.CommaExpected]: 'comma expected',
  [ParseErrorCode.CloseBraceExpected]: 'closing brace "}" expected',
  [ParseErrorCode.CloseBracketExpected]: 'closing bracket "]" expected',
  [ParseErrorCode.EndOfFileExpected]: 'end of file expected',
  [ParseErrorCode.InvalidCommentToken]: 'comments are not allowed',
  [ParseErrorCode.UnexpectedEndOfComment]: 'unterminated comment',
  [ParseErrorCode.UnexpectedEndOfString]: 'unterminated string',
  [ParseErrorCode.UnexpectedEndOfNumber]: 'unterminated number',
  [ParseErrorCode.InvalidUnicode]: 'invalid unicode escape',
  [ParseErrorCode.InvalidEscapeCharacter]: 'invalid escape character',
  [ParseErrorCode.InvalidCharacter]: 'invalid character in string',
}

interface ParsedJson {
  bom: string
  body: string
  /** Undefined for an empty (or comment-only) document. */
  root: Node | undefined
  data: Record<string, unknown> | undefined
}

/** Parse a JSON/JSONC config; a syntax error becomes a FileFormatError with line and column. */
export function parseJsonConfig(file: string, text: string, strict: boolean): ParsedJson {
  const {bom, body} = splitBom(text)
  const errors: ParseError[] = []
  const root = parseTree(body, errors, {
    allowTrailingComma: !strict,
    disallowComments: strict,
    allowEmptyContent: true,
  })
  const first = errors[0]
  if (first) {
    const detail = MESSAGES[first.error] ?? 'syntax error'
    const hint = strict ? ' (this file is read as strict JSON: no comments, no trailing commas)' : ''
    throw new FileFormatError(file, `invalid JSON: ${detail}${hint}`, lineColumn(body, first.offset))
  }
  if (root && root.type !== 'object')
    throw new FileFormatError(
      file,
      `expected a JSON object at the top level, found ${root.type === 'array' ? 'an array' : `a ${root.type}`}`,
      lineColumn(body, root.offset),
    )
  return {bom, body, root, data: root ? (getNodeValue(root) as Record<string, unknown>) : undefined}
}

/** The config's data (an empty object for an empty file). */
export function readJsonConfig(file: string, text: string, strict: boolean): Record<string, unknown> {
  return parseJsonConfig(file, text, strict).data ?? {}
}

function typeName(node: Node): string {
  return node.type === 'array' ? 'an array' : node.type === 'object' ? 'an object' : `a ${node.type}`
}

/** The file's indent unit: the step between an object's line and its first property, else 2 spaces. */
function indentUnit(body: string, root: Node | undefined): string {
  const probe = (node: Node | undefined): string | undefined => {
    const child = node?.children?.[0]
    if (!node || !child || !startsLine(body, child.offset)) return undefined
    const outer = indentOfLine(body, node.offset)
    const inner = indentOfLine(body, child.offset)
    return inner.startsWith(outer) && inner.length > outer.length ? inner.slice(outer.length) : undefined
  }
  const fromRoot = probe(root)
  if (fromRoot) return fromRoot
  const line = /^([ \t]+)["}\]]/m.exec(body)
  return line ? (line[1]!.startsWith('\t') ? '\t' : line[1]!) : '  '
}

/** One-line JSON in the style of `{"a": 1, "b": [2]}` when `spaced`, else minified. */
function compact(value: unknown, spaced: boolean): string {
  const comma = spaced ? ', ' : ','
  if (Array.isArray(value)) return `[${value.map((v) => compact(v, spaced)).join(comma)}]`
  if (value !== null && typeof value === 'object')
    return `{${Object.entries(value)
      .map(([k, v]) => JSON.stringify(k) + (spaced ? ': ' : ':') + compact(v, spaced))
      .join(comma)}}`
  return JSON.stringify(value)
}

/** Does a one-line object put spaces after its colons (`{"a": 1}`), or is it minified (`{"a":1}`)? */
function isSpaced(body: string, node: Node): boolean {
  return /:\s/.test(body.slice(node.offset, node.offset + node.length).replace(/"(?:[^"\\]|\\.)*"/g, '""'))
}

function isMultiline(body: string, node: Node): boolean {
  return body.slice(node.offset, node.offset + node.length).includes('\n')
}

/** Offset of the next token after `offset` (skipping blanks and comments), and its kind. */
function nextToken(body: string, offset: number): {kind: SyntaxKind; offset: number} {
  const scanner = createScanner(body, true)
  scanner.setPosition(offset)
  const kind = scanner.scan()
  return {kind, offset: scanner.getTokenOffset()}
}

interface Layout {
  body: string
  eol: string
  unit: string
}

function render(value: unknown, indent: string, layout: Layout): string {
  return reindent(JSON.stringify(value, null, layout.unit), indent, layout.eol)
}

/** Should a new property in `obj` be laid out on its own lines (else minified, as the object is)? */
function prettyIn(layout: Layout, obj: Node, isRoot: boolean): boolean {
  if (isMultiline(layout.body, obj)) return true
  if ((obj.children ?? []).length > 0) return false
  return isRoot || layout.body.trim().includes('\n')
}

/** Edits that add property `key: value` at the end of object `obj`. */
function insertProperty(layout: Layout, obj: Node, isRoot: boolean, path: string[], value: unknown): Edit[] {
  const {body, eol} = layout
  const key = path[path.length - 1]!
  const children = obj.children ?? []
  if (!prettyIn(layout, obj, isRoot)) {
    const spaced = isSpaced(body, obj)
    const property = compact(key, spaced) + (spaced ? ': ' : ':') + compact(value, spaced)
    const last = children[children.length - 1]
    return last
      ? [{offset: last.offset + last.length, content: (spaced ? ', ' : ',') + property, length: 0}]
      : [{offset: obj.offset + 1, length: obj.length - 2, content: property}]
  }
  const objIndent = indentOfLine(body, obj.offset)
  const first = children[0]
  const childIndent =
    first && startsLine(body, first.offset) ? indentOfLine(body, first.offset) : objIndent + layout.unit
  const property = `${JSON.stringify(key)}: ${render(value, childIndent, layout)}`
  const open = obj.offset + 1
  const close = obj.offset + obj.length - 1
  if (children.length === 0) {
    const inner = body.slice(open, close)
    // `{}` or `{ }`: open it up; `{\n  }` (or with a comment inside) already has its closing line.
    if (inner.includes('\n')) return [{offset: open, length: 0, content: eol + childIndent + property}]
    const content = eol + childIndent + property + eol + objIndent
    return inner.trim() === ''
      ? [{offset: open, length: inner.length, content}]
      : [{offset: open, length: 0, content}]
  }
  const last = children[children.length - 1]!
  const lastEnd = last.offset + last.length
  const next = nextToken(body, lastEnd)
  const trailingComma = next.kind === SyntaxKind.CommaToken
  const anchor = trailingComma ? next.offset + 1 : lastEnd
  // After the rest of the last property's line (its comment stays with it), unless the object closes there.
  const lineEnd = lineEndOf(body, anchor)
  if (close < lineEnd) {
    const edits: Edit[] = trailingComma ? [] : [{offset: lastEnd, length: 0, content: ','}]
    edits.push({
      offset: close,
      length: 0,
      content: eol + childIndent + property + (trailingComma ? ',' : '') + eol + objIndent,
    })
    return edits
  }
  const edits: Edit[] = trailingComma ? [] : [{offset: lastEnd, length: 0, content: ','}]
  edits.push({offset: lineEnd, length: 0, content: eol + childIndent + property + (trailingComma ? ',' : '')})
  return edits
}

/** Edits that remove property node `prop` (a child of `obj`), taking out exactly its lines. */
function removeProperty(layout: Layout, obj: Node, prop: Node, path: string[]): Edit[] {
  const {body} = layout
  const children = obj.children ?? []
  const index = children.indexOf(prop)
  const end = prop.offset + prop.length
  const next = nextToken(body, end)
  const commaAfter = next.kind === SyntaxKind.CommaToken ? next.offset : undefined
  const stop = commaAfter === undefined ? end : commaAfter + 1
  const restOfLine = body.slice(stop, lineEndOf(body, stop))
  const ownLines = startsLine(body, prop.offset) && /^\s*(\/\/.*|\/\*.*\*\/\s*)?$/.test(restOfLine)
  if (!ownLines) return modify(body, path, undefined, {})
  const from = lineStartOf(body, prop.offset)
  const to = nextLineStart(body, stop)
  if (children.length === 1) {
    // Our property was the only one: leave `{}` (as docker does), unless comments live in the object.
    const open = obj.offset + 1
    const close = obj.offset + obj.length - 1
    const rest = body.slice(open, from) + body.slice(to, close)
    if (rest.trim() === '') return [{offset: open, length: close - open, content: ''}]
    return [{offset: from, length: to - from, content: ''}]
  }
  const edits: Edit[] = [{offset: from, length: to - from, content: ''}]
  if (index === children.length - 1 && commaAfter === undefined) {
    // We were last without a trailing comma: the comma before us must go, or the file gains one.
    const previous = children[index - 1]!
    const comma = nextToken(body, previous.offset + previous.length)
    if (comma.kind === SyntaxKind.CommaToken) edits.push({offset: comma.offset, length: 1, content: ''})
  }
  return edits
}

function expectedAfter(
  data: Record<string, unknown> | undefined,
  container: readonly string[],
  name: string,
  entry: unknown,
): Record<string, unknown> {
  const out = structuredClone(data ?? {})
  let obj: Record<string, unknown> = out
  for (const key of container) {
    const child = obj[key]
    if (child === null || child === undefined || typeof child !== 'object') obj[key] = {}
    obj = obj[key] as Record<string, unknown>
  }
  if (entry === undefined) delete obj[name]
  else obj[name] = entry
  return out
}

/**
 * Set `<container>.<name>` to `entry` in a JSON/JSONC text; everything else stays byte for byte. Creates
 * the container (and a missing file's whole object) when needed. Returns the text unchanged when the entry
 * is already there with this value.
 */
export function setJsonEntry(
  file: string,
  text: string,
  container: readonly string[],
  name: string,
  entry: unknown,
  options: JsonEditOptions,
): string {
  const parsed = parseJsonConfig(file, text, options.strict)
  const {bom, body, root, data} = parsed
  const eol = detectEol(body)
  if (!root) {
    const value = expectedAfter(options.skeleton, container, name, entry)
    const rendered = JSON.stringify(value, null, 2).split('\n').join(eol) + eol
    // A comment-only JSONC file keeps its comments above the new object.
    const prefix = body.trim() === '' ? '' : body.endsWith('\n') ? body : body + eol
    const out = prefix + rendered
    assertSameData(file, parseJsonConfig(file, out, options.strict).data, value)
    return bom + out
  }
  const layout: Layout = {body, eol, unit: indentUnit(body, root)}
  const path = [...container, name]
  let obj = root
  let depth = 0
  let edits: Edit[] | undefined
  for (; depth < container.length; depth++) {
    const child = findNodeAtLocation(obj, [container[depth]!])
    if (!child) break
    if (child.type === 'null') {
      // `"mcpServers": null`: the client treats it as empty; replace the null with our object.
      const value = nest(container.slice(depth + 1), name, entry)
      const pretty = prettyIn(layout, obj, depth === 0)
      const content = pretty
        ? render(value, indentOfLine(body, child.offset), layout)
        : compact(value, isSpaced(body, obj))
      edits = [{offset: child.offset, length: child.length, content}]
      break
    }
    if (child.type !== 'object')
      throw new FileFormatError(
        file,
        `"${container.slice(0, depth + 1).join('.')}" should be an object of servers, but it is ${typeName(child)}: fix it by hand`,
        lineColumn(body, child.offset),
      )
    obj = child
  }
  if (!edits) {
    if (depth < container.length) {
      edits = insertProperty(
        layout,
        obj,
        depth === 0,
        path.slice(0, depth + 1),
        nest(container.slice(depth + 1), name, entry),
      )
    } else {
      const existing = findNodeAtLocation(obj, [name])
      if (existing && sameData(getNodeValue(existing), entry)) return text
      if (existing) {
        const prop = existing.parent!
        const pretty = isMultiline(body, obj)
        const content = pretty
          ? render(entry, indentOfLine(body, prop.offset), layout)
          : compact(entry, isSpaced(body, obj))
        edits = [{offset: existing.offset, length: existing.length, content}]
      } else {
        edits = insertProperty(layout, obj, container.length === 0, path, entry)
      }
    }
  }
  const out = applyEdits(body, edits)
  assertSameData(
    file,
    parseJsonConfig(file, out, options.strict).data,
    expectedAfter(data, container, name, entry),
  )
  return bom + out
}

function nest(keys: readonly string[], name: string, entry: unknown): unknown {
  let value: unknown = {[name]: entry}
  for (let i = keys.length - 1; i >= 0; i--) value = {[keys[i]!]: value}
  return value
}

/** Remove `<container>.<name>` from a JSON/JSONC text. A missing file, container or entry is a no-op. */
export function removeJsonEntry(
  file: string,
  text: string,
  container: readonly string[],
  name: string,
  options: JsonEditOptions,
): string {
  const {body, bom, root, data} = parseJsonConfig(file, text, options.strict)
  if (!root) return text
  const path = [...container, name]
  const existing = findNodeAtLocation(root, path)
  const obj = container.length === 0 ? root : findNodeAtLocation(root, [...container])
  if (!existing || !obj || obj.type !== 'object') return text
  const layout: Layout = {body, eol: detectEol(body), unit: indentUnit(body, root)}
  const out = applyEdits(body, removeProperty(layout, obj, existing.parent!, path))
  assertSameData(
    file,
    parseJsonConfig(file, out, options.strict).data,
    expectedAfter(data, container, name, undefined),
  )
  return bom + out
}
