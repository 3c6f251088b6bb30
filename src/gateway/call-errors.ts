/** What a client reads when a call to a server fails: which server, what happened, what to do. */
import {ProtocolError, ProtocolErrorCode} from '@modelcontextprotocol/server'

import type {Upstream} from './upstream.js'

/**
 * `_meta` key of a `tools/list` result when container servers cannot run right now (the Docker engine is
 * unreachable): its value says why. `docker mcp tools ls` and `client doctor` fail with it.
 */
export const UNAVAILABLE_META_KEY = 'io.docker.mcp/unavailable'

export function toProtocolError(
  err: unknown,
  server: string,
  method: string,
  timeoutMs: number,
): ProtocolError {
  if (err instanceof ProtocolError) return err
  const e = err as {code?: unknown; message?: string}
  const message = e?.message ?? String(err)
  if (/timed? ?out/i.test(message) || e?.code === 'REQUEST_TIMEOUT') {
    return new ProtocolError(ProtocolErrorCode.InternalError, timeoutMessage(server, method, timeoutMs))
  }
  if (typeof e?.code === 'number') return new ProtocolError(e.code as ProtocolErrorCode, message)
  return new ProtocolError(
    ProtocolErrorCode.InternalError,
    message.startsWith('server "') ? message : `server "${server}": ${message}`,
  )
}

export function timeoutMessage(server: string, method: string, timeoutMs: number): string {
  return `server "${server}" did not answer ${method} within ${Math.round(timeoutMs / 1000)}s (set --call-timeout to wait longer)`
}

/**
 * A server went away during a call: why (the engine's account of its container: exit code, OOM, killed,
 * the engine itself gone; see ContainerExits), not its last stderr line, which is usually its banner.
 */
export async function stoppedMessage(server: string, method: string, upstream: Upstream): Promise<string> {
  const why = upstream.explainExit ? await upstream.explainExit().catch(() => undefined) : undefined
  return `server "${server}" stopped during ${method}: ${why ?? 'its connection closed'}. It will be restarted on the next call.`
}

/**
 * A call to a name no tool has. Worded as the SDK's servers word it when nothing is wrong (the client
 * cannot tell who answered); servers that could not start may be why: say so (e.g. a secret not set).
 */
export function toolNotFound(
  name: string,
  failures: ReadonlyMap<string, string>,
  unavailable: string | undefined,
): ProtocolError {
  const failed = [...failures].map(([server, reason]) => `server "${server}" failed: ${reason}`)
  return new ProtocolError(
    ProtocolErrorCode.InvalidParams,
    unavailable
      ? `tool "${name}" is not available: ${unavailable}`
      : [`Tool ${name} not found`, ...failed].join('; '),
  )
}
