import type {CallOutcome} from './breaker.js'

/** Error codes of the SDK client that mean the way to the server failed, not the server's answer. */
const TRANSPORT_CODES = new Set(['REQUEST_TIMEOUT', 'CONNECTION_CLOSED', 'SEND_FAILED', 'NOT_CONNECTED'])
/** Socket errors met before a request left: the server never saw it. */
const NOT_SENT_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN'])
/** Socket errors after a connection was made: the request may have arrived, but the connection is done. */
const RESET_CODES = new Set(['ECONNRESET', 'EPIPE', 'UND_ERR_SOCKET'])
/** The gateway's own wording of a timeout and of a server that went (call-errors.ts). */
const TRANSPORT_MESSAGE =
  /did not answer .* within|stopped during|timed? ?out|connection (to the server )?(is )?closed|fetch failed/i

/** A call's end as the breaker and the balancer see it, with a short reason for a failure. */
export interface Classified {
  outcome: CallOutcome
  /** The failure could only have happened before the request reached the server: retrying is safe. */
  notSent: boolean
  /** The connection is of no more use (refused, or the server's HTTP layer refused it): open another. */
  broken?: boolean
  reason?: string
}

/**
 * Classify how a request to a server ended. `error` undefined = it answered (a tool error with `isError`
 * is an answer). A failure is what says the server or the way to it is broken: the connection closed
 * (`open` false), a timeout, a request that could not be sent or a start that failed. Cancellations, guard
 * refusals, capacity refusals and JSON-RPC errors the server answered are not failures.
 */
export function classify(
  error: unknown,
  open = true,
  /** What an error of no known kind is: a failure where only the upstream request ran, else neutral. */
  unknown: 'failure' | 'neutral' = 'failure',
): Classified {
  if (error === undefined) return {outcome: 'success', notSent: false}
  const e = error as {name?: unknown; code?: unknown; message?: unknown}
  const name = typeof e?.name === 'string' ? e.name : ''
  const message = typeof e?.message === 'string' ? e.message : String(error)
  if (
    [
      'CallRefusedError',
      'ClientCancelledError',
      'CapacityError',
      'ShuttingDownError',
      'CircuitOpenError',
      'AbortError',
    ].includes(name)
  )
    return {outcome: 'neutral', notSent: false}
  const codes = causeCodes(error)
  const notSent = codes.some((c) => NOT_SENT_CODES.has(c))
  if (codes.some((c) => RESET_CODES.has(c)))
    return {outcome: 'failure', notSent: false, broken: true, reason: message.split('\n')[0]!.slice(0, 300)}
  const reason = message.split('\n')[0]!.slice(0, 300)
  if (!open || notSent) return {outcome: 'failure', notSent, broken: notSent, reason}
  if (typeof e?.code === 'string' && e.code.startsWith('CLIENT_HTTP'))
    return {outcome: 'failure', notSent, broken: true, reason}
  if (typeof e?.code === 'string' && TRANSPORT_CODES.has(e.code)) return {outcome: 'failure', notSent, reason}
  if (TRANSPORT_MESSAGE.test(message)) return {outcome: 'failure', notSent, reason}
  // The server answered with a JSON-RPC error: it works.
  if (typeof e?.code === 'number') return {outcome: 'success', notSent: false}
  return unknown === 'failure' ? {outcome: 'failure', notSent, reason} : {outcome: 'neutral', notSent: false}
}

/** The `code`s of an error and its causes (fetch wraps the socket's error in `cause`). */
function causeCodes(error: unknown): string[] {
  const codes: string[] = []
  let e = error as {code?: unknown; cause?: unknown; errors?: unknown} | undefined
  for (let depth = 0; e && depth < 5; depth++) {
    if (typeof e.code === 'string') codes.push(e.code)
    // An AggregateError (happy eyeballs: every address refused) carries its errors in `errors`.
    if (Array.isArray(e.errors))
      for (const inner of e.errors) if (typeof inner?.code === 'string') codes.push(inner.code as string)
    e = e.cause as typeof e
  }
  return codes
}
