import {DockerMcpError} from '../../errors.js'

/** Where a server's circuit stands (see `CircuitBreaker`). */
export type CircuitState = 'closed' | 'open' | 'half-open'

/**
 * How a call ended, for the breaker. Only failures of the way to the server count: the connection went,
 * the call timed out, the server could not be started or reached. A tool error (`isError`) or a JSON-RPC
 * error the server answered is a server that works; a call the client cancelled or a guard refused says
 * nothing about the server (`neutral`).
 */
export type CallOutcome = 'success' | 'failure' | 'neutral'

/** A call refused at once because the server's circuit is open: its message says why and for how long. */
export class CircuitOpenError extends DockerMcpError {}

export interface BreakerOptions {
  /** Consecutive failures that open the circuit; 0 = never (the breaker only counts). */
  failures: number
  /** How long an open circuit refuses calls before one probe call may go through. */
  cooldownMs: number
  /** The clock (tests). */
  now?: (() => number) | undefined
}

/** A call the breaker let through: tell it how the call ended, once. */
export interface BreakerTicket {
  done(outcome: CallOutcome, error?: string): void
}

/**
 * A circuit breaker for one server. Closed: calls pass; `failures` failures in a row open it. Open: calls
 * fail at once with a `CircuitOpenError` until `cooldownMs` has passed. Then the next call is the probe
 * (half-open; every other call still fails fast while it runs): its success closes the circuit, its failure
 * opens it for another cool-down, and a neutral end (cancelled, refused) lets the next call probe instead.
 * Without it a server that is down costs every caller a start or a timeout (up to --call-timeout each).
 */
export class CircuitBreaker {
  private current: CircuitState = 'closed'
  private consecutive = 0
  private openedAt = 0
  /** The probe call is in flight (half-open). */
  probing = false
  /** Bumped whenever the circuit changes state: a ticket from an earlier state no longer decides anything. */
  private generation = 0
  /** Calls let through and their failures, since the gateway started. */
  calls = 0
  errors = 0
  lastError: string | undefined
  private readonly now: () => number

  constructor(
    readonly server: string,
    private readonly options: BreakerOptions,
  ) {
    this.now = options.now ?? Date.now
  }

  /** The state now (an open circuit whose cool-down is over reads as half-open: its next call probes). */
  get state(): CircuitState {
    if (this.current === 'open' && this.now() - this.openedAt >= this.options.cooldownMs) return 'half-open'
    return this.current
  }

  /** Failures in a row so far. */
  get failuresInRow(): number {
    return this.consecutive
  }

  /** Let a call through, or throw a `CircuitOpenError`. */
  admit(): BreakerTicket {
    const state = this.state
    if (state === 'open' || (state === 'half-open' && this.probing)) throw this.refusal()
    let probe = false
    if (state === 'half-open') {
      if (this.current !== 'half-open') this.moveTo('half-open')
      this.probing = true
      probe = true
    }
    this.calls++
    const generation = this.generation
    let finished = false
    return {
      done: (outcome, error) => {
        if (finished) return
        finished = true
        if (outcome === 'failure') {
          this.errors++
          if (error !== undefined) this.lastError = error
        }
        if (generation !== this.generation) return
        if (probe) {
          this.probing = false
          if (outcome === 'success') this.close()
          else if (outcome === 'failure') this.open()
          return
        }
        if (outcome === 'success') this.consecutive = 0
        else if (outcome === 'failure') {
          this.consecutive++
          if (this.options.failures > 0 && this.consecutive >= this.options.failures) this.open()
        }
      },
    }
  }

  /**
   * The end of a request that was not admitted by `admit` (the raw path takes calls only while the circuit
   * is closed; the gateway's own listings are never refused): counted; a success closes the circuit in any
   * state (the server answered), a failure counts only while it is closed.
   */
  record(outcome: CallOutcome, error?: string): void {
    this.calls++
    if (outcome === 'failure') {
      this.errors++
      if (error !== undefined) this.lastError = error
    }
    if (outcome === 'success' && this.current !== 'closed' && !this.probing) return this.close()
    if (this.current !== 'closed') return
    if (outcome === 'success') this.consecutive = 0
    else if (outcome === 'failure') {
      this.consecutive++
      if (this.options.failures > 0 && this.consecutive >= this.options.failures) this.open()
    }
  }

  /** Seconds until the next probe may go (0 when it may go now). */
  retryInSeconds(): number {
    if (this.current !== 'open') return 0
    return Math.max(0, Math.ceil((this.options.cooldownMs - (this.now() - this.openedAt)) / 1000))
  }

  private refusal(): CircuitOpenError {
    const retry = this.probing ? 'a probe call is deciding now' : `retrying in ${this.retryInSeconds()}s`
    return new CircuitOpenError(
      `server "${this.server}" is failing: ${this.consecutive} call(s) failed in a row, last error: ${this.lastError ?? 'unknown'}; ${retry}`,
      {
        suggestions: [
          'Check the server (docker mcp gateway run --verbose shows its output), or wait for the probe.',
        ],
      },
    )
  }

  private open(): void {
    this.openedAt = this.now()
    this.moveTo('open')
  }

  private close(): void {
    this.consecutive = 0
    this.moveTo('closed')
  }

  private moveTo(state: CircuitState): void {
    this.current = state
    this.generation++
  }
}
