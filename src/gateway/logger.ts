import type {Writable} from 'node:stream'

import {UsageError} from '../errors.js'
import {SecretMasker} from '../secrets/mask.js'

/** `--log-format`: lines as people read them (the default), or one JSON object per line. */
export type LogFormat = 'text' | 'json'

/** Structured facts of a log line (server, session, tool…): JSON lines carry them as fields, text ignores them. */
export type LogFields = Readonly<Record<string, string | number | boolean | undefined>>

/** The gateway's log: always stderr, because in stdio mode stdout belongs to JSON-RPC. */
export interface Logger {
  info(message: string, fields?: LogFields): void
  warn(message: string, fields?: LogFields): void
  /** Only with --verbose. */
  debug(message: string, fields?: LogFields): void
  /** Write the held per-call lines now (see LOG_HOLD_MS), before something writes to the same stream directly. */
  flush?(): void
  /**
   * Secret values masked in every line this logger writes. Whoever resolves secrets registers them here
   * (src/gateway/configuration.ts), so that no message (a derived env value, a server's stderr, an error
   * tail) prints one in full. Absent on loggers that write nothing.
   */
  readonly secrets?: SecretMasker
}

/** The fields every JSON line has, before the line's own (README.md, "Observability"). */
const RESERVED = new Set(['time', 'level', 'msg'])

export function createLogger(options: {
  verbose: boolean
  stream?: Writable
  /** `--log`: every line written is also appended here (masked alike). */
  tee?: {write(text: string): void}
  quiet?: boolean
  secrets?: SecretMasker
  format?: LogFormat
}): Logger {
  const out = options.stream ?? process.stderr
  const secrets = options.secrets ?? new SecretMasker()
  // The per-call lines are held for up to LOG_HOLD_MS and leave together (see there); any other line
  // leaves at once, after the held ones (the order of lines is kept).
  let pending = ''
  const flush = () => {
    unflushed.delete(flush)
    if (pending === '') return
    const text = pending
    pending = ''
    void out.write(text)
    options.tee?.write(text)
  }
  const emit = (text: string, fields: LogFields | undefined) => {
    if (!HELD_EVENTS.has(fields?.event)) {
      pending += text
      return flush()
    }
    if (pending === '') {
      setTimeout(flush, LOG_HOLD_MS)
      flushAtExit(flush)
    }
    pending += text
  }
  const write =
    options.format === 'json'
      ? (level: string, m: string, fields?: LogFields) => emit(jsonLine(level, m, fields, secrets), fields)
      : (_level: string, m: string, fields?: LogFields) => {
          const masked = secrets.mask(m)
          emit(masked.endsWith('\n') ? masked : `${masked}\n`, fields)
        }
  return {
    info: (m, f) => (options.quiet ? undefined : write('info', m, f)),
    warn: (m, f) => write('warn', m, f),
    debug: (m, f) => (options.verbose ? write('debug', m, f) : undefined),
    flush,
    secrets,
  }
}

/**
 * How long a per-call line (`--log-calls`, on by default) may wait to be written, joined with the lines
 * logged meanwhile. Every call's "Calling tool … took" line was a write of its own, and stderr on a pipe
 * or a file is written synchronously: a quarter of the gateway's CPU per call with 32 calls in flight,
 * the largest part of it one call at a time (issue #21; the answers themselves already left in one write
 * per turn). Held, the lines of many calls leave in one write, after the answers, so no answer waits for
 * its log line; 10 ms is below what a person reading the log can tell. Every other line (warnings, a
 * server's stderr, --verbose) is rare and leaves at once, as before. The gateway ends with process.exit,
 * which runs no timer: whatever is held then is written by the `exit` listener; `flush` writes it at once.
 */
export const LOG_HOLD_MS = 10

/** The `event` fields of the per-call lines (src/gateway/pipeline/observe.ts). */
const HELD_EVENTS = new Set<unknown>(['call.start', 'call.end'])

const unflushed = new Set<() => void>()
let exitListening = false
function flushAtExit(flush: () => void): void {
  unflushed.add(flush)
  if (exitListening) return
  exitListening = true
  process.on('exit', () => {
    for (const f of [...unflushed]) f()
  })
}

/**
 * One JSON log line: `time` (ISO 8601, UTC), `level`, `msg` (the text line without its indentation and
 * bullet), then the line's fields. Secrets are masked in every string before it is serialised, so that
 * JSON escaping cannot hide one from the mask.
 */
export function jsonLine(
  level: string,
  message: string,
  fields: LogFields | undefined,
  secrets: SecretMasker,
): string {
  const line: Record<string, unknown> = {
    time: new Date().toISOString(),
    level,
    msg: secrets.mask(message.replace(/^\s*(?:[-*>]\s+)?/, '').trimEnd()),
  }
  for (const [key, value] of Object.entries(fields ?? {})) {
    if (value === undefined || RESERVED.has(key)) continue
    line[key] = typeof value === 'string' ? secrets.mask(value) : value
  }
  return `${JSON.stringify(line)}\n`
}

/** `--log-format`, else `DOCKER_MCP_LOG_FORMAT`, else text. */
export function logFormat(flag: string | undefined, env: NodeJS.ProcessEnv): LogFormat {
  const value = flag ?? env.DOCKER_MCP_LOG_FORMAT?.trim()
  if (value === undefined || value === '' || value === 'text') return 'text'
  if (value === 'json') return 'json'
  throw new UsageError(
    `${flag === undefined ? `DOCKER_MCP_LOG_FORMAT="${value}"` : `--log-format "${value}"`} is not a log format: use text or json`,
  )
}

/** A logger that drops everything (tests, library callers that do not care). */
export const silentLogger: Logger = {info() {}, warn() {}, debug() {}}
