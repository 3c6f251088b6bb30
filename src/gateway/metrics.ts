import {Counter, Gauge, Histogram, Registry} from 'prom-client'

import type {Caller} from './session/caller.js'

/** Prometheus metrics of one gateway (served on /metrics when asked for). */
export interface GatewayMetrics {
  sessions: Gauge
  observeCall(server: string, tool: string, seconds: number, ok: boolean, caller?: Caller): void
  render(): Promise<string>
  contentType: string
}

export function createMetrics(containers: () => number): GatewayMetrics {
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
