import type {CallAnswer, ToolCall} from './call.js'

/** The rest of the pipeline after a stage: the next stages and, last, the forward to the server. */
export type NextStage = (call: ToolCall) => Promise<CallAnswer>

/**
 * One step every tool call takes. A stage sees the call on its way in, calls `next` to pass it on (or
 * does not, to refuse it: throw CallRefusedError), and sees the answer on its way out. Stages nest like
 * an onion: the first stage is outermost, so it sees every outcome of the ones inside it, refusals too.
 */
export interface CallStage {
  /** Names the stage in errors and logs (`secrets`, `interceptor before exec:…`). */
  readonly name: string
  run(call: ToolCall, next: NextStage): Promise<CallAnswer>
}

/**
 * The stages of a guard that only looks (and may refuse or rewrite): `before` the call is forwarded and
 * `after` its final answer. Rounds that ask a 2026-07-28 client for input pass `after` untouched, and a
 * resumed call does not pass `before` again unless `beforeEachRound` says so.
 */
export interface Guard {
  readonly name: string
  before?: ((call: ToolCall) => ToolCall | void | Promise<ToolCall | void>) | undefined
  after?: ((call: ToolCall, answer: CallAnswer) => CallAnswer | void | Promise<CallAnswer | void>) | undefined
  beforeEachRound?: boolean | undefined
}

export function guardStage(guard: Guard): CallStage {
  const {name, before, after, beforeEachRound} = guard
  // Every call passes here, on the hot path too: a guard that answers synchronously (secret blocking)
  // costs no promise of its own on the way in and one `then` on the way out; an asynchronous one waits
  // as before. Either way a throw becomes the returned promise's rejection, never a synchronous throw.
  const afterAnswer = (forwarded: ToolCall) => (answer: CallAnswer) => {
    if (!after || answer.kind === 'input') return answer
    const checked = after(forwarded, answer)
    return isPromise(checked) ? checked.then((a) => a ?? answer) : (checked ?? answer)
  }
  return {
    name,
    run(call, next) {
      try {
        if (!before || !(beforeEachRound || !call.resumed)) return next(call).then(afterAnswer(call))
        const rewritten = before(call)
        if (isPromise(rewritten))
          return rewritten.then((r) => {
            const forwarded = r ?? call
            return next(forwarded).then(afterAnswer(forwarded))
          })
        const forwarded = rewritten ?? call
        return next(forwarded).then(afterAnswer(forwarded))
      } catch (err) {
        return Promise.reject(err as Error)
      }
    },
  }
}

function isPromise<T>(value: T | Promise<T>): value is Promise<T> {
  return typeof (value as {then?: unknown} | undefined)?.then === 'function'
}

/**
 * Every tool call the gateway forwards goes through one CallPipeline, whichever path carries it (see
 * src/gateway/pipeline/README.md for the order of stages and how to add one). `forward` is the path's own
 * last step: it sends the call to the server and resolves with its answer.
 */
export class CallPipeline {
  constructor(readonly stages: readonly CallStage[]) {}

  run(call: ToolCall, forward: NextStage): Promise<CallAnswer> {
    const {stages} = this
    const step =
      (i: number): NextStage =>
      (c) => {
        // A stage or forward step that throws instead of rejecting still ends in the returned promise.
        try {
          return i === stages.length ? forward(c) : stages[i]!.run(c, step(i + 1))
        } catch (err) {
          return Promise.reject(err as Error)
        }
      }
    return step(0)(call)
  }
}
