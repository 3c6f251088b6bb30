/**
 * One `--interceptor` as a pipeline stage. The payloads and answers (README "Interceptors"):
 *
 * before — given `{"method":"tools/call","params":{"name":NAME,"arguments":{...}}}` (the original's payload;
 * NAME is the tool's name as the client sees it). Its answer, after trimming:
 * - empty: the call goes on unchanged (the original's);
 * - `{"refuse":"reason"}`, or exit code 2 / HTTP 403 (the output then is the reason): the call is refused;
 * - `{"arguments":{...}}`, or the payload's own shape `{"method":"tools/call","params":{"arguments":{...}}}`:
 *   the call goes on with these arguments (the payload echoed back, `cat`, changes nothing);
 * - anything else is a CallToolResult returned instead of calling the tool (the original's).
 *
 * after — given the tool's result (a CallToolResult) as JSON; errors of the server pass untouched. Its answer:
 * empty: unchanged; `{"refuse":"reason"}` / exit 2 / HTTP 403: the result is withheld and the call fails;
 * anything else: a CallToolResult that replaces the result (the original's).
 *
 * Whatever goes wrong (a failure of the runner, an answer that is not JSON or not a CallToolResult) fails
 * the call: a guard that cannot decide does not let the call through.
 */
import type {CallToolResult} from '@modelcontextprotocol/server'

import type {Logger} from '../../logger.js'
import {CallRefusedError, parsedAnswer, type CallAnswer, type ToolCall} from '../call.js'
import type {CallStage} from '../pipeline.js'
import {InterceptorFailure, type InterceptorOutcome, type InterceptorRunner} from './runners.js'
import type {InterceptorSpec} from './spec.js'

/** The most of a refusal's reason that reaches the client. */
const MAX_REASON = 300

export function interceptorStage(
  spec: InterceptorSpec,
  runner: InterceptorRunner,
  logger: Logger,
): CallStage {
  const name = `interceptor ${spec.index} (${spec.when}:${spec.type})`
  const ask = async (payload: string, what: 'call' | 'result'): Promise<InterceptorOutcome> => {
    try {
      return await runner.run(payload)
    } catch (err) {
      const reason = err instanceof InterceptorFailure ? err.message : 'failed'
      logger.warn(`  - ${spec.label} ${reason}: the ${what} was refused`)
      throw new CallRefusedError(
        name,
        `${spec.label} ${reason}: the ${what} was refused (interceptors fail closed)`,
      )
    }
  }
  const refuse = (text: string, what: 'call' | 'result', toolName: string): never => {
    // Not logged here: the call log (--log-calls) says which call was refused, by whom and why.
    const reason = refusalReason(text)
    throw new CallRefusedError(name, `${spec.label} refused the ${what} of tool ${toolName}: ${reason}`)
  }
  const invalid = (what: 'call' | 'result', detail: string): never => {
    logger.warn(`  - ${spec.label} answered ${detail}: the ${what} was refused`)
    throw new CallRefusedError(
      name,
      `${spec.label} answered ${detail}: the ${what} was refused (interceptors fail closed)`,
    )
  }

  if (spec.when === 'before')
    return {
      name,
      async run(call, next) {
        // A 2026-07-28 client's retry carrying input resumes a call that already passed (see ToolCall).
        if (call.resumed) return next(call)
        const outcome = await ask(beforePayload(call), 'call')
        if (outcome.kind === 'refused') return refuse(outcome.text, 'call', call.name)
        const text = outcome.text.trim()
        if (text === '') return next(call)
        const value = parseJson(text) ?? invalid('call', 'something that is not JSON')
        if (!isObject(value)) return invalid('call', 'JSON that is not an object')
        if (Object.hasOwn(value, 'refuse')) return refuse(String(value.refuse ?? ''), 'call', call.name)
        const rewrite = rewrittenArguments(value, call)
        if (rewrite.kind === 'invalid') return invalid('call', rewrite.detail)
        if (rewrite.kind === 'arguments') return next(call.withArguments(rewrite.arguments))
        const result = asCallToolResult(value)
        if (typeof result === 'string') return invalid('call', result)
        return {kind: 'result', result}
      },
    }

  return {
    name,
    async run(call, next) {
      const answer = await next(call)
      // Errors of the server, and rounds that ask a 2026-07-28 client for input, are not results.
      if (answer.kind === 'error' || answer.kind === 'input') return answer
      const parsed = parsedAnswer(answer)
      if (parsed.kind !== 'result') return parsed
      const outcome = await ask(JSON.stringify(parsed.result), 'result')
      if (outcome.kind === 'refused') return refuse(outcome.text, 'result', call.name)
      const text = outcome.text.trim()
      if (text === '') return answer
      const value = parseJson(text) ?? invalid('result', 'something that is not JSON')
      if (!isObject(value)) return invalid('result', 'JSON that is not an object')
      if (Object.hasOwn(value, 'refuse')) return refuse(String(value.refuse ?? ''), 'result', call.name)
      const result = asCallToolResult(value)
      if (typeof result === 'string') return invalid('result', result)
      return {kind: 'result', result} satisfies CallAnswer
    },
  }
}

/** The original's payload for a before-interceptor: the request's method and parameters. */
export function beforePayload(call: ToolCall): string {
  return JSON.stringify({method: 'tools/call', params: {name: call.name, arguments: call.arguments ?? {}}})
}

type Rewrite =
  {kind: 'none'} | {kind: 'arguments'; arguments: Record<string, unknown>} | {kind: 'invalid'; detail: string}

/** Does a before-interceptor's answer rewrite the arguments (and not replace the call with a result)? */
function rewrittenArguments(value: Record<string, unknown>, call: ToolCall): Rewrite {
  const params = value.params
  if (Object.hasOwn(value, 'params') || value.method !== undefined) {
    if (value.method !== undefined && value.method !== 'tools/call')
      return {kind: 'invalid', detail: `a request for "${String(value.method)}" instead of tools/call`}
    if (!isObject(params)) return {kind: 'invalid', detail: 'a request without params'}
    if (params.name !== undefined && params.name !== call.name)
      return {
        kind: 'invalid',
        detail: 'a call to another tool (an interceptor may change arguments, not the tool)',
      }
    return argumentsOf(params.arguments)
  }
  if (Object.hasOwn(value, 'arguments') && !Object.hasOwn(value, 'content'))
    return argumentsOf(value.arguments)
  return {kind: 'none'}
}

function argumentsOf(value: unknown): Rewrite {
  if (value === undefined) return {kind: 'arguments', arguments: {}}
  if (!isObject(value)) return {kind: 'invalid', detail: 'arguments that are not an object'}
  return {kind: 'arguments', arguments: value}
}

/** The answer as a CallToolResult, or what is wrong with it. `content` may be left out (an empty list). */
function asCallToolResult(value: Record<string, unknown>): CallToolResult | string {
  const content = value.content ?? []
  if (!Array.isArray(content)) return 'a result whose content is not a list'
  for (const [i, item] of content.entries())
    if (!isObject(item) || typeof item.type !== 'string')
      return `a result whose content[${i}] has no type (not a CallToolResult)`
  if (value.isError !== undefined && typeof value.isError !== 'boolean')
    return 'a result whose isError is not true or false'
  if (value.structuredContent !== undefined && !isObject(value.structuredContent))
    return 'a result whose structuredContent is not an object'
  return {...value, content} as CallToolResult
}

/** A refusal's reason for the client: `{"refuse": "…"}` or the first line of the output, bounded, printable. */
export function refusalReason(text: string): string {
  let reason = text.trim()
  const value = parseJson(reason)
  if (isObject(value) && typeof value.refuse === 'string') reason = value.refuse
  reason = (reason.split('\n').find((line) => line.trim() !== '') ?? '').trim()
  // eslint-disable-next-line no-control-regex
  reason = reason.replace(/[\u0000-\u001f\u007f]/g, ' ')
  if (reason.length > MAX_REASON) reason = `${reason.slice(0, MAX_REASON)}…`
  return reason || 'no reason given'
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown
  } catch {
    return undefined
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}
