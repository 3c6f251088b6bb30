import {Writable} from 'node:stream'

import type {PullProgress} from './runtime.js'

/**
 * Pull progress shown the way `docker pull` shows it. On a terminal, one line per layer redrawn in place
 * (`<layer>: Downloading [====>   ]  1.2MB/4.5MB`, then `Pull complete`); anywhere else, one plain line per
 * layer state change and never the byte counts in between. Several images pull at once, so each image
 * has its own block (terminal) or its name on every line (plain). The decisions are pure functions over
 * a list of progress events; `LiveTerminal` and `createPullReporter` only write their results.
 */

/** What one layer of one image last reported. */
export interface LayerState {
  id: string
  status: string
  current?: number
  total?: number
}

/** One image being pulled: the engine's header line, its layers in order of appearance, its closing notes. */
export interface ImagePullState {
  image: string
  /** `Pulling from <repository>` (the engine sends it with the tag as id). */
  header?: string
  layers: LayerState[]
  /** Image-wide messages without a layer id: `Digest: sha256:…`, `Status: Downloaded newer image for …`. */
  notes: string[]
}

/** Every pull under way, in the order they first reported. */
export type PullState = readonly ImagePullState[]

export interface PullDisplay {
  /** `tty`: lines redrawn in place with cursor movement; `plain`: one line per state change. */
  mode: 'tty' | 'plain'
  color: boolean
}

/**
 * Redraw in place only on a terminal that understands cursor movement, and not in CI (whose log viewers
 * show every intermediate frame). Colour follows https://no-color.org: any non-empty NO_COLOR turns it off.
 */
export function pullDisplay(stream: {isTTY?: boolean}, env: NodeJS.ProcessEnv): PullDisplay {
  const ci = env.CI !== undefined && env.CI !== '' && env.CI !== '0' && env.CI.toLowerCase() !== 'false'
  const tty = stream.isTTY === true && !ci && env.TERM !== 'dumb'
  return {mode: tty ? 'tty' : 'plain', color: tty && !env.NO_COLOR}
}

/** Byte counts as docker prints them (go-units HumanSize: decimal units, 4 significant digits). */
export function humanSize(bytes: number): string {
  const units = ['B', 'kB', 'MB', 'GB', 'TB', 'PB']
  let size = bytes
  let unit = 0
  while (size >= 1000 && unit < units.length - 1) {
    size /= 1000
    unit++
  }
  return `${Number(size.toPrecision(4))}${units[unit]}`
}

/**
 * docker's progress column: `[=====>      ]    1.2MB/4.5MB` (the current size right-aligned in 8 columns),
 * the bar `width` characters plus the arrow, left out when `width` is 0. Without a total, only the current
 * size; past the total (a size the engine guessed wrong), no total either.
 */
export function progressBar(current: number, total: number | undefined, width: number): string {
  if (!total || total <= 0) return humanSize(current).padStart(8)
  const numbers =
    current > total ? humanSize(current).padStart(8) : `${humanSize(current).padStart(8)}/${humanSize(total)}`
  if (width <= 0) return numbers
  const filled = Math.min(width, Math.floor((current / total) * width))
  return `[${'='.repeat(filled)}>${' '.repeat(width - filled)}] ${numbers}`
}

/** The state after one more progress event. Never mutates `state`. */
export function applyPullEvent(state: PullState, event: PullProgress): PullState {
  const index = state.findIndex((s) => s.image === event.image)
  const before: ImagePullState = index === -1 ? {image: event.image, layers: [], notes: []} : state[index]!
  let after: ImagePullState
  if (isHeader(event)) {
    after = {...before, header: event.status}
  } else if (!event.id) {
    after = event.status ? {...before, notes: [...before.notes, event.status]} : before
  } else {
    const layer: LayerState = {
      id: event.id,
      status: event.status,
      ...(event.current === undefined ? {} : {current: event.current}),
      ...(event.total === undefined ? {} : {total: event.total}),
    }
    const at = before.layers.findIndex((l) => l.id === event.id)
    const layers = at === -1 ? [...before.layers, layer] : before.layers.map((l, i) => (i === at ? layer : l))
    after = {...before, layers}
  }
  return index === -1 ? [...state, after] : state.map((s, i) => (i === index ? after : s))
}

/** `Pulling from <repository>` comes with the tag as its id: it heads the image, it is not a layer. */
function isHeader(event: PullProgress): boolean {
  return event.status.startsWith('Pulling from ')
}

/**
 * The line to print in plain mode for this event, given the state before it, or undefined when nothing
 * changed but byte counts. `Downloading` is printed once, with the layer's size when the engine knows it.
 */
export function plainLine(before: PullState, event: PullProgress): string | undefined {
  if (!event.status) return undefined
  if (isHeader(event) || !event.id) return `  - ${event.image}: ${event.status}`
  const previous = before.find((s) => s.image === event.image)?.layers.find((l) => l.id === event.id)
  if (previous?.status === event.status) return undefined
  const size = event.total && event.total > 0 ? ` (${humanSize(event.total)})` : ''
  return `  - ${event.image} ${event.id}: ${event.status}${size}`
}

const SGR = {bold: ['\x1b[1m', '\x1b[22m'], green: ['\x1b[32m', '\x1b[39m']} as const
const DONE = new Set(['Pull complete', 'Already exists', 'Download complete'])

/**
 * The terminal frame for these pulls: per image a header line, its layers (indented) and its notes. Lines
 * are cut to `columns - 1` characters: a line that wraps would throw off the cursor arithmetic of the
 * in-place redraw.
 */
export function ttyLines(state: PullState, options: {columns?: number; color?: boolean} = {}): string[] {
  const columns = options.columns && options.columns > 0 ? options.columns : 80
  // docker draws a 50-character bar on terminals wider than 110 columns; narrower ones get a shorter one.
  const barWidth = columns > 110 ? 50 : columns >= 70 ? 20 : 0
  const fit = (line: string) => (line.length > columns - 1 ? line.slice(0, Math.max(0, columns - 1)) : line)
  const paint = (text: string, [open, close]: readonly [string, string]) =>
    options.color ? `${open}${text}${close}` : text
  const lines: string[] = []
  for (const image of state) {
    const header = fit(`${image.image}: ${image.header ?? 'Pulling'}`)
    lines.push(paint(header.slice(0, image.image.length), SGR.bold) + header.slice(image.image.length))
    for (const layer of image.layers) {
      const progress =
        layer.current !== undefined && layer.current > 0
          ? ` ${progressBar(layer.current, layer.total, barWidth)}`
          : ''
      const line = fit(`  ${layer.id}: ${layer.status}${progress}`)
      lines.push(
        DONE.has(layer.status) && line.endsWith(layer.status)
          ? line.slice(0, -layer.status.length) + paint(layer.status, SGR.green)
          : line,
      )
    }
    for (const note of image.notes) lines.push(fit(`  ${note}`))
  }
  return lines
}

const ESC = '\x1b['
/** Carriage return, then erase the whole line. */
const CLEAR_LINE = `\r${ESC}2K`

/**
 * The bytes that turn the screen showing `previous` (cursor at the start of the line below it) into
 * `next`, leaving the cursor below `next`: only the lines that differ are rewritten (cursor up/down to
 * each), new lines are appended, leftovers erased when `next` is shorter. Two pulls under way mean two
 * lines changing in turn: rewriting everything below the first change would redraw most of the screen.
 */
export function repaint(previous: readonly string[], next: readonly string[]): string {
  let out = ''
  let row = previous.length
  const moveTo = (target: number) => {
    if (target < row) out += `${ESC}${row - target}A`
    else if (target > row) out += `${ESC}${target - row}B`
    row = target
  }
  const kept = Math.min(previous.length, next.length)
  for (let i = 0; i < kept; i++) {
    if (previous[i] === next[i]) continue
    moveTo(i)
    out += `${CLEAR_LINE}${next[i]}\n`
    row++
  }
  if (next.length < previous.length) {
    moveTo(next.length)
    out += `\r${ESC}J`
  } else {
    moveTo(previous.length)
    for (let i = previous.length; i < next.length; i++) out += `${CLEAR_LINE}${next[i]}\n`
  }
  return out
}

/** A writable end of a terminal: what LiveTerminal draws on. */
export interface TerminalStream {
  write(chunk: string): unknown
  columns?: number
}

/**
 * A terminal stream with a live region at its bottom. Text written through it (the gateway's log lines)
 * appears above the region, which is then drawn again: without this, a log line written while layers are
 * downloading would land inside the region and every later redraw would overwrite the wrong lines.
 */
export class LiveTerminal extends Writable {
  private region: string[] = []

  constructor(private readonly out: TerminalStream) {
    super({decodeStrings: false})
  }

  /** Current width, read at each draw: terminals get resized. */
  get columns(): number | undefined {
    return this.out.columns
  }

  /** Redraw the live region as `lines`. */
  update(lines: readonly string[]): void {
    const bytes = repaint(this.region, lines)
    this.region = [...lines]
    if (bytes) this.out.write(bytes)
  }

  /** Print `text` above the live region, then draw the region as `lines` (default: as it was). */
  print(text: string, lines: readonly string[] = this.region): void {
    const erase = this.region.length > 0 ? `${ESC}${this.region.length}A\r${ESC}J` : ''
    const body = text === '' || text.endsWith('\n') ? text : `${text}\n`
    this.region = [...lines]
    this.out.write(erase + body + this.region.map((l) => `${l}\n`).join(''))
  }

  override _write(
    chunk: Buffer | string,
    _encoding: BufferEncoding,
    callback: (error?: Error | null) => void,
  ): void {
    this.print(typeof chunk === 'string' ? chunk : chunk.toString('utf8'))
    callback()
  }
}

/** Where pull progress goes. */
export interface PullReporter {
  progress(event: PullProgress): void
  /** The pull of `image` is over: on a terminal its block leaves the live region and stays on screen. */
  end(image: string): void
}

/**
 * Report pull progress: redrawn in place on `terminal` when given, else as plain lines through `line`
 * (the gateway's logger, i.e. stderr; stdout carries JSON-RPC and never sees any of this).
 */
export function createPullReporter(options: {
  terminal?: LiveTerminal | undefined
  color?: boolean
  line: (text: string) => void
}): PullReporter {
  let state: PullState = []
  const {terminal} = options
  const frame = (s: PullState) => ttyLines(s, {columns: terminal?.columns, color: options.color ?? false})
  return {
    progress(event) {
      const before = state
      state = applyPullEvent(state, event)
      if (terminal) {
        terminal.update(frame(state))
      } else {
        const line = plainLine(before, event)
        if (line) options.line(line)
      }
    },
    end(image) {
      const finished = state.filter((s) => s.image === image)
      state = state.filter((s) => s.image !== image)
      if (terminal && finished.length > 0) terminal.print(frame(finished).join('\n'), frame(state))
    },
  }
}
