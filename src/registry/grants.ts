/**
 * What enabling a server hands it: host mounts, network, a root user, added capabilities, and secrets
 * stored for another server. `server add` shows this before writing (and asks, or wants `--yes`, for the
 * risky parts); `server inspect` and `doctor` show it too. The decision is pure given the entry, the host
 * policy and the secret store's answers.
 */
import type {CatalogEntry, SecretPresence} from '../catalog/index.js'
import {checkUser, checkVolume, isRootUser, parseVolume, type BindPolicy} from '../docker/bind-policy.js'
import {declaredNetwork, wantsNetwork} from '../docker/container-spec.js'

/** One volume of the entry and what the gateway will do with it. */
export interface MountGrant {
  /** As written in the catalog (templates evaluated against the server's config when set). */
  volume: string
  /** `volume`: a named or anonymous volume; `read-only`/`writable`: a host path; `refused`: never started. */
  access: 'volume' | 'read-only' | 'writable' | 'refused'
  /** Written by the user's config through a catalog template, not chosen by the catalog. */
  fromConfig: boolean
  /** The bind passed to the engine (resolved host path), when allowed. */
  bind?: string
  /** When refused: the rule and why. */
  rule?: string
  detail?: string
}

export interface ServerGrants {
  server: string
  mounts: MountGrant[]
  /** Volumes whose value depends on config not set yet (templates that evaluate to nothing today). */
  pendingMounts: string[]
  network: boolean
  /** The entry says nothing about its network: `network` is the default (src/docker/network-default.ts). */
  networkByDefault: boolean
  allowHosts: string[]
  /** The entry's `user`, when it sets one. */
  user?: string
  /** The user is root: refused unless the gateway runs with --allow-root-containers. */
  root: boolean
  rootAllowed: boolean
  capAdd: string[]
  readOnlyRoot: boolean
  /** Declared secrets already stored under another server's name: enabling hands them over. */
  foreignSecrets: Array<{secret: string; owners: string[]}>
}

/**
 * Does enabling this server need the user's yes (a prompt on a terminal, `--yes` in a script)? Host paths
 * the catalog chose do; paths from the user's own config (templates) do not, nor does network access,
 * which most API servers need and which is printed. The bind policy applies at start either way.
 */
export function needsConfirmation(g: ServerGrants): boolean {
  return (
    g.mounts.some((m) => m.access !== 'volume' && !m.fromConfig) ||
    g.root ||
    g.capAdd.length > 0 ||
    g.foreignSecrets.length > 0
  )
}

/** Does the server get anything worth a line of preview? */
export function hasGrants(g: ServerGrants): boolean {
  return (
    needsConfirmation(g) || g.network || g.mounts.length > 0 || g.pendingMounts.length > 0 || Boolean(g.user)
  )
}

/** The secret's owner by name: `github.personal_access_token` belongs to `github`. */
function ownerByName(secret: string): string | undefined {
  const dot = secret.indexOf('.')
  return dot > 0 ? secret.slice(0, dot) : undefined
}

/**
 * The grants of one entry. `others` maps the other catalog servers to the secrets they declare, so that
 * a secret is recognised as another server's by its name (`github.…`) or because another server uses it.
 */
export async function computeGrants(input: {
  server: string
  entry: CatalogEntry
  policy: BindPolicy
  evaluate: (expr: string) => string[]
  others: ReadonlyMap<string, readonly string[]>
  secrets: SecretPresence
  /** `--network-default none` / the `strict-network` feature: undeclared means no network. */
  strictNetwork?: boolean | undefined
}): Promise<ServerGrants> {
  const {server, entry, policy} = input
  const mounts: MountGrant[] = []
  const pendingMounts: string[] = []
  for (const volume of entry.volumes ?? []) {
    const fromConfig = volume.includes('{{')
    const values = fromConfig ? input.evaluate(volume) : [volume]
    const specs = values.filter((v) => v !== '' && !v.startsWith('-') && !v.startsWith(':'))
    if (specs.length === 0) pendingMounts.push(volume)
    for (const spec of specs) {
      const v = checkVolume(spec, policy)
      if (!v.ok) mounts.push({volume: spec, fromConfig, access: 'refused', rule: v.rule, detail: v.detail})
      else if (parseVolume(spec).kind !== 'bind')
        mounts.push({volume: spec, fromConfig, access: 'volume', bind: v.bind})
      else
        mounts.push({volume: spec, fromConfig, access: v.readOnly ? 'read-only' : 'writable', bind: v.bind})
    }
  }
  const user = entry.user
    ? entry.user.includes('{{')
      ? input.evaluate(entry.user).join('')
      : entry.user
    : ''
  const foreignSecrets: ServerGrants['foreignSecrets'] = []
  for (const secret of entry.secrets ?? []) {
    const owners = new Set<string>()
    const byName = ownerByName(secret.name)
    if (byName && byName !== server) owners.add(byName)
    for (const [other, declared] of input.others)
      if (other !== server && declared.includes(secret.name)) owners.add(other)
    if (owners.size > 0 && (await input.secrets.has(secret.name)))
      foreignSecrets.push({secret: secret.name, owners: [...owners].sort()})
  }
  return {
    server,
    mounts,
    pendingMounts,
    network: wantsNetwork(entry, {strict: input.strictNetwork}),
    networkByDefault: declaredNetwork(entry) === undefined,
    allowHosts: entry.allowHosts ?? [],
    ...(user ? {user} : {}),
    root: isRootUser(user),
    rootAllowed: checkUser(user, policy) === undefined,
    capAdd: entry.capAdd ?? [],
    readOnlyRoot: entry.readOnly === true,
    foreignSecrets,
  }
}

/** Preview lines for a terminal: what the server gets, each on a line, risky parts marked. */
export function formatGrants(g: ServerGrants): string[] {
  const out: string[] = []
  for (const m of g.mounts) {
    if (m.access === 'refused')
      out.push(`  ! host mount ${m.volume}: REFUSED (rule ${m.rule}: ${m.detail}): the server will not start`)
    else if (m.access === 'volume') out.push(`  - volume ${m.volume}`)
    else out.push(`  ! host mount ${m.bind} (${m.access})`)
  }
  for (const v of g.pendingMounts)
    out.push(`  ! host mount from config: ${v} (checked when the gateway starts it)`)
  if (g.network)
    out.push(
      `  - network access${g.allowHosts.length ? ` (asks for ${g.allowHosts.join(', ')})` : g.networkByDefault ? ' (the default: its entry declares none; "disableNetwork: true" or gateway run --network-default none denies it)' : ''}`,
    )
  if (g.root)
    out.push(
      g.rootAllowed
        ? `  ! runs as root (user "${g.user}"): allowed by MCP_GATEWAY_ALLOW_ROOT_CONTAINERS`
        : `  ! runs as root (user "${g.user}"): refused unless the gateway runs with --allow-root-containers`,
    )
  else if (g.user) out.push(`  - runs as user "${g.user}"`)
  if (g.capAdd.length) out.push(`  ! capabilities added back: ${g.capAdd.join(', ')}`)
  for (const s of g.foreignSecrets)
    out.push(`  ! secret ${s.secret}, already stored for ${s.owners.map((o) => `"${o}"`).join(', ')}`)
  return out
}
