import {closeSync, fstatSync, openSync, renameSync, write, writeSync} from 'node:fs'

import {CallRefusedError, type CallAnswer} from '../pipeline/call.js'
import type {CallStage} from '../pipeline/pipeline.js'
import {ClientCancelledError} from '../raw-call.js'

/**
 * One line of the audit log (`--audit-log`), one per tool call (per round for a 2026-07-28 call that asks
 * its client for input). Argument values never appear: only their shape and sizes. Documented in README.md,
 * "Audit log".
 */
export interface AuditRecord {
  /** When the call ended, ISO 8601 UTC. */
  time: string
  /** Caller.id: `token:<name>`, `oauth:<sub>`, `local`, `anonymous`. */
  identity: string
  /** How the identity was established: token, oauth, local, none. */
  via: string
  /** OAuth: the client the access token was issued to. */
  clientId?: string
  session: string
  server: string
  /** The tool's name on its server, and as the client called it. */
  tool: string
  name: string
  /** ok, error (the tool or server reported one), refused (a guard), cancelled, input_required, failed. */
  outcome: 'ok' | 'error' | 'refused' | 'cancelled' | 'input_required' | 'failed'
  /** The guard that refused it (policy, rate limit, secrets, an interceptor). */
  guard?: string
  durationMs: number
  /** Each argument's type, with the length of strings and arrays and the field count of objects. */
  arguments: Record<string, string> | string
  /** Bytes of the request (tool name and arguments, as JSON). */
  requestBytes: number
}

/** Where audit lines go: a file with size-based rotation, or a stream (stdout, for HTTP transports). */
export interface AuditSink {
  write(line: string): void
  close(): void
}

/**
 * An append-only file of JSON lines, rotated by size: when the next line would take it past `maxBytes`, it
 * becomes `<file>.1` (`.1` becomes `.2` …, the oldest beyond `keep` is dropped) and a new file starts.
 * Lines are written in order, in the background (a synchronous write per call cost ~40 µs of the event
 * loop on a loaded disk): those that arrive while a write is under way go out together in the next one.
 * `close` writes what is left before closing. 0600: who called what is nobody else's business.
 */
export class RotatingFile implements AuditSink {
  private fd: number
  private size: number
  private pending: string[] = []
  private writing = false
  private closing = false
  private waiters: Array<() => void> = []
  private failed = false

  constructor(
    readonly file: string,
    readonly maxBytes: number,
    readonly keep: number,
    private readonly onError: (message: string) => void = () => {},
  ) {
    this.fd = openSync(file, 'a', 0o600)
    this.size = fstatSync(this.fd).size
  }

  write(line: string): void {
    if (this.closing) return
    this.pending.push(line)
    if (!this.writing) this.flush()
  }

  /** Resolves once every line written so far is in the file. */
  drained(): Promise<void> {
    if (!this.writing && this.pending.length === 0) return Promise.resolve()
    return new Promise((resolve) => this.waiters.push(resolve))
  }

  private flush(): void {
    if (this.pending.length === 0) {
      this.writing = false
      for (const wake of this.waiters.splice(0)) wake()
      if (this.closing) closeSync(this.fd)
      return
    }
    this.writing = true
    let chunk = ''
    let bytes = 0
    let taken = 0
    for (const line of this.pending) {
      const b = Buffer.byteLength(line)
      if (this.size + bytes > 0 && this.size + bytes + b > this.maxBytes) {
        if (bytes > 0) break // what fits goes first; the file rotates at the next write
        this.rotate()
      }
      chunk += line
      bytes += b
      taken++
    }
    this.pending = this.pending.slice(taken)
    this.size += bytes
    write(this.fd, chunk, (err) => {
      if (err && !this.failed) {
        this.failed = true
        this.onError(`- Audit log ${this.file}: ${err.message} (lines are being lost)`)
      }
      this.flush()
    })
  }

  private rotate(): void {
    closeSync(this.fd)
    for (let i = this.keep - 1; i >= 1; i--) {
      try {
        renameSync(`${this.file}.${i}`, `${this.file}.${i + 1}`)
      } catch {
        // not there yet
      }
    }
    if (this.keep > 0) renameSync(this.file, `${this.file}.1`)
    this.fd = openSync(this.file, this.keep > 0 ? 'a' : 'w', 0o600)
    this.size = 0
  }

  close(): void {
    if (this.closing) return
    this.closing = true
    if (!this.writing) {
      // Nothing under way: what is left goes out now, synchronously (the gateway is exiting).
      for (const line of this.pending.splice(0)) writeSync(this.fd, line)
      closeSync(this.fd)
    }
  }
}

/** Lines to a stream (stdout): only for HTTP transports, where stdout is not the protocol channel. */
export function streamSink(stream: NodeJS.WritableStream): AuditSink {
  return {write: (line) => void stream.write(line), close: () => {}}
}

/** Nested objects are described by their field count only: their keys may be data (a map of emails…). */
function valueShape(v: unknown): string {
  if (v === null) return 'null'
  if (typeof v === 'string') return `string(${v.length})`
  if (Array.isArray(v)) return `array(${v.length})`
  if (typeof v === 'object') return `object(${Object.keys(v).length})`
  return typeof v
}

/** Most top-level fields recorded by name; a call with more is described by its count. */
const MAX_FIELDS = 64

/**
 * The shape of a call's arguments: each top-level field's type and size (`{"text":"string(12)"}`), never
 * a value. Field names of the top level are the tool's parameter names; deeper keys are left out.
 */
export function auditShape(args: unknown): Record<string, string> | string {
  if (args === undefined) return 'none'
  if (args === null || typeof args !== 'object' || Array.isArray(args)) return valueShape(args)
  const keys = Object.keys(args)
  if (keys.length > MAX_FIELDS) return `object(${keys.length})`
  const out: Record<string, string> = {}
  for (const k of keys) out[k] = valueShape((args as Record<string, unknown>)[k])
  return out
}

function outcomeOf(answer: CallAnswer): AuditRecord['outcome'] {
  switch (answer.kind) {
    case 'result':
      return answer.result.isError === true ? 'error' : 'ok'
    case 'error':
      return 'error'
    case 'input':
      return 'input_required'
    case 'text':
      // A raw answer: a JSON-RPC error, or a result that may say isError (as the call log reads it).
      return answer.text.includes('"isError":true') || /^\s*\{[^{]*"error"\s*:/.test(answer.text)
        ? 'error'
        : 'ok'
  }
}

/**
 * The audit stage: one JSON line per call, whatever ended it. Listed before the policy and the rate limit
 * so that their refusals are recorded too.
 */
export function auditStage(sink: AuditSink, now: () => Date = () => new Date()): CallStage {
  return {
    name: 'audit',
    async run(call, next) {
      const started = performance.now()
      let outcome: AuditRecord['outcome'] = 'failed'
      let guard: string | undefined
      try {
        const answer = await next(call)
        outcome = outcomeOf(answer)
        return answer
      } catch (err) {
        if (err instanceof CallRefusedError) {
          outcome = 'refused'
          guard = err.guard
        } else if (err instanceof ClientCancelledError || (err as Error)?.name === 'AbortError')
          outcome = 'cancelled'
        throw err
      } finally {
        const {caller} = call
        const record: AuditRecord = {
          time: now().toISOString(),
          identity: caller.id,
          via: caller.via,
          ...(caller.clientId ? {clientId: caller.clientId} : {}),
          session: call.session,
          server: call.server,
          tool: call.tool,
          name: call.name,
          outcome,
          ...(guard ? {guard} : {}),
          durationMs: Math.round((performance.now() - started) * 1000) / 1000,
          arguments: auditShape(call.arguments),
          requestBytes: Buffer.byteLength(call.requestText()),
        }
        sink.write(`${JSON.stringify(record)}\n`)
      }
    },
  }
}
