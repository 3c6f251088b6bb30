import {ClientCancelledError} from '../raw-call.js'
import {callFailureReason} from '../call-log.js'
import {currentTrace, type CallOutcome, type CallTracer} from '../observe/tracing.js'
import {CallRefusedError, type CallAnswer} from './call.js'
import type {CallStage} from './pipeline.js'

/**
 * The outermost stage when tracing is on (src/gateway/observe/): one span per tool call, child of the
 * client's trace context (`_meta.traceparent`, else the HTTP `traceparent` header), ended with the call's
 * outcome whatever ends it. The call goes on carrying the span's context (`ToolCall.trace`), which the
 * forwarding step passes to the server; `currentTrace` holds it meanwhile for remote fetches and for calls
 * made inside this one (code mode).
 */
export function tracingStage(tracer: CallTracer): CallStage {
  return {
    name: 'trace',
    async run(call, next) {
      const span = tracer.startCall(
        {
          method: 'tools/call',
          server: call.server,
          tool: call.tool,
          name: call.name,
          session: call.session,
          caller: call.caller.id,
          via: call.via,
        },
        call.clientTrace() ?? currentTrace.getStore(),
      )
      let outcome: CallOutcome = {outcome: 'error', reason: 'no answer'}
      try {
        const answer = await currentTrace.run(span.carrier, () => next(call.withTrace(span.carrier)))
        outcome = answerOutcome(answer)
        return answer
      } catch (err) {
        outcome = errorOutcome(err)
        throw err
      } finally {
        span.end(outcome)
      }
    },
  }
}

/** How a call that got an answer ended, for its span. */
export function answerOutcome(answer: CallAnswer): CallOutcome {
  switch (answer.kind) {
    case 'input':
      return {outcome: 'ok'}
    case 'error':
      return {outcome: 'error', code: answer.error.code, reason: callFailureReason(answer.error)}
    case 'result':
    case 'text': {
      const reason = callFailureReason(answer.kind === 'text' ? answer.text : answer.result)
      return reason === undefined ? {outcome: 'ok'} : {outcome: 'tool_error', reason}
    }
  }
}

/** How a call that threw ended: a guard's refusal, a timeout, the client cancelling, or another failure. */
export function errorOutcome(err: unknown): CallOutcome {
  if (err instanceof CallRefusedError)
    return {outcome: 'refused', guard: err.guard, code: err.code, reason: callFailureReason(err)}
  if (err instanceof ClientCancelledError) return {outcome: 'cancelled'}
  const reason = callFailureReason(err)
  if (reason !== undefined && / did not answer \S+ within /.test(reason)) return {outcome: 'timeout', reason}
  const code = (err as {code?: unknown})?.code
  return {outcome: 'error', reason, ...(typeof code === 'number' ? {code} : {})}
}
