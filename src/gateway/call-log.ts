/**
 * Why a tool call failed, in one line for the call log (`--log-calls`), or undefined when it succeeded.
 * Failed calls used to be logged like the others, as "took 3ms", so a log of a broken server read as a
 * healthy one. `outcome` is what ended the call: a thrown error, a JSON-RPC error object, a tool result
 * (`isError: true` is a failure the tool reports), or a large answer left as JSON text.
 */
export function callFailureReason(outcome: unknown): string | undefined {
  if (typeof outcome === 'string')
    return outcome.includes('"isError":true') ? 'the tool reported an error' : undefined
  if (outcome instanceof Error) return oneLine(outcome.message)
  if (typeof outcome !== 'object' || outcome === null) return undefined
  const o = outcome as {message?: unknown; code?: unknown; isError?: unknown; content?: unknown}
  if (typeof o.message === 'string' && typeof o.code === 'number') return oneLine(o.message)
  if (o.isError !== true) return undefined
  const text = Array.isArray(o.content)
    ? (o.content as Array<{type?: string; text?: unknown}>).find((c) => c.type === 'text')?.text
    : undefined
  return typeof text === 'string' && text.trim() ? oneLine(text) : 'the tool reported an error'
}

function oneLine(text: string): string {
  const line = text.trim().split('\n')[0]!
  return line.length > 200 ? `${line.slice(0, 200)}…` : line
}
