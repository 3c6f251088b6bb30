import {createHash} from 'node:crypto'

import type {GatewayConfiguration} from '../configuration.js'

/** What a reload changes: which servers come, go, or are replaced, and whether allowlists changed. */
export interface ConfigurationDiff {
  added: string[]
  removed: string[]
  /** Definition, config or secrets changed: their running containers are replaced. */
  changed: string[]
  /** tools.yaml allowlists (or `--tools`) changed. */
  toolFilter: boolean
}

type Configured = Pick<GatewayConfiguration, 'servers' | 'containers' | 'remotes' | 'toolFilterKey'>

/**
 * Everything that makes a server run the way it does, as one string: its gateway view (prefix, lifecycle,
 * catalog tools, config through its cache key), its container entry or remote URL, and a hash of its
 * secret values (never the values: the fingerprint only lives in memory, but it must not be a copy).
 */
export function serverFingerprint(configuration: Configured, name: string): string {
  const server = configuration.servers.find((s) => s.name === name)
  const container = configuration.containers.get(name)
  const remote = configuration.remotes.get(name)
  const secretEnv = container?.secretEnv ?? remote?.secretEnv ?? {}
  const secrets = createHash('sha256')
    .update(JSON.stringify(Object.entries(secretEnv).sort()))
    .digest('hex')
  return JSON.stringify({
    server,
    entry: container?.entry,
    remote: remote && {...remote, secretEnv: undefined},
    secrets,
  })
}

/** Compare two configurations (pure): the servers by fingerprint, the allowlists by their source. */
export function diffConfigurations(before: Configured, after: Configured): ConfigurationDiff {
  const was = new Set(before.servers.map((s) => s.name))
  const is = new Set(after.servers.map((s) => s.name))
  return {
    added: [...is].filter((n) => !was.has(n)),
    removed: [...was].filter((n) => !is.has(n)),
    changed: [...is].filter(
      (n) => was.has(n) && serverFingerprint(before, n) !== serverFingerprint(after, n),
    ),
    toolFilter: before.toolFilterKey !== after.toolFilterKey,
  }
}

/** True when the diff changes nothing. */
export function isEmptyDiff(diff: ConfigurationDiff): boolean {
  return !diff.added.length && !diff.removed.length && !diff.changed.length && !diff.toolFilter
}

/** The log line that says what a reload changed, e.g. `added: fetch; removed: dice; tool allowlists`. */
export function describeDiff(diff: ConfigurationDiff): string {
  const parts = [
    diff.added.length ? `added: ${diff.added.join(', ')}` : '',
    diff.removed.length ? `removed: ${diff.removed.join(', ')}` : '',
    diff.changed.length
      ? `restarted (definition, config or secrets changed): ${diff.changed.join(', ')}`
      : '',
    diff.toolFilter ? 'tool allowlists changed' : '',
  ].filter(Boolean)
  return parts.length ? parts.join('; ') : 'nothing changed'
}
