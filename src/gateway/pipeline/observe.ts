import {callFailureReason} from '../call-log.js'
import type {Logger} from '../logger.js'
import type {Caller} from '../session/caller.js'
import type {CallAnswer} from './call.js'
import type {CallStage} from './pipeline.js'

export interface ObserveOptions {
  /** `--log-calls`: a line when a call starts and one when it ends (argument shapes, never values). */
  logCalls: boolean
  logger: Logger
  /** Told about every call's end (metrics), and who made it. */
  observeCall?:
    | ((
        server: string,
        tool: string,
        seconds: number,
        ok: boolean,
        caller: Caller,
        /** Why it failed, in one line (the call log's reason), when it did. */
        failure?: string,
      ) => void)
    | undefined
}

/**
 * The outermost stage: logs (`--log-calls`) and measures (metrics) every call, whatever ends it: the
 * server's answer, a guard's refusal, a timeout or the client cancelling.
 */
export function observeStage(options: ObserveOptions): CallStage {
  const {logCalls, logger, observeCall} = options
  return {
    name: 'observe',
    run(call, next) {
      const started = performance.now()
      // With --log-format json these are the lines' fields (README.md, "Observability").
      const fields = logCalls
        ? {
            server: call.server,
            tool: call.name,
            session: call.session,
            caller: call.caller.id,
            path: call.via,
          }
        : undefined
      if (logCalls)
        logger.info(
          `  - Calling tool ${call.name} (${call.server})${callerNote(call.caller)} with arguments: ${argumentShape(call.arguments)}`,
          {event: 'call.start', ...fields, arguments: argumentShape(call.arguments)},
        )
      // Once per call, whatever ends it. Promise callbacks rather than an async function: this wraps every
      // call, on the hot path too, and costs no promise of its own.
      const ended = (outcome: unknown) => {
        const failure = callFailureReason(outcome)
        const seconds = (performance.now() - started) / 1000
        observeCall?.(call.server, call.tool, seconds, failure === undefined, call.caller, failure)
        if (logCalls) {
          const ms = Math.round(seconds * 1000)
          const end = {event: 'call.end', ...fields, duration_ms: ms}
          if (failure === undefined)
            logger.info(`  > Calling tool ${call.name} took: ${ms}ms`, {...end, outcome: 'ok'})
          else
            logger.warn(`  > Calling tool ${call.name} failed after ${ms}ms: ${failure}`, {
              ...end,
              outcome: 'error',
              error: failure,
            })
        }
      }
      let answered: Promise<CallAnswer>
      try {
        answered = next(call)
      } catch (err) {
        ended(err)
        return Promise.reject(err as Error)
      }
      return answered.then(
        (answer) => {
          ended(answerOutcome(answer))
          return answer
        },
        (err: unknown) => {
          ended(err)
          throw err
        },
      )
    },
  }
}

/** Who called, when it is not the local user: ` for oauth:alice`, ` for token:default`. */
function callerNote(caller: Caller | undefined): string {
  return caller && caller.via !== 'local' ? ` for ${caller.id}` : ''
}

/** What `callFailureReason` reads: the result, the error object, or a large answer's text. */
function answerOutcome(answer: CallAnswer): unknown {
  switch (answer.kind) {
    case 'result':
      return answer.result
    case 'error':
      return answer.error
    case 'text':
      return answer.text
    case 'input':
      return undefined
  }
}

/** Describe call arguments without their values: what `--log-calls` may print. */
export function argumentShape(args: unknown): string {
  if (args === undefined || args === null) return 'none'
  if (Array.isArray(args)) return `array with ${args.length} element(s)`
  if (typeof args === 'object') return `object with ${Object.keys(args).length} field(s)`
  return typeof args
}
