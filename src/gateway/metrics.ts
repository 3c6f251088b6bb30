import {Counter, Gauge, Histogram, Registry} from 'prom-client'

import type {ServerStatus} from './balance/status.js'
import type {Caller} from './session/caller.js'

/** Prometheus metrics of one gateway (served on /metrics when asked for). */
export interface GatewayMetrics {
  sessions: Gauge
  observeCall(server: string, tool: string, seconds: number, ok: boolean, caller?: Caller): void
  render(): Promise<string>
  contentType: string
}

/** Circuit states as a gauge value. */
const CIRCUIT_VALUE = {closed: 0, 'half-open': 1, open: 2} as const

export function createMetrics(
  containers: () => number,
  /** The pool's `serverStatus()`: replica and circuit gauges, read when scraped. */
  servers: () => ServerStatus[] = () => [],
): GatewayMetrics {
  const registry = new Registry()
  const calls = new Counter({
    name: 'mcp_gateway_tool_calls_total',
    help: 'Tool calls by server, tool and outcome',
    labelNames: ['server', 'tool', 'outcome'],
    registers: [registry],
  })
  // Who calls: token names, local and anonymous are few; OAuth subjects are unbounded, so they count as one.
  const byIdentity = new Counter({
    name: 'mcp_gateway_tool_calls_by_identity_total',
    help: 'Tool calls by caller identity (token:<name>, local, anonymous; oauth for every OAuth subject) and outcome',
    labelNames: ['identity', 'outcome'],
    registers: [registry],
  })
  const latency = new Histogram({
    name: 'mcp_gateway_tool_call_duration_seconds',
    help: 'Tool call latency through the gateway',
    labelNames: ['server', 'tool'],
    buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 30, 120],
    registers: [registry],
  })
  const sessions = new Gauge({
    name: 'mcp_gateway_sessions',
    help: 'Live client sessions',
    registers: [registry],
  })
  new Gauge({
    name: 'mcp_gateway_containers',
    help: 'Server containers held by the gateway',
    registers: [registry],
    collect() {
      this.set(containers())
    },
  })
  // Servers scaled and balanced (src/gateway/balance/): read from the pool's snapshot at each scrape.
  new Gauge({
    name: 'mcp_gateway_server_replicas',
    help: 'Long-lived containers (replicas) of a server by state (starting, ready, failed, stopped)',
    labelNames: ['server', 'state'],
    registers: [registry],
    collect() {
      this.reset()
      for (const s of servers()) {
        const counts: Record<string, number> = {starting: 0, ready: 0, failed: 0}
        for (const r of s.replicas) counts[r.state] = (counts[r.state] ?? 0) + 1
        for (const [state, n] of Object.entries(counts)) this.set({server: s.server, state}, n)
      }
    },
  })
  new Gauge({
    name: 'mcp_gateway_circuit_state',
    help: "A server's circuit breaker: 0 closed, 1 half-open (a probe may go), 2 open (calls fail at once)",
    labelNames: ['server'],
    registers: [registry],
    collect() {
      this.reset()
      for (const s of servers()) this.set({server: s.server}, CIRCUIT_VALUE[s.circuit])
    },
  })
  new Gauge({
    name: 'mcp_gateway_server_request_failures',
    help: 'Requests to a server that failed on the way (start, closed connection, timeout), not tool errors',
    labelNames: ['server'],
    registers: [registry],
    collect() {
      this.reset()
      for (const s of servers()) this.set({server: s.server}, s.errors)
    },
  })
  return {
    sessions,
    observeCall(server, tool, seconds, ok, caller) {
      calls.inc({server, tool, outcome: ok ? 'ok' : 'error'})
      if (caller) byIdentity.inc({identity: identityLabel(caller), outcome: ok ? 'ok' : 'error'})
      latency.observe({server, tool}, seconds)
    },
    render: () => registry.metrics(),
    contentType: registry.contentType,
  }
}

/** A caller as a metrics label: bounded values only (an OAuth subject per user would be unbounded). */
export function identityLabel(caller: Caller): string {
  return caller.via === 'oauth' ? 'oauth' : caller.id
}
