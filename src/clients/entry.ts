import {dockerEnvNeeded} from './launch-env.js'
import {envValue} from './locate.js'
import {
  ARGS,
  COMMAND,
  COMMAND_LINE,
  ENTRY_NAME,
  ENV,
  NAME,
  PASSTHROUGH,
  type ClientDef,
  type Platform,
} from './table.js'

/** The arguments that start the gateway: `docker mcp gateway run`. */
export const GATEWAY_ARGS: readonly string[] = ['mcp', 'gateway', 'run']

/**
 * Replaces `docker` as the command written into client configs. Advanced and testing knob: an absolute
 * path for GUI apps whose PATH lacks docker (`/usr/local/bin/docker`), or, in tests, a stand-in
 * executable that accepts `mcp gateway run`.
 */
export const COMMAND_OVERRIDE_VAR = 'DOCKER_MCP_CLIENT_COMMAND'

/**
 * Variables Claude Desktop (0.9.3+) and other locked-down Windows clients do not pass on, and without which
 * the docker CLI plugin cannot start ("unable to get 'ProgramData'"): written with their expanded values.
 */
export const WINDOWS_ENV_VARS = ['LOCALAPPDATA', 'ProgramFiles', 'ProgramData'] as const

export interface EntryContext {
  platform: Platform
  env: NodeJS.ProcessEnv
  /** `client connect --profile <id>`: the gateway serves that profile (`gateway run --profile <id>`). */
  profile?: string | undefined
}

/** The gateway's arguments for a profile, exactly as the original writes them. */
export function gatewayArgs(profile?: string): string[] {
  return profile ? [...GATEWAY_ARGS, '--profile', profile] : [...GATEWAY_ARGS]
}

/** The profile an entry's command line serves (`--profile <id>` or `--profile=<id>`), if any. */
export function profileOfArgs(args: readonly string[]): string | undefined {
  for (let i = 0; i < args.length; i++) {
    if (args[i] === '--profile') return args[i + 1]
    if (args[i]!.startsWith('--profile=')) return args[i]!.slice('--profile='.length)
  }
  return undefined
}

/** Our entry's name in this client's file. */
export function entryName(def: ClientDef): string {
  return def.entryName ?? ENTRY_NAME
}

/** The command written for this client: the override, else `docker` (`docker.exe` where a client needs it). */
export function gatewayCommand(def: ClientDef, ctx: EntryContext): string {
  const override = ctx.env[COMMAND_OVERRIDE_VAR]
  if (override) return override
  return ctx.platform === 'win32' && def.windowsCommand ? def.windowsCommand : 'docker'
}

/** The Windows env block (values present in the environment), or undefined elsewhere or when empty. */
export function windowsEnv(ctx: EntryContext): Record<string, string> | undefined {
  if (ctx.platform !== 'win32') return undefined
  const out: Record<string, string> = {}
  for (const name of WINDOWS_ENV_VARS) {
    const value = envValue(ctx.env, name, ctx.platform)
    if (value !== undefined) out[name] = value
  }
  return Object.keys(out).length ? out : undefined
}

/**
 * What the gateway needs from the user's environment that this client would not pass on: for a client with
 * a passthrough key (Codex `env_vars`) the names, forwarded at each launch; for another allowlist client
 * (Claude Desktop, Cline, Continue) the values, written into `env`, its only way (paths, a context name
 * and an engine address: no secrets). Nothing for clients that pass their whole environment.
 */
function dockerEnvFor(def: ClientDef, ctx: EntryContext): {names: string[]; values: Record<string, string>} {
  const names = dockerEnvNeeded(def, ctx)
  if (def.launchEnv.kind === 'allowlist' && def.launchEnv.passthrough) return {names, values: {}}
  const values: Record<string, string> = {}
  for (const name of names) {
    const value = envValue(ctx.env, name, ctx.platform)!
    // An address with a password in it is a secret: not written (doctor keeps reporting it as dropped).
    if (!USERINFO_PASSWORD.test(value)) values[name] = value
  }
  return {names: [], values}
}

/** `scheme://user:password@host`: the one shape of these variables that could carry a secret. */
const USERINFO_PASSWORD = /^[a-z][a-z0-9+.-]*:\/\/[^/@:]*:[^/@]*@/i

/** Fill the client's entry template: the exact object `connect` writes. Pure. */
export function buildEntry(def: ClientDef, ctx: EntryContext): Record<string, unknown> {
  const command = gatewayCommand(def, ctx)
  const docker = dockerEnvFor(def, ctx)
  const env = {...windowsEnv(ctx), ...docker.values}
  const out: Record<string, unknown> = {}
  for (const [key, value] of Object.entries(def.entry)) {
    if (value === COMMAND) out[key] = command
    else if (value === ARGS) out[key] = gatewayArgs(ctx.profile)
    else if (value === COMMAND_LINE) out[key] = [command, ...gatewayArgs(ctx.profile)]
    else if (value === NAME) out[key] = entryName(def)
    else if (value === ENV) {
      if (Object.keys(env).length) out[key] = env
    } else if (value === PASSTHROUGH) {
      if (docker.names.length) out[key] = docker.names
    } else out[key] = structuredClone(value)
  }
  return out
}

/** How a client starts a stdio server entry: the command, its arguments and extra environment. */
export interface LaunchSpec {
  command: string
  args: string[]
  env: Record<string, string>
}

const asRecord = (value: unknown): Record<string, unknown> | undefined =>
  value !== null && typeof value === 'object' && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined

const strings = (value: unknown): string[] | undefined =>
  Array.isArray(value) && value.every((v) => typeof v === 'string') ? value : undefined

/**
 * Read how a client would launch an entry, whatever the client's shape: `command` + `args` + `env`
 * (most), `cmd` + `envs` (Goose), a `command` array + `environment` (opencode), and the same inside a
 * nested `transport` object (some Cline files). Undefined for remote (url) entries and malformed ones.
 */
export function launchSpecOf(value: unknown): LaunchSpec | undefined {
  const entry = asRecord(value)
  if (!entry) return undefined
  const nested = asRecord(entry.transport)
  if (nested && (nested.command !== undefined || nested.cmd !== undefined)) return launchSpecOf(nested)
  const line = strings(entry.command)
  const command = line ? line[0] : typeof entry.command === 'string' ? entry.command : entry.cmd
  if (typeof command !== 'string' || command === '') return undefined
  const args = line ? line.slice(1) : (strings(entry.args) ?? [])
  const env: Record<string, string> = {}
  for (const source of [entry.env, entry.envs, entry.environment]) {
    for (const [k, v] of Object.entries(asRecord(source) ?? {}))
      if (v !== undefined && v !== null) env[k] = String(v)
  }
  return {command, args, env}
}

/** The URL of a remote (HTTP/SSE) entry, under any client's key for it. */
function urlOf(entry: Record<string, unknown>): string | undefined {
  for (const key of ['url', 'serverUrl', 'httpUrl', 'uri'])
    if (typeof entry[key] === 'string') return entry[key] as string
  return undefined
}

const quote = (word: string) => (/^[\w@%+=:,./-]+$/.test(word) ? word : JSON.stringify(word))

/** One line describing any server entry: its command line, or its URL. */
export function describeEntry(value: unknown): string {
  const entry = asRecord(value)
  if (!entry) return '(not an object)'
  const launch = launchSpecOf(entry)
  const disabled = entry.disabled === true || entry.enabled === false ? ' (disabled)' : ''
  if (launch) return [launch.command, ...launch.args].map(quote).join(' ') + disabled
  const url = urlOf(entry) ?? urlOf(asRecord(entry.transport) ?? {})
  if (url) return `${url}${typeof entry.type === 'string' ? ` (${entry.type})` : ''}${disabled}`
  return '(no command or url)'
}

/**
 * The command line a client not in our table needs (`client manual-instructions`): `docker mcp gateway
 * run`, with `DOCKER_MCP_CLIENT_COMMAND` in place of `docker` when set, as `connect` writes it.
 */
export function manualCommandLine(env: NodeJS.ProcessEnv): string[] {
  return [env[COMMAND_OVERRIDE_VAR] || 'docker', ...GATEWAY_ARGS]
}
