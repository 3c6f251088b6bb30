/**
 * Turning a catalog entry, the user's config and the server's secrets into a container specification is
 * a pure decision, kept here and table-tested; src/docker/runtime.ts only executes the result.
 */

/** Labels every container we start carries, so that nothing leaks: cleanup finds them by label. */
export const LABEL_MANAGED = 'docker-mcp'
export const LABEL_SERVER = 'docker-mcp-name'
export const LABEL_GATEWAY = 'docker-mcp-gateway'
export const LABEL_SESSION = 'docker-mcp-session'
export const LABEL_PID = 'docker-mcp-gateway-pid'
/** Pids only mean something on one host (or in one container): orphan cleanup compares this first. */
export const LABEL_HOST = 'docker-mcp-gateway-host'

/** What the builder needs from a catalog entry (a structural subset of the catalog schema). */
export interface ContainerEntry {
  image?: string | undefined
  command?: string[] | undefined
  env?: Array<{name: string; value?: string | undefined}> | undefined
  volumes?: string[] | undefined
  user?: string | undefined
  extraHosts?: string[] | undefined
  disableNetwork?: boolean | undefined
  allowHosts?: string[] | undefined
  /** Our extension: explicitly ask for network access. */
  network?: boolean | string | undefined
  /** Our extension: capabilities added back after `CapDrop: ALL` (only those of `ADDABLE_CAPABILITIES`). */
  capAdd?: string[] | undefined
  /** Our extension: a read-only root file system (with a tmpfs /tmp). */
  readOnly?: boolean | undefined
  /** Declared secrets: only `env` matters here (they must not appear in `command`). */
  secrets?: Array<{name: string; env: string}> | undefined
}

/**
 * Capabilities an entry may add back after `CapDrop: ALL`: Docker's default set, so an entry never gets
 * more than a plain `docker run` would give. SYS_ADMIN, NET_ADMIN, SYS_PTRACE, DAC_READ_SEARCH (the
 * "shocker" escape) and the like are not addable from a catalog.
 */
export const ADDABLE_CAPABILITIES = [
  'AUDIT_WRITE',
  'CHOWN',
  'DAC_OVERRIDE',
  'FOWNER',
  'FSETID',
  'KILL',
  'MKNOD',
  'NET_BIND_SERVICE',
  'NET_RAW',
  'SETFCAP',
  'SETGID',
  'SETPCAP',
  'SETUID',
  'SYS_CHROOT',
] as const

/** `cap_net_bind_service`, `CAP_NET_BIND_SERVICE` and `NET_BIND_SERVICE` are the same capability. */
export function normaliseCapability(name: string): string {
  return name.trim().toUpperCase().replace(/^CAP_/, '')
}

/** Default `--pids-limit`: enough for a Node or Python server and its children, not for a fork bomb. */
export const DEFAULT_PIDS_LIMIT = 512
/** The tmpfs mounted on /tmp when the root file system is read-only. */
export const READ_ONLY_TMPFS = {'/tmp': 'rw,nosuid,nodev,size=128m'}

export interface ContainerSpecInput {
  server: string
  entry: ContainerEntry
  /** Secret env vars resolved for this server: only those it declares. */
  secretEnv: Record<string, string>
  /** Templated values already evaluated (see src/catalog/template.ts); a hook keeps this module pure. */
  evaluate: (expr: string) => string[]
  gatewayId: string
  gatewayPid?: number
  gatewayHost?: string
  sessionId?: string | undefined
  /** `--cpus`: 0 means no limit. */
  cpus: number
  /** `--memory` in bytes: 0 means no limit. */
  memoryBytes: number
  /** Networks to join when the server may use the network (the gateway's own, in container mode). */
  networks?: string[]
  /** `--pids-limit`: 0 means no limit. */
  pidsLimit?: number
  /** `--read-only-root`: every server gets a read-only root file system (an entry may ask on its own). */
  readOnlyRoot?: boolean
  /** `--strict-network`: an entry that declares nothing about its network gets none. */
  strictNetwork?: boolean
}

/**
 * How every container of ours is attached: stdin open for the gateway, closed by the engine when the
 * gateway's attach ends, whatever ended it: a gateway killed with SIGKILL leaves no container waiting
 * forever on a stdin nobody will write to (MCP servers, proxies and interceptors exit at end of input, and
 * AutoRemove then removes the container).
 */
export const ATTACHED_STDIO = {
  OpenStdin: true,
  StdinOnce: true,
  AttachStdin: true,
  AttachStdout: true,
  AttachStderr: true,
  Tty: false,
} as const

/** The subset of the engine's ContainerCreate body we produce. */
export interface ContainerSpec {
  name?: string
  Image: string
  Cmd: string[]
  Env: string[]
  User?: string
  Labels: Record<string, string>
  OpenStdin: true
  StdinOnce: true
  AttachStdin: true
  AttachStdout: true
  AttachStderr: true
  Tty: false
  /**
   * Networks joined after the first (`NetworkMode`), before the container starts: engines before API 1.44
   * take one network at create. Not part of the engine's create body (the runtime takes it out).
   */
  ExtraNetworks?: string[]
  HostConfig: {
    Init: true
    AutoRemove: true
    SecurityOpt: string[]
    NanoCpus?: number
    Memory?: number
    NetworkMode: string
    Binds?: string[]
    ExtraHosts?: string[]
    CapDrop: string[]
    CapAdd?: string[]
    PidsLimit?: number
    ReadonlyRootfs?: boolean
    Tmpfs?: Record<string, string>
  }
}

/** Parse docker's `--memory` syntax (`2Gb`, `512m`, `1073741824`) into bytes; 0 for empty. */
export function parseMemory(value: string): number {
  const v = value.trim()
  if (v === '' || v === '0') return 0
  const m = /^(\d+(?:\.\d+)?)\s*([bkmgt]?)b?$/i.exec(v)
  if (!m)
    throw new Error(
      `invalid memory value "${value}": use a number with an optional unit b, k, m or g (e.g. 2Gb)`,
    )
  const units: Record<string, number> = {'': 1, b: 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4}
  return Math.round(Number(m[1]) * units[m[2]!.toLowerCase()]!)
}

/**
 * What an entry says about its network: `false` when it refuses one (`disableNetwork: true`, or our
 * `network: false|none`), `true` when it asks for one (`disableNetwork: false`, a non-empty `allowHosts`,
 * or our `network` field), `undefined` when it says nothing (most of Docker's catalog, e.g. `fetch`).
 */
export function declaredNetwork(entry: ContainerEntry): boolean | undefined {
  if (entry.disableNetwork === true) return false
  if (entry.network === false || entry.network === 'none') return false
  if (entry.network) return true
  if (entry.disableNetwork === false) return true
  if ((entry.allowHosts?.length ?? 0) > 0) return true
  return undefined
}

/**
 * Does this entry get a network? What it declares decides; an entry that declares nothing gets one, as
 * with Docker's original gateway (which gives `--network none` only for `disableNetwork: true`), so that
 * catalog servers that need the internet and say nothing (`fetch`) work. `strict` (`--strict-network`, or
 * the `strict-network` feature in config.json) gives those no network instead. Egress filtering
 * (`--block-network`) applies on top of this decision, it does not replace it.
 */
export function wantsNetwork(entry: ContainerEntry, options: {strict?: boolean | undefined} = {}): boolean {
  return declaredNetwork(entry) ?? options.strict !== true
}

const ENV_REF = /\$(?:\{([A-Za-z_][A-Za-z0-9_]*)\}|([A-Za-z_][A-Za-z0-9_]*))/g

/** `$VAR`/`${VAR}` expansion against the server's own secret env (the original's rule for non-template values). */
export function expandEnvRefs(value: string, env: Record<string, string>): string {
  return value.replace(ENV_REF, (whole, braced: string | undefined, bare: string | undefined) => {
    const name = (braced ?? bare)!
    return Object.hasOwn(env, name) ? env[name]! : whole
  })
}

function evaluateOrExpand(
  value: string,
  input: Pick<ContainerSpecInput, 'evaluate' | 'secretEnv'>,
): string[] {
  if (value.includes('{{')) return input.evaluate(value)
  return [expandEnvRefs(value, input.secretEnv)]
}

/** A `command` argument that expands a declared secret. */
export interface SecretInCommand {
  index: number
  env: string
  secret: string
}

/**
 * Arguments of `command` that reference a declared secret's variable (`$TOKEN`, `${TOKEN}`): expanded,
 * the value would be on the container's command line, where host `ps` and `docker inspect` show it.
 */
export function secretsInCommand(entry: Pick<ContainerEntry, 'command' | 'secrets'>): SecretInCommand[] {
  const byEnv = new Map((entry.secrets ?? []).map((s) => [s.env, s.name]))
  const found: SecretInCommand[] = []
  ;(entry.command ?? []).forEach((arg, index) => {
    for (const m of arg.matchAll(ENV_REF)) {
      const env = (m[1] ?? m[2])!
      if (byEnv.has(env)) found.push({index, env, secret: byEnv.get(env)!})
    }
  })
  return found
}

/** The message for a secret in `command`, the same at import, `server add` and gateway start. */
export function secretInCommandMessage(server: string, found: SecretInCommand): string {
  return (
    `server "${server}": command[${found.index}] expands the secret "${found.secret}" ($${found.env}): a ` +
    `command line is visible to every user of the host (ps) and in docker inspect. Pass it in the ` +
    `environment instead: the server reads ${found.env}, which the gateway sets from the secret`
  )
}

/**
 * Build the container specification for one server. Hardening is not optional: an init process,
 * no-new-privileges, every capability dropped (an entry may add back some of Docker's defaults), a pids
 * limit, resource limits, labels, auto-removal, stdin closed when the gateway's attach goes, and the network
 * `wantsNetwork` decides. Secrets and env values go in `Env` (the container's environment), never in `Cmd`, so
 * they are not on any command line. Volumes and user are checked by the host policy (bind-policy.ts).
 */
export function buildContainerSpec(input: ContainerSpecInput): ContainerSpec {
  const {entry, server} = input
  if (!entry.image) throw new Error(`server "${server}" has no image in its catalog entry`)
  const inCommand = secretsInCommand(entry)
  if (inCommand.length > 0) throw new Error(secretInCommandMessage(server, inCommand[0]!))
  const capAdd = [...new Set((entry.capAdd ?? []).map(normaliseCapability))]
  for (const cap of capAdd) {
    if (!(ADDABLE_CAPABILITIES as readonly string[]).includes(cap))
      throw new Error(
        `server "${server}": capability "${cap}" cannot be added from a catalog (addable: ${ADDABLE_CAPABILITIES.join(', ')})`,
      )
  }

  const env: string[] = []
  const seen = new Set<string>()
  for (const [name, value] of Object.entries(input.secretEnv)) {
    env.push(`${name}=${value}`)
    seen.add(name)
  }
  for (const item of entry.env ?? []) {
    if (seen.has(item.name)) continue
    const values = evaluateOrExpand(item.value ?? '', input)
    const value = values.join(',')
    // An empty templated value means "not configured": pass nothing rather than an empty variable.
    if (value === '') continue
    env.push(`${item.name}=${value}`)
    seen.add(item.name)
  }

  const cmd: string[] = []
  for (const arg of entry.command ?? []) {
    if (arg.includes('{{')) cmd.push(...input.evaluate(arg))
    else cmd.push(expandEnvRefs(arg, input.secretEnv))
  }

  const binds: string[] = []
  for (const volume of entry.volumes ?? []) {
    for (const spec of evaluateOrExpand(volume, input)) {
      // Empty results and specs that would read as flags are dropped (the original's `-v :/app` bug).
      if (spec === '' || spec.startsWith('-') || spec.startsWith(':')) continue
      binds.push(spec)
    }
  }

  const user = entry.user ? evaluateOrExpand(entry.user, input).join('') : ''
  const network = wantsNetwork(entry, {strict: input.strictNetwork})
    ? (input.networks?.[0] ?? 'bridge')
    : 'none'

  const labels: Record<string, string> = {
    [LABEL_MANAGED]: 'true',
    'docker-mcp-tool-type': 'mcp',
    [LABEL_SERVER]: server,
    'docker-mcp-transport': 'stdio',
    [LABEL_GATEWAY]: input.gatewayId,
  }
  if (input.gatewayPid !== undefined) labels[LABEL_PID] = String(input.gatewayPid)
  if (input.gatewayHost !== undefined) labels[LABEL_HOST] = input.gatewayHost
  if (input.sessionId) labels[LABEL_SESSION] = input.sessionId

  const hostConfig: ContainerSpec['HostConfig'] = {
    Init: true,
    AutoRemove: true,
    SecurityOpt: ['no-new-privileges'],
    NetworkMode: network,
    CapDrop: ['ALL'],
  }
  if (capAdd.length > 0) hostConfig.CapAdd = capAdd
  if ((input.pidsLimit ?? DEFAULT_PIDS_LIMIT) > 0)
    hostConfig.PidsLimit = input.pidsLimit ?? DEFAULT_PIDS_LIMIT
  if (input.readOnlyRoot || entry.readOnly) {
    hostConfig.ReadonlyRootfs = true
    hostConfig.Tmpfs = {...READ_ONLY_TMPFS}
  }
  if (input.cpus > 0) hostConfig.NanoCpus = Math.round(input.cpus * 1e9)
  if (input.memoryBytes > 0) hostConfig.Memory = input.memoryBytes
  if (binds.length > 0) hostConfig.Binds = binds
  if (entry.extraHosts && entry.extraHosts.length > 0 && network !== 'none')
    hostConfig.ExtraHosts = entry.extraHosts

  const spec: ContainerSpec = {
    Image: entry.image,
    Cmd: cmd,
    Env: env,
    Labels: labels,
    ...ATTACHED_STDIO,
    HostConfig: hostConfig,
  }
  if (user) spec.User = user
  if (network !== 'none' && (input.networks?.length ?? 0) > 1) spec.ExtraNetworks = input.networks!.slice(1)
  return spec
}

/**
 * The spec as `docker run` flags, for `--verbose` logs and dry runs. Environment variables are named
 * without their values (`-e NAME`), like the original's: a value may be a secret or derived from one
 * (`Bearer $TOKEN`), and the logger masks known secret values in every line besides.
 */
export function describeSpec(spec: ContainerSpec): string {
  const h = spec.HostConfig
  const parts = [
    `--init --security-opt no-new-privileges --cap-drop ALL --network ${h.NetworkMode}`,
    ...(spec.ExtraNetworks ?? []).map((n) => `--network ${n}`),
    ...(h.CapAdd ?? []).map((c) => `--cap-add ${c}`),
    h.PidsLimit ? `--pids-limit ${h.PidsLimit}` : '',
    h.ReadonlyRootfs ? '--read-only' : '',
    ...Object.entries(h.Tmpfs ?? {}).map(([p, o]) => `--tmpfs ${p}:${o}`),
    h.NanoCpus ? `--cpus ${h.NanoCpus / 1e9}` : '',
    h.Memory ? `--memory ${h.Memory}` : '',
    ...spec.Env.map((kv) => `-e ${kv.slice(0, kv.indexOf('='))}`),
    ...(h.Binds ?? []).map((b) => `-v ${b}`),
    spec.User ? `-u ${spec.User}` : '',
    spec.Image,
    ...spec.Cmd,
  ]
  return parts.filter(Boolean).join(' ')
}
