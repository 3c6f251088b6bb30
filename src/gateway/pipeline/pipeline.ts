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
  return {
    name,
    async run(call, next) {
      let forwarded = call
      if (before && (beforeEachRound || !call.resumed)) forwarded = (await before(call)) ?? call
      const answer = await next(forwarded)
      if (!after || answer.kind === 'input') return answer
      return (await after(forwarded, answer)) ?? answer
    },
  }
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
      (c) =>
        i === stages.length ? forward(c) : stages[i]!.run(c, step(i + 1))
    return step(0)(call)
  }
}
