import type {CircuitState} from './breaker.js'
import type {ReplicaState} from './replicas.js'

/**
 * One server as the pool sees it right now: `UpstreamPool.serverStatus()` returns one per server that has
 * had a call or holds a long-lived container, for `/status` and metrics. A read-only snapshot (plain data,
 * safe to serialise): nothing in it changes afterwards, and it carries no secret (container ids, remote URLs
 * as configured, error messages as the gateway words them for clients).
 */
export interface ServerStatus {
  server: string
  /**
   * Its long-lived containers (or remote connections): replicas of every session, and the one container
   * of each session of a server without replicas. Per-call containers come and go with their calls and
   * are not listed.
   */
  replicas: ReplicaStatus[]
  /** The circuit breaker: `open` fails calls at once, `half-open` lets one probe call through. */
  circuit: CircuitState
  /** Requests sent to it (tool calls, prompts, resources, listings) since the gateway started. */
  calls: number
  /** Of those, the ones that failed on the way (closed connection, timeout, start failure), not tool errors. */
  errors: number
  /** Failures in a row now (the circuit opens at --circuit-failures). */
  failuresInRow: number
  lastError?: string | undefined
}

export interface ReplicaStatus {
  /** The container's short id or the remote URL; `replica <n>` while it starts. */
  container: string
  /** The client session it serves (pool scope; `\u0000…` for the gateway's own listings). */
  session: string
  state: ReplicaState
  /** Calls in flight on it now. */
  outstanding: number
  lastError?: string | undefined
}

/**
 * The pool's view of each server for `/status` (observe/status.ts merges it into the server's entry):
 * `replicas` and `circuit`. The pool counts requests on the way (listings too) and failures of transport,
 * not tool calls and their errors, so its counts sit under `circuit`, never over the entry's own.
 */
export function poolStatusProvider(pool: {serverStatus(): ServerStatus[]}): {
  serverStatus(): ReadonlyMap<string, Readonly<Record<string, unknown>>>
} {
  return {
    serverStatus: () =>
      new Map(
        pool.serverStatus().map((s) => [
          s.server,
          {
            replicas: s.replicas,
            circuit: {
              state: s.circuit,
              failuresInRow: s.failuresInRow,
              requests: s.calls,
              failures: s.errors,
              lastError: s.lastError ?? null,
            },
          },
        ]),
      ),
  }
}
