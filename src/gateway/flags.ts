import type {FlagSpec, FlagValues} from '../cli/flag-spec.js'
import {UsageError} from '../errors.js'
import {parseTransport, type RunGatewayOptions} from './run.js'

/**
 * The flags of `docker mcp gateway run`, as data: the oclif command is built from this table, and so is
 * the fast start path that MCP clients hit (bin/run.js), which parses them without loading oclif.
 */
export const GATEWAY_RUN_FLAGS = {
  transport: {
    type: 'string',
    description: 'stdio, sse or streaming (aliases http, streamable, streamable-http)',
    default: 'stdio',
  },
  port: {type: 'integer', description: 'TCP port for sse/streaming (default 8811)', min: 1, max: 65535},
  host: {
    type: 'string',
    description: 'address to bind for sse/streaming (default 127.0.0.1; 0.0.0.0 in the gateway image)',
  },
  servers: {
    type: 'string',
    description: 'servers to enable, overriding registry.yaml (repeatable, comma-separated)',
    multiple: true,
  },
  catalog: {
    type: 'string',
    description: 'catalog names or files to read instead of the configured ones',
    multiple: true,
  },
  'additional-catalog': {
    type: 'string',
    description: 'catalogs read after the configured ones',
    multiple: true,
  },
  registry: {type: 'string', description: 'registry files (default registry.yaml)', multiple: true},
  config: {type: 'string', description: 'server config files (default config.yaml)', multiple: true},
  'tools-config': {type: 'string', description: 'tool allowlist files (default tools.yaml)', multiple: true},
  secrets: {
    type: 'string',
    description: '.env file with NAME=value secrets, read before the keychain (repeatable)',
    multiple: true,
  },
  'secret-store': {
    type: 'string',
    description: 'where stored secrets are read from',
    options: ['auto', 'keychain', 'file'],
  },
  tools: {
    type: 'string',
    description: 'tool filter overriding tools.yaml: tool, server:tool, server:*, * (repeatable)',
    multiple: true,
  },
  'tool-name-prefix': {type: 'boolean', description: 'expose every tool as <server>__<tool>', default: false},
  'dry-run': {
    type: 'boolean',
    description: 'start, list every server, print a summary and exit',
    default: false,
  },
  verbose: {
    type: 'boolean',
    description: 'log container output and details (secrets masked)',
    default: false,
  },
  'log-calls': {
    type: 'boolean',
    description: 'log each tool call: name, server, duration, argument shape',
    default: true,
    allowNo: true,
  },
  'block-secrets': {
    type: 'boolean',
    description:
      'refuse tool calls whose arguments or results carry a secret (token formats, stored secret values); allowlist: ~/.docker/mcp/secret-allowlist.yaml',
    default: true,
    allowNo: true,
  },
  cpus: {type: 'string', description: 'CPU limit per server container (0 = none)', default: '1'},
  memory: {type: 'string', description: 'memory limit per server container ("" or 0 = none)', default: '2Gb'},
  'long-lived': {
    type: 'boolean',
    description: 'keep one container per server for the whole client session',
    default: false,
  },
  'call-timeout': {
    type: 'integer',
    description: 'seconds to wait for a server to answer a request',
    default: 300,
    min: 1,
  },
  'start-timeout': {
    type: 'integer',
    description: 'seconds to wait for a server to start and answer the handshake',
    default: 60,
    min: 1,
  },
  'max-containers-per-server': {
    type: 'integer',
    description:
      'containers of one server at once (per-call ones wait beyond it, long-lived ones are refused); as many again may wait for client input',
    default: 16,
    min: 1,
  },
  'max-containers': {
    type: 'integer',
    description: 'containers of all servers at once; beyond it a call is refused',
    default: 64,
    min: 1,
  },
  'input-timeout': {
    type: 'integer',
    description: 'seconds a call waits for a 2026-07-28 client to answer its server (elicitation, sampling)',
    default: 120,
    min: 1,
  },
  'idle-timeout': {
    type: 'integer',
    description: 'seconds before an idle long-lived container is stopped (0 = never)',
    default: 600,
    min: 0,
  },
  cache: {
    type: 'boolean',
    description: 'serve cached tool lists at start-up and refresh them in the background',
    default: true,
    allowNo: true,
  },
  'allow-unauthenticated': {
    type: 'boolean',
    description: 'serve sse/streaming without a bearer token',
    default: false,
  },
  'max-body-size': {
    type: 'integer',
    description: 'largest HTTP request body in bytes',
    default: 16 * 1024 * 1024,
    min: 1024,
  },
  metrics: {
    type: 'boolean',
    description: 'serve Prometheus metrics on /metrics (sse/streaming)',
    default: false,
  },
  'pids-limit': {
    type: 'integer',
    description: 'most processes in one server container (0 = none)',
    default: 512,
    min: 0,
  },
  'read-only-root': {
    type: 'boolean',
    description: 'give every server container a read-only root file system (tmpfs /tmp)',
    default: false,
  },
  'allow-root-containers': {
    type: 'boolean',
    description: 'let catalog entries run as root (user: 0); also MCP_GATEWAY_ALLOW_ROOT_CONTAINERS=1',
    default: false,
  },
  'max-connections': {
    type: 'integer',
    description: 'open HTTP connections at most (sse/streaming); unauthenticated ones are closed first',
    default: 512,
    min: 1,
  },
  'max-sessions': {
    type: 'integer',
    description: 'HTTP client sessions (2025-era Streamable HTTP and SSE) open at once',
    default: 256,
    min: 1,
  },
  'max-sessions-per-token': {
    type: 'integer',
    description: 'HTTP client sessions open at once per bearer token (per client address without one)',
    default: 128,
    min: 1,
  },
  'session-idle-timeout': {
    type: 'integer',
    description: 'seconds before an HTTP session with no request and no open stream is closed (0 = never)',
    default: 1800,
    min: 0,
  },
  'session-ttl': {
    type: 'integer',
    description:
      'seconds an HTTP session lives on once the event stream its client held is gone, without a request (0 = until --session-idle-timeout)',
    default: 60,
    min: 0,
  },
} as const satisfies Record<string, FlagSpec>

export type GatewayRunFlags = FlagValues<typeof GATEWAY_RUN_FLAGS>

/** What `runGateway` needs, from parsed flags (whichever parser produced them). */
export function gatewayOptionsFromFlags(flags: GatewayRunFlags, version: string): RunGatewayOptions {
  const cpus = Number(flags.cpus)
  if (!Number.isFinite(cpus) || cpus < 0) throw new UsageError(`invalid --cpus "${flags.cpus}"`)
  return {
    transport: parseTransport(flags.transport),
    port: flags.port,
    host: flags.host,
    servers: flags.servers,
    catalog: flags.catalog,
    additionalCatalog: flags['additional-catalog'],
    registry: flags.registry,
    config: flags.config,
    toolsConfig: flags['tools-config'],
    secrets: flags.secrets,
    secretStore: flags['secret-store'] as 'auto' | 'keychain' | 'file' | undefined,
    tools: flags.tools,
    toolNamePrefix: flags['tool-name-prefix'],
    dryRun: flags['dry-run'],
    verbose: flags.verbose,
    logCalls: flags['log-calls'],
    blockSecrets: flags['block-secrets'],
    cpus,
    memory: flags.memory,
    longLived: flags['long-lived'],
    callTimeoutSeconds: flags['call-timeout'],
    startTimeoutSeconds: flags['start-timeout'],
    maxContainersPerServer: flags['max-containers-per-server'],
    maxContainers: flags['max-containers'],
    inputTimeoutSeconds: flags['input-timeout'],
    idleTimeoutSeconds: flags['idle-timeout'],
    cache: flags.cache,
    allowUnauthenticated: flags['allow-unauthenticated'],
    maxBodyBytes: flags['max-body-size'],
    metrics: flags.metrics,
    pidsLimit: flags['pids-limit'],
    readOnlyRoot: flags['read-only-root'],
    allowRootContainers: flags['allow-root-containers'],
    maxConnections: flags['max-connections'],
    maxSessions: flags['max-sessions'],
    maxSessionsPerToken: flags['max-sessions-per-token'],
    sessionIdleSeconds: flags['session-idle-timeout'],
    sessionTtlSeconds: flags['session-ttl'],
    version,
  }
}
