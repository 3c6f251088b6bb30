/**
 * Is the Docker engine there? The gateway outlives its engine: Docker Desktop restarts, dockerd upgrades,
 * a gateway started before the engine. Without this, an engine that went away left a gateway with no
 * tools, answering "unknown tool" forever while /health said ok (issue #14).
 *
 * The watch learns the engine is gone from any engine call that fails to connect (and from the end of the
 * engine's event stream, see containers.ts), then pings it with a growing delay until it answers, and tells
 * its listeners, who re-list servers and notify clients. It never throws and never rejects.
 */
import type {Logger} from './logger.js'

export type EngineState = 'unknown' | 'up' | 'down'

/** Failures that mean "no engine at that address", not "the engine refused this request". */
export function isEngineUnreachable(err: unknown): boolean {
  for (let e = err as {code?: unknown; message?: unknown; cause?: unknown} | undefined; e;) {
    if (typeof e.code === 'string' && UNREACHABLE_CODES.has(e.code)) return true
    if (typeof e.message === 'string' && /connect (ENOENT|ECONNREFUSED)|socket hang up|EPIPE/.test(e.message))
      return true
    e = e.cause as typeof e
  }
  return false
}

const UNREACHABLE_CODES = new Set([
  'ENOENT',
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
])

export interface EngineWatchOptions {
  /** The engine address as docker prints it, for messages. */
  host: string
  /** Resolves when the engine answers `/_ping`; rejects otherwise. */
  ping: () => Promise<void>
  logger: Logger
  /** First retry delay; doubles up to `maxDelayMs`. */
  minDelayMs?: number
  maxDelayMs?: number
}

export class EngineWatch {
  private current: EngineState = 'unknown'
  private reason = ''
  private retrying = false
  private stopped = false
  private timer: NodeJS.Timeout | undefined
  private readonly upListeners: Array<() => void> = []
  private readonly downListeners: Array<() => void> = []
  private firstCheck: Promise<void> | undefined

  constructor(private readonly options: EngineWatchOptions) {}

  get state(): EngineState {
    return this.current
  }

  get host(): string {
    return this.options.host
  }

  /** What a user reads when a call needs the engine and it is not there; undefined while it is up. */
  get problem(): string | undefined {
    if (this.current !== 'down') return undefined
    return engineDownMessage(this.options.host, this.reason)
  }

  /** The engine's state once known: the first ping, if none has answered yet. */
  async settled(): Promise<EngineState> {
    if (this.current === 'unknown') {
      this.firstCheck ??= this.options.ping().then(
        () => this.reportUp(),
        (err: unknown) => this.reportDown(err),
      )
      await this.firstCheck
    }
    return this.current
  }

  /** Ping now: the state it finds (a failure starts the retries, a success tells the listeners). */
  async check(): Promise<EngineState> {
    if (this.stopped) return this.current
    try {
      await this.options.ping()
      this.reportUp()
    } catch (err) {
      this.reportDown(err)
    }
    return this.current
  }

  /** An engine call failed: if it failed to connect, the engine is down. True when it did. */
  reportDownIfUnreachable(err: unknown): boolean {
    if (!isEngineUnreachable(err)) return false
    this.reportDown(err)
    return true
  }

  onUp(listener: () => void): void {
    this.upListeners.push(listener)
  }

  onDown(listener: () => void): void {
    this.downListeners.push(listener)
  }

  /** An engine call succeeded. */
  reportUp(): void {
    if (this.stopped || this.current === 'up') return
    const wasDown = this.current === 'down'
    this.current = 'up'
    this.reason = ''
    if (wasDown) {
      this.options.logger.info(`- The Docker engine at ${this.options.host} is back`)
      for (const listener of this.upListeners) listener()
    }
  }

  /** An engine call failed to connect: the engine is down until a ping answers. */
  reportDown(err: unknown): void {
    if (this.stopped) return
    this.reason = errorText(err)
    if (this.current !== 'down') {
      this.current = 'down'
      this.options.logger.warn(
        `- The Docker engine at ${this.options.host} is unreachable (${this.reason}): retrying until it is back`,
      )
      for (const listener of this.downListeners) listener()
    }
    this.retry()
  }

  private retry(): void {
    if (this.retrying || this.stopped) return
    this.retrying = true
    let delay = this.options.minDelayMs ?? 500
    const attempt = () => {
      this.timer = undefined
      if (this.stopped) return
      this.options.ping().then(
        () => {
          this.retrying = false
          this.reportUp()
        },
        (err: unknown) => {
          this.reason = errorText(err)
          delay = Math.min(delay * 2, this.options.maxDelayMs ?? 10_000)
          this.timer = setTimeout(attempt, delay)
          this.timer.unref()
        },
      )
    }
    this.timer = setTimeout(attempt, delay)
    this.timer.unref()
  }

  close(): void {
    this.stopped = true
    clearTimeout(this.timer)
  }
}

/** "The Docker engine at … is unreachable", with what to do about it. */
export function engineDownMessage(host: string, reason: string): string {
  return (
    `the Docker engine at ${host} is unreachable${reason ? ` (${reason})` : ''}. ` +
    `Start it (Docker Desktop, or "sudo systemctl start docker"; DOCKER_HOST or the docker context picks which engine): ` +
    `a running gateway reconnects by itself`
  )
}

function errorText(err: unknown): string {
  const e = err as {code?: unknown; message?: unknown; cause?: unknown}
  const cause = e?.cause as {code?: unknown; message?: unknown} | undefined
  // pingDocker's message is a whole sentence; its cause says what happened at the socket.
  const inner = cause && typeof cause.message === 'string' ? cause : e
  const message = typeof inner?.message === 'string' ? inner.message : String(err)
  return message
}
