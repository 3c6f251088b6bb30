import {isDeepStrictEqual} from 'node:util'

import {FileFormatError} from '../../errors.js'

/**
 * Text-level helpers shared by the JSON, YAML and TOML editors: every editor works on the body of a file
 * without its byte-order mark and puts the mark back, and writes new lines in the file's own EOL style.
 */

const BOM = '\uFEFF'

/** Split a leading UTF-8 byte-order mark from the text (Windows editors like to add one). */
export function splitBom(text: string): {bom: string; body: string} {
  return text.startsWith(BOM) ? {bom: BOM, body: text.slice(1)} : {bom: '', body: text}
}

/** The file's line ending: CRLF when the first line break is one, else LF (also for one-line files). */
export function detectEol(text: string): '\n' | '\r\n' {
  const i = text.indexOf('\n')
  return i > 0 && text[i - 1] === '\r' ? '\r\n' : '\n'
}

/** 1-based line and column of a 0-based offset. */
export function lineColumn(text: string, offset: number): {line: number; column: number} {
  let line = 1
  let lineStart = 0
  for (let i = 0; i < offset && i < text.length; i++) {
    if (text[i] === '\n') {
      line++
      lineStart = i + 1
    }
  }
  return {line, column: offset - lineStart + 1}
}

/** Offset of the start of the line holding `offset`. */
export function lineStartOf(text: string, offset: number): number {
  const i = text.lastIndexOf('\n', offset - 1)
  return i === -1 ? 0 : i + 1
}

/** Offset just past the line break ending the line that holds `offset` (or the end of the text). */
export function nextLineStart(text: string, offset: number): number {
  const i = text.indexOf('\n', offset)
  return i === -1 ? text.length : i + 1
}

/** Offset of the line break (or end of text) ending the line that holds `offset`; before a CR of a CRLF. */
export function lineEndOf(text: string, offset: number): number {
  const i = text.indexOf('\n', offset)
  if (i === -1) return text.length
  return i > 0 && text[i - 1] === '\r' ? i - 1 : i
}

/** The leading blanks of the line that holds `offset`. */
export function indentOfLine(text: string, offset: number): string {
  const start = lineStartOf(text, offset)
  return /^[ \t]*/.exec(text.slice(start))![0]
}

/** Is there only blank space between the start of its line and `offset`? */
export function startsLine(text: string, offset: number): boolean {
  return /^[ \t]*$/.test(text.slice(lineStartOf(text, offset), offset))
}

/** Indent every line but the first of a rendered block by `indent`, and use `eol` between lines. */
export function reindent(block: string, indent: string, eol: string): string {
  return block
    .split('\n')
    .map((line, i) => (i === 0 || line === '' ? line : indent + line))
    .join(eol)
}

/** A deep copy with ordinary prototypes (parsers build null-prototype objects), for comparisons. */
function toPlain(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(toPlain)
  if (value !== null && typeof value === 'object' && !(value instanceof Date)) {
    const out: Record<string, unknown> = {}
    for (const [k, v] of Object.entries(value)) out[k] = toPlain(v)
    return out
  }
  return value
}

/** Do two parsed values hold the same data (key order and prototypes aside)? */
export function sameData(a: unknown, b: unknown): boolean {
  return isDeepStrictEqual(toPlain(a), toPlain(b))
}

/**
 * Safety net of every editor: the edited text must parse to exactly the data we meant to produce. A
 * mismatch is a bug in the editor, and the file must then be left alone rather than written.
 */
export function assertSameData(file: string, actual: unknown, expected: unknown): void {
  if (!sameData(actual, expected))
    throw new FileFormatError(
      file,
      'internal error: the edited configuration would not hold the expected data, so the file was left unchanged. Please report this with a copy of the file.',
    )
}
