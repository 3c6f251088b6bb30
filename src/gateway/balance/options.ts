import {UsageError} from '../../errors.js'

/** Replicas and circuit breakers: what the pool takes from the flags and the catalog (pool.ts `PoolOptions`). */
export interface BalanceOptions {
  /**
   * Replica containers of a long-lived server (catalog `replicas`, `--server-replicas`, a remote server's
   * URLs): more than 1 runs a `ReplicaSet` per (server, session) instead of one container. Absent = 1.
   */
  replicas?: ((server: string) => number) | undefined
  /** `--circuit-failures`: failures in a row that open a server's circuit (0 = never; default 5). */
  circuitFailures?: number | undefined
  /** `--circuit-cooldown`: how long an open circuit fails calls at once (default 30 s). */
  circuitCooldownMs?: number | undefined
  /** Idle replicas are pinged this often (default 15 s; 0 = never), each ping bounded (default 5 s). */
  replicaPingMs?: number | undefined
  replicaPingTimeoutMs?: number | undefined
  /** Replicas taken out, replaced or fewer than asked (the log). */
  onReplicaEvent?: ((line: string) => void) | undefined
}

/** The flags and configuration `balanceOptions` reads. */
export interface BalanceSources {
  circuitFailures?: number | undefined
  circuitCooldown?: string | undefined
}

/**
 * The pool's balance options for `gateway run`: the flags, and each server's replicas as the live
 * configuration says (a reload replaces its maps, so this reads them at each start).
 */
export function balanceOptions(
  flags: BalanceSources,
  configuration: {
    containers: ReadonlyMap<string, {replicas?: number | undefined}>
    remotes: ReadonlyMap<string, {replicas?: number | undefined}>
  },
  warn: (line: string) => void,
): BalanceOptions {
  return {
    replicas: (server) =>
      configuration.containers.get(server)?.replicas ?? configuration.remotes.get(server)?.replicas ?? 1,
    circuitFailures: flags.circuitFailures,
    circuitCooldownMs: parseCooldown(flags.circuitCooldown),
    onReplicaEvent: warn,
  }
}

/** The most replicas one server may ask for (each is a container: the caps bound them further). */
export const MAX_REPLICAS = 64

/**
 * `--server-replicas <server>=<n>` (repeatable, comma-separated too): replicas by server name. A bad value is
 * a usage error naming the flag and the value.
 */
export function parseServerReplicas(values: readonly string[] | undefined): Map<string, number> {
  const replicas = new Map<string, number>()
  for (const item of (values ?? []).flatMap((v) => v.split(','))) {
    const text = item.trim()
    if (!text) continue
    const match = /^([A-Za-z0-9._-]+)=(\d+)$/.exec(text)
    const n = match ? Number(match[2]) : NaN
    if (!match || !Number.isInteger(n) || n < 1 || n > MAX_REPLICAS)
      throw new UsageError(
        `--server-replicas "${text}": expected <server>=<n> with n from 1 to ${MAX_REPLICAS}, e.g. --server-replicas github=3`,
      )
    replicas.set(match[1]!, n)
  }
  return replicas
}

/** `--circuit-cooldown`: seconds (`30`) or a duration with a unit (`30s`, `2m`, `500ms`), in milliseconds. */
export function parseCooldown(value: string | undefined): number | undefined {
  if (value === undefined) return undefined
  const match = /^(\d+(?:\.\d+)?)(ms|s|m)?$/.exec(value.trim())
  if (!match)
    throw new UsageError(
      `--circuit-cooldown "${value}": expected seconds or a duration such as 30s, 2m, 500ms`,
    )
  const n = Number(match[1])
  const ms = match[2] === 'ms' ? n : match[2] === 'm' ? n * 60_000 : n * 1000
  if (ms < 100) throw new UsageError(`--circuit-cooldown "${value}": at least 100ms`)
  return Math.round(ms)
}
