/** Code mode's limits, outcomes and errors: shared by the main thread (./sandbox.ts) and the worker (./engine.ts). */

const KiB = 1024
const MiB = 1024 * KiB

export interface SandboxLimits {
  /** Wall time of a run, tool calls included. */
  timeoutMs: number
  /** The QuickJS runtime's heap. */
  memoryBytes: number
  /**
   * QuickJS's stack. Kept well under what the host's own stack can hold: the interpreter recurses on it,
   * and a deep script must hit QuickJS's clean "stack overflow" before the host's.
   */
  stackBytes: number
  /** Tool calls one run may make. */
  maxCalls: number
  /** The return value, as JSON. */
  maxResultBytes: number
  /** Captured console output; beyond it, lines are dropped (with a note). */
  maxLogBytes: number
}

export const DEFAULT_LIMITS: Readonly<SandboxLimits> = Object.freeze({
  timeoutMs: 60_000,
  memoryBytes: 64 * MiB,
  stackBytes: 128 * KiB,
  maxCalls: 64,
  maxResultBytes: 1 * MiB,
  maxLogBytes: 64 * KiB,
})

/**
 * A function the script can call (`await dice.roll_dice({sides: 6})`). It gets the arguments as a plain
 * host object parsed from the script's JSON, and a signal that aborts when the run ends early; its
 * result must be JSON-serialisable. A rejection becomes an exception in the script.
 */
export type HostFunction = (args: Record<string, unknown>, signal: AbortSignal) => Promise<unknown>

export interface ScriptRun {
  /** The body of an async function: `await` works, `return` gives the result. */
  script: string
  /** Global objects of functions, by identifier: `{dice: {roll_dice: fn}}`. Names must be identifiers. */
  globals: Readonly<Record<string, Readonly<Record<string, HostFunction>>>>
  limits?: Partial<SandboxLimits> | undefined
  /** Stops the run (the client cancelled). */
  signal?: AbortSignal | undefined
}

export type ScriptErrorKind =
  | 'syntax'
  | 'threw'
  | 'timeout'
  | 'memory'
  | 'stack'
  | 'calls'
  | 'result-size'
  | 'not-serialisable'
  | 'never-settles'
  | 'cancelled'
  | 'sandbox'

export interface ScriptError {
  kind: ScriptErrorKind
  /** What happened and what to do, for the model that wrote the script. */
  message: string
}

export type ScriptOutcome = {logs: string[]; calls: number} & (
  | {ok: true; /** A JSON value; undefined when the script returned nothing. */ value: unknown}
  | {ok: false; error: ScriptError}
)

export function timeoutError(limits: SandboxLimits): ScriptError {
  return {
    kind: 'timeout',
    message: `the script ran longer than ${limits.timeoutMs / 1000} s (code mode's time limit, tool calls included) and was stopped: do less in one run, or split the work across several calls`,
  }
}

export function memoryError(limits: SandboxLimits): ScriptError {
  return {
    kind: 'memory',
    message: `the script used more than ${formatBytes(limits.memoryBytes)} of memory (code mode's limit) and was stopped: work on smaller pieces of data`,
  }
}

export function formatBytes(n: number): string {
  if (n >= MiB && n % MiB === 0) return `${n / MiB} MiB`
  if (n >= MiB) return `${(n / MiB).toFixed(1)} MiB`
  if (n >= KiB && n % KiB === 0) return `${n / KiB} KiB`
  if (n >= KiB) return `${(n / KiB).toFixed(1)} KiB`
  return `${n} bytes`
}
