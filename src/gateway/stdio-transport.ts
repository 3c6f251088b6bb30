import {isAscii} from 'node:buffer'
import type {Readable, Writable} from 'node:stream'

import {rateLimitedLog} from './log-limit.js'
import type {
  JSONRPCMessage,
  MessageExtraInfo,
  Transport,
  TransportSendOptions,
} from '@modelcontextprotocol/server'

/** From this size on, parsing and serialising a message cost more than the hop itself. */
export const LARGE_MESSAGE_BYTES = 64 * 1024

/**
 * A client's message as the raw path forwards it: its text, and for a large one also the bytes it was
 * read from, so that it goes on as those bytes (see `byteParts`).
 */
export type SourceText = string | {text: string; bytes: Buffer}

/** The source of a message whose text the transport kept (see `StreamTransport`'s `keepText`). */
export function messageSource(extra: MessageExtraInfo | undefined): SourceText | undefined {
  const {text, bytes} = (extra as {text?: string; bytes?: Buffer} | undefined) ?? {}
  if (text === undefined) return undefined
  return bytes && text.length >= LARGE_MESSAGE_BYTES ? {text, bytes} : text
}

/** The text of a message's source. */
export function sourceTextOf(source: SourceText | undefined): string | undefined {
  return typeof source === 'object' ? source.text : source
}

/** `"id":<number or string>}` closing a line. */
const TRAILING_ID = /"id":(-?\d+|"(?:[^"\\]|\\.)*")\}\s*$/

/**
 * The id member that closes a JSON-RPC line, as SDK peers write it (`{…,"jsonrpc":"2.0","id":7}`): its
 * JSON text and where the member starts. A member right before the final brace is the message's own (a
 * nested one would be followed by more closing braces), so the id can be swapped without parsing the
 * rest (`withIdAt`). Undefined for any other layout.
 */
export function trailingId(text: string): {json: string; at: number} | undefined {
  const start = Math.max(0, text.length - 64)
  const tail = TRAILING_ID.exec(text.slice(start))
  return tail ? {json: tail[1]!, at: start + tail.index} : undefined
}

/** `text` up to `at` (where its id member started), closed with another id. */
export function withIdAt(text: string, at: number, id: string | number, end?: number): string {
  // An id member in the middle (`leadingId`): only the member is replaced.
  if (end !== undefined) return `${text.slice(0, at)}"id":${JSON.stringify(id)}${text.slice(end)}`
  return `${text.slice(0, at)}"id":${JSON.stringify(id)}}`
}

/** `{"jsonrpc":"2.0","id":"gw-<n>"` opening a line, then `,` or `}`. */
const LEADING_ID = /^\{(?:"jsonrpc":"2\.0",)?"id":"(gw-\d+)"[,}]/

/**
 * The gateway's own id (`gw-<n>`) as the first member of a response, or the second after `"jsonrpc"`, as
 * servers that are not SDK-TypeScript write it (Python's SDK, hand-written servers): its value and where
 * the member starts and ends. A member right after the opening brace (or after the complete
 * `"jsonrpc":"2.0"` member) is the message's own, so it can be swapped without parsing the rest.
 */
export function leadingId(text: string): {id: string; at: number; end: number} | undefined {
  const head = LEADING_ID.exec(text.slice(0, 48))
  if (!head) return undefined
  const end = head[0].length - 1
  return {id: head[1]!, at: end - head[1]!.length - 7, end}
}

/**
 * One outgoing line as bytes, without its newline: the parts of a large message read as bytes, written
 * as they are (see `byteParts`), instead of a string encoded again.
 */
export type LineBytes = readonly Buffer[]

/**
 * The bytes of `text`, which was read from `bytes`, with the member between `at` and `end` (offsets in
 * `text`; `end` undefined: up to the final brace) replaced by `member`. Offsets are turned into byte
 * offsets by measuring only the short side of the text (the member is within its first or last few
 * dozen characters), so nothing of the size of the message is encoded or copied.
 */
export function byteParts(text: string, bytes: Buffer, at: number, member: string, end?: number): LineBytes {
  const byteAt =
    at <= text.length >> 1
      ? Buffer.byteLength(text.slice(0, at))
      : bytes.length - Buffer.byteLength(text.slice(at))
  if (end === undefined) return [bytes.subarray(0, byteAt), Buffer.from(`${member}}`)]
  const byteEnd = byteAt + Buffer.byteLength(text.slice(at, end))
  return [bytes.subarray(0, byteAt), Buffer.from(member), bytes.subarray(byteEnd)]
}

/** What an outgoing line is: a response must not share a write with a notification before it. */
export type OutgoingKind = 'request' | 'notification' | 'response'

/** Default cap on one JSON-RPC line from a server: large results (tens of MiB) pass, runaway output does not. */
export const DEFAULT_MAX_MESSAGE_BYTES = 64 * 1024 * 1024

/**
 * MCP's stdio framing (one JSON message per line) over any pair of streams: a container's attached
 * stdio, or a child process's pipes. Unlike a strict reader it survives servers that print garbage to
 * stdout: a line that is not a JSON-RPC message is reported through `onnoise` and skipped, instead of
 * tearing the connection down.
 */
export class StreamTransport implements Transport {
  onclose?: () => void
  onerror?: (error: Error) => void
  onmessage?: <T extends JSONRPCMessage>(message: T, extra?: MessageExtraInfo) => void
  /**
   * Lines that were not JSON-RPC messages (truncated for logging), at most 10 per 10 s: a server looping on
   * garbage must not flood the log (the count of lines not shown is reported).
   */
  set onnoise(report: ((line: string) => void) | undefined) {
    this.noise = report && rateLimitedLog(report, {burst: 10, windowMs: 10_000})
  }
  private noise: ((line: string) => void) | undefined
  /**
   * Sees each line before it is parsed, and the bytes it was read from; returning true takes it (the
   * gateway's raw path, large answers).
   */
  ontext?: (line: string, bytes: Buffer) => boolean

  private chunks: Buffer[] = []
  private buffered = 0
  private closed = false
  /** A notification (or request) was delivered in this turn of the event loop: see `handleLine`. */
  private notifiedThisTurn = false
  /** Lines read but held until the next turn, in order (see `handleLine`). */
  private held: Buffer[] = []
  /** The input ended while lines were held: close once they are delivered. */
  private endPending = false

  constructor(
    private readonly input: Readable,
    private readonly output: Writable,
    private readonly options: {
      maxMessageBytes?: number
      close?: () => Promise<void>
      /**
       * Hand every message's text along (`messageSource`), not only a large one's: the client's side of the
       * raw path scans and forwards a request's own text instead of serialising it again.
       */
      keepText?: boolean
    } = {},
  ) {}

  async start(): Promise<void> {
    this.input.on('data', this.onData)
    this.input.on('end', this.onEnd)
    this.input.on('close', this.onEnd)
    this.input.on('error', this.onStreamError)
    this.output.on('error', this.onStreamError)
  }

  private readonly onData = (chunk: Buffer) => {
    let start = 0
    let nl = chunk.indexOf(10)
    while (nl !== -1) {
      const piece = chunk.subarray(start, nl)
      const line = this.chunks.length === 0 ? piece : Buffer.concat([...this.chunks, piece])
      this.chunks = []
      this.buffered = 0
      if (this.held.length > 0 || !this.handleLine(line)) this.held.push(line)
      start = nl + 1
      nl = chunk.indexOf(10, start)
    }
    if (start < chunk.length) {
      const rest = chunk.subarray(start)
      this.buffered += rest.length
      const max = this.options.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES
      if (this.buffered > max) {
        this.chunks = []
        this.buffered = 0
        this.onerror?.(new Error(`server sent a message larger than ${Math.round(max / 1024 / 1024)} MiB`))
        this.close().catch((err: Error) => this.onerror?.(err))
        return
      }
      this.chunks.push(rest)
    }
  }

  /**
   * Deliver one line; false when it must wait for the next turn of the event loop (the caller holds it,
   * and every line after it). Why: the SDK hands a notification (or request) to its handler a microtask
   * later, but settles a response at once. When a server writes its last progress notification and its
   * result in one chunk, the result would end the call first and the progress would find no one waiting
   * for it (lost at random, depending on how the bytes were chunked). So a response that follows a
   * notification delivered in the same turn waits for the next one: the peer's order is kept, as if each
   * message had arrived in a chunk of its own. Only responses wait: a flood of notifications does not.
   */
  private handleLine(raw: Buffer): boolean {
    // ASCII (most JSON-RPC: JSON escapes nothing, base64 is ASCII) decodes as Latin-1 to the same text at a
    // fraction of the cost (a copy, where UTF-8 decoding looks at every byte: 1 vs 6 ms a MiB here).
    let text = isAscii(raw) ? raw.toString('latin1') : raw.toString('utf8')
    if (text.endsWith('\r')) {
      text = text.slice(0, -1)
      raw = raw.subarray(0, -1)
    }
    if (text.trim() === '') return true
    if (this.notifiedThisTurn) {
      // A large line may be a response taken unparsed by `ontext`: it waits too. A small one is parsed
      // first (below): a response waits, and is offered to `ontext` in the next turn.
      if (text.length >= LARGE_MESSAGE_BYTES) return false
    } else if (this.ontext?.(text, raw)) return true
    let message: unknown
    try {
      message = JSON.parse(text)
    } catch {
      this.noise?.(text.slice(0, 200))
      return true
    }
    if (!isJsonRpc(message)) {
      this.noise?.(text.slice(0, 200))
      return true
    }
    const dispatchedLater = 'method' in message
    if (!dispatchedLater && this.notifiedThisTurn) return false
    if (dispatchedLater && !this.notifiedThisTurn) {
      this.notifiedThisTurn = true
      setImmediate(this.nextTurn)
    }
    // Large messages carry their text along, for whoever can forward it without serialising it again.
    const keep = this.options.keepText === true || text.length >= LARGE_MESSAGE_BYTES
    this.onmessage?.(message, keep ? ({text, bytes: raw} as MessageExtraInfo) : undefined)
    return true
  }

  /** A new turn: the notifications of the last one were handled; deliver the lines held since. */
  private readonly nextTurn = () => {
    this.notifiedThisTurn = false
    let delivered = 0
    while (delivered < this.held.length && !this.closed && this.handleLine(this.held[delivered]!)) delivered++
    this.held.splice(0, delivered)
    if (this.held.length === 0 && this.endPending) this.close().catch((err: Error) => this.onerror?.(err))
  }

  private readonly onEnd = () => {
    // Lines still held are delivered before the connection closes (a server may answer, then exit).
    if (this.held.length > 0) this.endPending = true
    // Nobody awaits this close: its failure is reported, never left to reject unhandled (issue #14).
    else this.close().catch((err: Error) => this.onerror?.(err))
  }

  private readonly onStreamError = (error: Error) => {
    this.onerror?.(error)
  }

  send(message: JSONRPCMessage): Promise<void> {
    let json: string
    try {
      json = JSON.stringify(message)
    } catch (err) {
      return Promise.reject(err as Error)
    }
    return this.sendText(
      json,
      'method' in message ? ('id' in message ? 'request' : 'notification') : 'response',
    )
  }

  /**
   * Send one message that is already JSON text (a single line); `kind` as in `send`. Resolves once written,
   * or once the output drained when it was full. Not an async function: every message passes here, and a
   * write that went through costs no promise (`SENT`).
   */
  sendText(json: string | LineBytes, kind: OutgoingKind = 'request'): Promise<void> {
    if (this.closed) return Promise.reject(new Error('connection to the server is closed'))
    if (this.deferred) {
      this.deferred.push({json, kind})
      return SENT
    }
    if (kind === 'response' && this.notifiedThisBatch) {
      // The peer may be an SDK reader: it settles a response at once but hands a notification to its handler
      // a microtask later, so a response read in the same chunk as the progress before it ends the call first
      // and the progress is dropped (the mirror of `handleLine`). The notifications leave now, the response
      // (and whatever follows it) on the next turn, in a write of its own, as a server writing one message at
      // a time would have sent them.
      this.deferred = [{json, kind}]
      setImmediate(this.sendDeferred)
      return SENT
    }
    if (!this.corked) {
      this.corked = true
      this.output.cork()
      process.nextTick(this.uncork)
    }
    if (kind === 'notification') this.notifiedThisBatch = true
    if (typeof json === 'string') {
      // Joined to the turn's other lines, written as one string when the turn ends (see `uncork`).
      this.batch += `${json}\n`
      return this.output.writableNeedDrain ? this.drained() : SENT
    }
    try {
      this.writeBatch()
      if (this.writeParts(json)) return SENT
    } catch (err) {
      return Promise.reject(err as Error)
    }
    return this.drained()
  }

  private drained(): Promise<void> {
    return new Promise<void>((resolve) => this.output.once('drain', resolve))
  }

  /** The turn's lines so far, as one string: one write (and one encoding) for many small messages. */
  private writeBatch(): void {
    if (this.batch === '') return
    const text = this.batch
    this.batch = ''
    this.output.write(text)
  }

  /** A line as bytes: its parts and the newline, in the write the output is corked for (one writev). */
  private writeParts(parts: LineBytes): boolean {
    for (const part of parts) this.output.write(part)
    return this.output.write(NEWLINE)
  }

  /**
   * Messages sent in one turn of the event loop leave in one write (writev): 32 calls in flight answered
   * from one chunk of input cost one system call, not 32. The turn's writes are held until its
   * microtasks have run (the raw path's answers are sent from promise callbacks), then flushed.
   */
  private corked = false
  /** The lines sent in this turn and not written yet (see `sendText`). */
  private batch = ''
  /** A notification is in the writes held now: a response must not join them (see `sendText`). */
  private notifiedThisBatch = false
  /** Messages held for the next turn behind a response that followed a notification, in order. */
  private deferred: Array<{json: string | LineBytes; kind: OutgoingKind}> | undefined
  private readonly uncork = () => {
    this.corked = false
    this.notifiedThisBatch = false
    try {
      this.writeBatch()
    } catch (err) {
      this.onerror?.(err as Error)
    }
    this.output.uncork()
  }
  private readonly sendDeferred = () => {
    const messages = this.deferred ?? []
    this.deferred = undefined
    for (const {json, kind} of messages) {
      if (this.closed) return
      this.sendText(json, kind).catch((err: Error) => this.onerror?.(err))
    }
  }

  async close(): Promise<void> {
    if (this.closed) return
    this.closed = true
    this.input.off('data', this.onData)
    // What was sent before the close leaves before it (the raw path's cancellation of a per-call call, then
    // its container's removal): the turn's held lines are written now, not after the output has ended.
    if (this.corked) this.uncork()
    try {
      await this.options.close?.()
    } finally {
      this.onclose?.()
    }
  }
}

const NEWLINE = Buffer.from('\n')

/** What `sendText` returns for a write that went through. */
const SENT = Promise.resolve()

function isJsonRpc(value: unknown): value is JSONRPCMessage {
  return typeof value === 'object' && value !== null && (value as {jsonrpc?: unknown}).jsonrpc === '2.0'
}

/**
 * A transport whose incoming messages someone may take before the SDK sees them: `take` returns true
 * for a message it handled (the gateway's raw forwarding path), false to pass it on.
 */
export class InterceptedTransport implements Transport {
  onclose?: () => void
  onerror?: (error: Error) => void
  onmessage?: <T extends JSONRPCMessage>(message: T, extra?: MessageExtraInfo) => void

  constructor(
    private readonly inner: Transport,
    private readonly take: (message: JSONRPCMessage, extra?: MessageExtraInfo) => boolean,
  ) {}

  async start(): Promise<void> {
    this.inner.onmessage = (message, extra) => {
      if (!this.take(message, extra)) this.onmessage?.(message, extra)
    }
    this.inner.onclose = () => this.onclose?.()
    this.inner.onerror = (error) => this.onerror?.(error)
    await this.inner.start()
  }

  send(message: JSONRPCMessage, options?: TransportSendOptions): Promise<void> {
    return this.inner.send(message, options)
  }

  close(): Promise<void> {
    return this.inner.close()
  }
}
