/**
 * What `/health` and `/ready` say. `/health` is liveness: 200 while the process serves, with the engine's
 * state in the body ("degraded" while it is unreachable: the gateway lives and reconnects by itself, a
 * restart would not help). `/ready` is readiness: 503 until the servers are listed and while the engine
 * that runs them is unreachable, with the reason, so that a load balancer or a script waits (issue #14: an
 * engine that was down used to leave "ok" here and "unknown tool" everywhere else).
 */
import type {EngineWatch} from './engine-watch.js'
import type {Gateway} from './gateway.js'

const watches = new WeakMap<Gateway, EngineWatch>()

/** The engine watch whose state the gateway's probes report. */
export function attachEngineWatch(gateway: Gateway, watch: EngineWatch): void {
  watches.set(gateway, watch)
}

export interface ProbeAnswer {
  status: number
  body: Record<string, unknown>
}

/** The answer to `/health` or `/ready`. */
export function probe(
  gateway: Gateway,
  path: '/health' | '/ready',
  state: {ready: boolean; stopping: boolean},
): ProbeAnswer {
  const watch = watches.get(gateway)
  const engine = watch
    ? {engine: {host: watch.host, state: watch.state === 'down' ? 'unreachable' : watch.state}}
    : {}
  const problem = watch?.problem
  if (state.stopping) return {status: 503, body: {status: 'stopping', ...engine}}
  if (!state.ready) return {status: 503, body: {status: 'starting', ...engine}}
  if (path === '/health') return {status: 200, body: {status: problem ? 'degraded' : 'ok', ...engine}}
  return problem
    ? {status: 503, body: {status: 'unavailable', reason: problem, ...engine}}
    : {status: 200, body: {status: 'ready', ...engine}}
}
