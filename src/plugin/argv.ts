/**
 * Docker CLI plugin argv handling. Docker execs the plugin with its own argv minus the binary:
 * `docker --context prod -D mcp server ls` arrives as `--context prod -D mcp server ls`, and
 * `docker help mcp server` as `help mcp server`. This module turns either form, and the standalone
 * `docker-mcp [mcp] server ls`, into the argv oclif expects plus the docker options to honour.
 * Pure: no I/O, no process globals.
 */

/** Docker's global options that chose the engine and config dir (from docker/cli `cli/flags/options.go`). */
export interface DockerGlobalOptions {
  config?: string
  context?: string
  host?: string[]
  logLevel?: string
  debug?: boolean
  tls?: boolean
  tlsverify?: boolean
  tlscacert?: string
  tlscert?: string
  tlskey?: string
}

export interface NormalizedArgv {
  /** What oclif should parse. */
  args: string[]
  /** Docker's global flags found before `mcp`. */
  docker: DockerGlobalOptions
}

type ValueKey = 'config' | 'context' | 'host' | 'logLevel' | 'tlscacert' | 'tlscert' | 'tlskey'
type BoolKey = 'debug' | 'tls' | 'tlsverify'

const VALUE_FLAGS: Record<string, ValueKey> = {
  '--config': 'config',
  '--context': 'context',
  '-c': 'context',
  '--host': 'host',
  '-H': 'host',
  '--log-level': 'logLevel',
  '-l': 'logLevel',
  '--tlscacert': 'tlscacert',
  '--tlscert': 'tlscert',
  '--tlskey': 'tlskey',
}

const BOOL_FLAGS: Record<string, BoolKey> = {
  '--debug': 'debug',
  '-D': 'debug',
  '--tls': 'tls',
  '--tlsverify': 'tlsverify',
}

const PLUGIN_NAME = 'mcp'

function setValue(docker: DockerGlobalOptions, key: ValueKey, value: string): void {
  if (key === 'host') docker.host = [...(docker.host ?? []), value]
  else docker[key] = value
}

function parseBool(value: string | undefined): boolean {
  return value === undefined || !/^(false|0)$/i.test(value)
}

/**
 * Consume docker's global flags from the front of `argv`. Returns the index of the first token that
 * is not one of them. Flag values are consumed, so `--context mcp` never mistakes its value for the
 * plugin name (the naive "drop everything up to the first mcp" bug).
 */
function consumeGlobalFlags(argv: readonly string[], docker: DockerGlobalOptions): number {
  let i = 0
  while (i < argv.length) {
    const token = argv[i]!
    if (token === '--') return i + 1
    if (!token.startsWith('-') || token === '-') return i
    const eq = token.indexOf('=')
    const name = eq === -1 ? token : token.slice(0, eq)
    const inline = eq === -1 ? undefined : token.slice(eq + 1)
    const valueKey = VALUE_FLAGS[name]
    if (valueKey) {
      if (inline !== undefined) {
        setValue(docker, valueKey, inline)
        i += 1
      } else if (i + 1 < argv.length) {
        setValue(docker, valueKey, argv[i + 1]!)
        i += 2
      } else {
        return i
      }
      continue
    }
    const boolKey = BOOL_FLAGS[name]
    if (boolKey) {
      docker[boolKey] = parseBool(inline)
      i += 1
      continue
    }
    // pflag also accepts a short value flag glued to its value: -Htcp://x, -cprod.
    const short = token.slice(0, 2)
    if (!token.startsWith('--') && token.length > 2 && VALUE_FLAGS[short]) {
      setValue(docker, VALUE_FLAGS[short]!, token.slice(2))
      i += 1
      continue
    }
    return i
  }
  return i
}

/**
 * Normalise the plugin's argv (process.argv minus node and script). The same rules serve a run by
 * docker and a standalone run, so `docker-mcp server ls` and `docker-mcp mcp server ls` both work.
 */
export function normalizeArgv(argv: readonly string[]): NormalizedArgv {
  const docker: DockerGlobalOptions = {}
  let rest = argv.slice(consumeGlobalFlags(argv, docker))
  if (rest[0] === 'help') {
    // `docker help mcp server ls` → `server ls --help`; `docker help mcp` → `--help`.
    rest = rest.slice(1)
    if (rest[0] === PLUGIN_NAME) rest = rest.slice(1)
    return {args: [...rest, '--help'], docker}
  }
  // Docker always passes the plugin name; standalone runs may or may not. Anything else is left for
  // oclif to report as an unknown command.
  if (rest[0] === PLUGIN_NAME) rest = rest.slice(1)
  // `docker mcp help [topic…]`, as in every cobra CLI (docker's own `docker help`, the original plugin):
  // oclif has no `help` command without a plugin, and called it unknown.
  if (rest[0] === 'help') return {args: [...rest.slice(1), '--help'], docker}
  return {args: rest, docker}
}

/**
 * Environment changes (an empty value means: remove the variable) that make every engine client we create (dockerode, spawned `docker` CLIs,
 * child gateways) honour the docker global flags, the way docker/cli's own flags would.
 */
export function dockerOptionsToEnv(docker: DockerGlobalOptions): Record<string, string> {
  const env: Record<string, string> = {}
  if (docker.config) env.DOCKER_CONFIG = docker.config
  if (docker.context) env.DOCKER_CONTEXT = docker.context
  if (docker.host && docker.host.length > 0) env.DOCKER_HOST = docker.host[0]!
  // docker gives --context priority over an inherited DOCKER_HOST: an empty value means "unset it".
  else if (docker.context) env.DOCKER_HOST = ''
  if (docker.tlsverify) env.DOCKER_TLS_VERIFY = '1'
  if (docker.tls) env.DOCKER_MCP_TLS = '1'
  if (docker.tlscacert) env.DOCKER_MCP_TLSCACERT = docker.tlscacert
  if (docker.tlscert) env.DOCKER_MCP_TLSCERT = docker.tlscert
  if (docker.tlskey) env.DOCKER_MCP_TLSKEY = docker.tlskey
  if (docker.debug) env.DOCKER_MCP_DEBUG = '1'
  return env
}
