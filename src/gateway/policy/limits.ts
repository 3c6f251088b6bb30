import {CallRefusedError} from '../pipeline/call.js'
import type {CallStage} from '../pipeline/pipeline.js'
import type {Caller} from '../session/caller.js'
import type {Limits} from './policy-file.js'

/**
 * A token bucket: `capacity` calls at once, refilled at `perMinute` a minute. `take` spends one token, or
 * says how long until one is there. Time comes from `now` (milliseconds) so tests need no waiting.
 */
export class TokenBucket {
  private tokens: number
  private last: number

  constructor(
    readonly perMinute: number,
    readonly capacity: number,
    now: number,
  ) {
    this.tokens = capacity
    this.last = now
  }

  private refill(now: number): void {
    if (now > this.last) {
      this.tokens = Math.min(this.capacity, this.tokens + ((now - this.last) * this.perMinute) / 60_000)
      this.last = now
    }
  }

  /** Spend one token: 0 when taken, else the seconds until one is there (at least 1, whole seconds). */
  take(now: number): number {
    this.refill(now)
    if (this.tokens >= 1) {
      this.tokens -= 1
      return 0
    }
    return Math.max(1, Math.ceil(((1 - this.tokens) * 60_000) / this.perMinute / 1000))
  }

  /** Full again (nothing spent that has not come back): the bucket may be forgotten. */
  full(now: number): boolean {
    this.refill(now)
    return this.tokens >= this.capacity
  }
}

/** A call or request refused by a rate limit: the message says when to retry; `data` carries it for programs. */
export class RateLimitedError extends CallRefusedError {
  constructor(
    message: string,
    readonly retryAfterSeconds: number,
  ) {
    super('rate limit', `rate limit: ${message}; retry after ${retryAfterSeconds} s`, undefined, {
      retryAfterSeconds,
    })
  }
}

/** Buckets above this many are swept of full ones (callers who stopped calling). */
const SWEEP_AT = 10_000

/**
 * The rate limiter of one gateway: token buckets (calls a minute) and in-flight counts (concurrent calls)
 * by key. Keys carry the limit values, so a policy reload that changes a limit starts a fresh bucket.
 */
export class RateLimiter {
  private readonly buckets = new Map<string, TokenBucket>()
  private readonly running = new Map<string, number>()

  constructor(private readonly now: () => number = Date.now) {}

  /** Spend one token of `key`'s bucket: 0 = allowed, else seconds to wait. */
  take(key: string, perMinute: number, burst: number | undefined): number {
    const capacity = burst ?? perMinute
    const id = `${key}\0${perMinute}\0${capacity}`
    const now = this.now()
    let bucket = this.buckets.get(id)
    if (!bucket) {
      if (this.buckets.size >= SWEEP_AT) this.sweep(now)
      this.buckets.set(id, (bucket = new TokenBucket(perMinute, capacity, now)))
    }
    return bucket.take(now)
  }

  /** Count one more call running under `key`, if fewer than `max` are: the release, or undefined. */
  enter(key: string, max: number): (() => void) | undefined {
    const n = this.running.get(key) ?? 0
    if (n >= max) return undefined
    this.running.set(key, n + 1)
    let released = false
    return () => {
      if (released) return
      released = true
      const left = (this.running.get(key) ?? 1) - 1
      if (left <= 0) this.running.delete(key)
      else this.running.set(key, left)
    }
  }

  get size(): number {
    return this.buckets.size
  }

  private sweep(now: number): void {
    for (const [id, bucket] of this.buckets) if (bucket.full(now)) this.buckets.delete(id)
  }
}

/** Where the limits of a call come from: the policy (reloaded) over the flags. */
export interface LimitSource {
  /** Limits on every call and request of the caller. */
  callerLimits(caller: Caller): Limits
  /** The limit on this tool for this caller, if any, and the key of its bucket. */
  toolLimits(
    caller: Caller,
    server: string,
    tool: string,
    name: string,
  ): {key: string; limits: Limits} | undefined
}

/**
 * The rate-limit stage: per identity (calls a minute, concurrent calls) and per identity and tool. A call
 * over a limit is refused with RateLimitedError (the MCP error says when to retry) and never forwarded.
 */
export function rateLimitStage(limiter: RateLimiter, source: LimitSource): CallStage {
  return {
    name: 'rate limit',
    async run(call, next) {
      // A resumed 2026-07-28 round is the same call, already counted.
      if (call.resumed) return next(call)
      const who = call.caller.id
      const mine = source.callerLimits(call.caller)
      const tool = source.toolLimits(call.caller, call.server, call.tool, call.name)
      const releases: Array<() => void> = []
      try {
        admit(limiter, releases, `caller\0${who}`, mine, `${who} may make`, 'tool calls')
        if (tool)
          admit(
            limiter,
            releases,
            `tool\0${who}\0${tool.key}`,
            tool.limits,
            `${who} may make`,
            `calls of ${call.name}`,
          )
      } catch (err) {
        for (const release of releases) release()
        throw err
      }
      try {
        return await next(call)
      } finally {
        for (const release of releases) release()
      }
    },
  }
}

function admit(
  limiter: RateLimiter,
  releases: Array<() => void>,
  key: string,
  limits: Limits,
  subject: string,
  what: string,
): void {
  if (limits.callsPerMinute) {
    const wait = limiter.take(key, limits.callsPerMinute, limits.burst)
    if (wait > 0) throw new RateLimitedError(`${subject} ${limits.callsPerMinute} ${what} a minute`, wait)
  }
  if (limits.concurrentCalls) {
    const release = limiter.enter(key, limits.concurrentCalls)
    if (!release)
      throw new RateLimitedError(
        `${subject} ${limits.concurrentCalls} ${what} at once, and that many are running`,
        1,
      )
    releases.push(release)
  }
}

/**
 * The front door's limit on HTTP requests per identity (`requestsPerMinute`): a request over it is answered
 * 429 with `Retry-After` before it reaches a session.
 */
export function requestThrottle(
  limiter: RateLimiter,
  source: LimitSource,
): (caller: Caller) => {retryAfterSeconds: number; message: string} | undefined {
  return (caller) => {
    const perMinute = source.callerLimits(caller).requestsPerMinute
    if (!perMinute) return undefined
    const wait = limiter.take(`request\0${caller.id}`, perMinute, undefined)
    if (wait === 0) return undefined
    return {
      retryAfterSeconds: wait,
      message: `rate limit: ${caller.id} may make ${perMinute} requests a minute; retry after ${wait} s`,
    }
  }
}
