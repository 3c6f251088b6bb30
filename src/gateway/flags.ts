import type {FlagSpec, FlagValues} from '../cli/flag-spec.js'
import {UsageError} from '../errors.js'
import {frontDoorFlagValues} from './front-door-flags.js'
import {oauthOptionsFromFlags} from './http/oauth/options.js'
import {DEFAULT_INTERCEPTOR_TIMEOUT_SECONDS, parseInterceptors} from './pipeline/interceptors/spec.js'
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
    description:
      'where secrets are looked up, in order: .env files (NAME=value lines) and docker-desktop (the secret store), colon-separated or repeated; each one is a fallback for those before it; the store comes last when not named',
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
  'spare-containers': {
    type: 'integer',
    description:
      'per-call servers: containers started ahead of their calls, handshake done, per server (as many as the most calls that came within one container start in the last minute; 0 = off); each call still gets a fresh one',
    default: 2,
    min: 0,
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
  static: {
    type: 'boolean',
    description:
      'connect to pre-started mcp-<server> containers on port 4444 (docker-mcp-bridge) instead of starting them',
    default: false,
  },
  'network-default': {
    type: 'string',
    description:
      'network of a server whose catalog entry declares none: bridge (as the original) or none (strict; also the strict-network feature in config.json)',
    options: ['bridge', 'none'],
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
  // Signed images (src/docker/signatures/).
  'verify-signatures': {
    type: 'boolean',
    description:
      "start a server only if its image is pinned by digest and its cosign signature verifies (key: --signature-key, else the catalog entry's signature.publicKey)",
    default: false,
  },
  'signature-key': {
    type: 'string',
    description:
      'PEM public key (ECDSA P-256, as cosign generates) trusted for every image, over catalog keys',
  },
  'signature-bundle': {
    type: 'string',
    description:
      'local signature file {"payload","base64Signature"} used instead of the registry (repeatable)',
    multiple: true,
  },
  // Egress allowlists (src/gateway/egress/).
  'block-network': {
    type: 'boolean',
    description:
      'confine servers to the allowHosts of their catalog entry, through egress proxies; servers without allowHosts get no network',
    default: false,
  },
  'egress-network': {
    type: 'string',
    description: 'network the egress proxies reach out through (default bridge) (with --block-network)',
  },
  interceptor: {
    type: 'string',
    description:
      'run a command, container or URL before or after every tool call: when:type:arg, e.g. before:exec:/path/check.sh (repeatable)',
    multiple: true,
  },
  'interceptor-timeout': {
    type: 'integer',
    description: 'seconds an interceptor may take before the call fails',
    default: DEFAULT_INTERCEPTOR_TIMEOUT_SECONDS,
    min: 1,
  },
  // Docker's `docker mcp gateway run` flags (src/gateway/compat.ts says what each does here).
  'additional-registry': {
    type: 'string',
    description: 'registry files read after --registry (default registry.yaml), enabling their servers too',
    multiple: true,
  },
  'additional-config': {
    type: 'string',
    description: 'server config files merged over --config (default config.yaml); later files win',
    multiple: true,
  },
  'additional-tools-config': {
    type: 'string',
    description: 'tool allowlist files merged over --tools-config (default tools.yaml); later files win',
    multiple: true,
  },
  'enable-all-servers': {
    type: 'boolean',
    description: 'enable every server of every catalog read (instead of registry.yaml or --servers)',
    default: false,
  },
  log: {type: 'string', description: 'also append the gateway log to this file (secrets masked)'},
  profile: {
    type: 'string',
    description:
      'serve this profile\'s servers, config and tools ("default" = registry.yaml, config.yaml, tools.yaml); not with --servers, --catalog, --registry, --config, --tools-config',
  },
  // --watch (hot reload): on by default on the host, off in the gateway image, as the original's default is.
  watch: {
    type: 'boolean',
    description:
      'reload when registry.yaml, config.yaml, tools.yaml, the catalogs or --secrets files change, and on SIGHUP (default: on; off in the gateway image)',
    default: process.env.DOCKER_MCP_IN_CONTAINER !== '1',
    allowNo: true,
  },
  // Inbound OAuth: the gateway as an OAuth protected resource (src/gateway/http/oauth/).
  auth: {
    type: 'string',
    description:
      'who may call over sse/streaming: token (MCP_GATEWAY_AUTH_TOKEN, the default) or oauth (JWT access tokens from --issuer)',
    options: ['token', 'oauth'],
  },
  issuer: {
    type: 'string',
    description: "with --auth oauth: the identity provider's issuer URL (https; http only on loopback)",
  },
  audience: {
    type: 'string',
    description:
      'with --auth oauth: the "aud" access tokens must carry (the gateway\'s public URL for RFC 8707 providers, or an API name)',
  },
  'required-scopes': {
    type: 'string',
    description: 'with --auth oauth: scopes every access token must carry (repeatable, comma-separated)',
    multiple: true,
  },
  'resource-url': {
    type: 'string',
    description:
      "with --auth oauth: the gateway's public URL in its protected-resource metadata (default: --audience if a URL, else the URL the client used)",
  },
  // Sharing a gateway: access policy, rate limits, audit log (src/gateway/policy/); named tokens are `gateway token`.
  policy: {
    type: 'string',
    description:
      'access policy (YAML): which tools each identity sees and may call, and its rate limits; default deny; reloaded when it changes',
  },
  'rate-limit': {
    type: 'integer',
    description: 'tool calls a minute per identity (token bucket), where the policy sets no limit',
    min: 1,
  },
  'max-concurrent-calls': {
    type: 'integer',
    description: 'tool calls at once per identity, where the policy sets no limit',
    min: 1,
  },
  'audit-log': {
    type: 'string',
    description:
      'append one JSON line per tool call (identity, tool, outcome, duration, argument shapes, never values) to this file; - is stdout (sse/streaming only)',
  },
  'audit-log-max-size': {
    type: 'integer',
    description: 'rotate the audit log file when it would grow past this many bytes',
    default: 10 * 1024 * 1024,
    min: 4096,
  },
  'audit-log-keep': {
    type: 'integer',
    description: 'rotated audit log files kept (<file>.1 is the newest)',
    default: 5,
    min: 0,
  },
  // Dynamic tools and code mode (issue #17, src/gateway/dynamic/, src/gateway/codemode/).
  'dynamic-tools': {
    type: 'boolean',
    description:
      'offer the internal tools mcp-find, mcp-add, mcp-remove, mcp-config-set, mcp-exec and code-mode, to search the catalogs, add servers and run scripts for one client session (default: on; off with --servers or the dynamic-tools feature disabled)',
    default: true,
    allowNo: true,
  },
  // TLS and reverse proxies (issue #20, src/gateway/http/front-door.ts, tls.ts, proxy.ts).
  'tls-cert': {
    type: 'string',
    description:
      'serve HTTPS with this PEM certificate (chain) file, reloaded when it changes (needs --tls-key; sse/streaming only)',
  },
  'tls-key': {
    type: 'string',
    description: 'the PEM private key of --tls-cert, reloaded when it changes',
  },
  'trusted-proxy': {
    type: 'string',
    description:
      'IP addresses or CIDR networks of reverse proxies whose X-Forwarded-Prefix/-Proto/-Host (or Forwarded) headers are believed (repeatable, comma-separated; default none)',
    multiple: true,
  },
  'public-url': {
    type: 'string',
    description:
      'a URL or host name the gateway is reached at through a proxy (https://mcp.example.com/main): its Host and Origin are accepted beside the local names (repeatable, comma-separated)',
    multiple: true,
  },
  // Observability (issue #20, src/gateway/observe/): log format; tracing is configured by the OTEL_* variables.
  'log-format': {
    type: 'string',
    description:
      'format of every log line on stderr and in --log, the call log included: text, or json (one object per line: time, level, msg and fields); default text, or DOCKER_MCP_LOG_FORMAT',
    options: ['text', 'json'],
  },
  // Server replicas and circuit breakers (issue #20, src/gateway/balance/).
  'server-replicas': {
    type: 'string',
    description:
      'run <server>=<n> replica containers of a server for each session, calls balanced least-outstanding-first, lost ones replaced (repeatable; over the catalog\'s "replicas"; within the container caps)',
    multiple: true,
  },
  'circuit-failures': {
    type: 'integer',
    description:
      'failures in a row (start, closed connection, timeout; not tool errors) after which calls to a server fail at once for --circuit-cooldown, then one probe call decides (0 = off)',
    default: 5,
    min: 0,
  },
  'circuit-cooldown': {
    type: 'string',
    description: 'how long an open circuit fails calls at once before a probe: seconds or 30s, 2m, 500ms',
    default: '30s',
  },
  // Replicas without sticky sessions (issue #20, src/gateway/http/cluster/; env MCP_GATEWAY_PEERS, MCP_GATEWAY_ADVERTISE).
  peers: {
    type: 'string',
    description:
      'the other replicas behind the same load balancer: DNS names (all their A/AAAA records, e.g. tasks.<service>) and host:port items, comma-separated; a request on a session of another replica is relayed to it',
  },
  advertise: {
    type: 'string',
    description:
      'host:port the other replicas reach this one at (default with --peers: --host if specific, else the first non-loopback IPv4, and --port)',
  },
} as const satisfies Record<string, FlagSpec>

export type GatewayRunFlags = FlagValues<typeof GATEWAY_RUN_FLAGS>

/** What `runGateway` needs, from parsed flags (whichever parser produced them). */
export function gatewayOptionsFromFlags(flags: GatewayRunFlags, version: string): RunGatewayOptions {
  const cpus = Number(flags.cpus)
  if (!Number.isFinite(cpus) || cpus < 0) throw new UsageError(`invalid --cpus "${flags.cpus}"`)
  const transport = parseTransport(flags.transport)
  return {
    transport,
    oauth: oauthOptionsFromFlags(flags, {transport, allowUnauthenticated: flags['allow-unauthenticated']}),
    port: flags.port,
    host: flags.host,
    servers: flags.servers,
    catalog: flags.catalog,
    additionalCatalog: flags['additional-catalog'],
    registry: flags.registry,
    config: flags.config,
    toolsConfig: flags['tools-config'],
    secrets: flags.secrets,
    additionalRegistry: flags['additional-registry'],
    additionalConfig: flags['additional-config'],
    additionalToolsConfig: flags['additional-tools-config'],
    enableAllServers: flags['enable-all-servers'],
    logFile: flags.log,
    profile: flags.profile,
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
    spareContainers: flags['spare-containers'],
    inputTimeoutSeconds: flags['input-timeout'],
    idleTimeoutSeconds: flags['idle-timeout'],
    cache: flags.cache,
    allowUnauthenticated: flags['allow-unauthenticated'],
    maxBodyBytes: flags['max-body-size'],
    metrics: flags.metrics,
    pidsLimit: flags['pids-limit'],
    readOnlyRoot: flags['read-only-root'],
    allowRootContainers: flags['allow-root-containers'],
    networkDefault: flags['network-default'] as 'bridge' | 'none' | undefined,
    static: flags.static,
    maxConnections: flags['max-connections'],
    maxSessions: flags['max-sessions'],
    maxSessionsPerToken: flags['max-sessions-per-token'],
    sessionIdleSeconds: flags['session-idle-timeout'],
    sessionTtlSeconds: flags['session-ttl'],
    ...signatureOptions(flags),
    blockNetwork: flags['block-network'],
    egressNetwork: flags['egress-network'],
    interceptors: parseInterceptors(flags.interceptor),
    interceptorTimeoutSeconds: flags['interceptor-timeout'],
    watch: flags.watch,
    policy: flags.policy,
    rateLimit: flags['rate-limit'],
    maxConcurrentCalls: flags['max-concurrent-calls'],
    auditLog: flags['audit-log'],
    auditLogMaxBytes: flags['audit-log-max-size'],
    auditLogKeep: flags['audit-log-keep'],
    dynamicTools: flags['dynamic-tools'],
    frontDoorFlags: frontDoorFlagValues(flags), // parsed in runGateway: front-door-flags.ts
    logFormat: flags['log-format'], // observability
    // Server replicas and circuit breakers (src/gateway/balance/).
    serverReplicas: flags['server-replicas'],
    circuitFailures: flags['circuit-failures'],
    circuitCooldown: flags['circuit-cooldown'],
    peers: flags.peers,
    advertise: flags.advertise,
    version,
  }
}

/** The signed-images flags; a key or bundle without `--verify-signatures` would check nothing, so it is refused. */
function signatureOptions(
  flags: GatewayRunFlags,
): Pick<RunGatewayOptions, 'verifySignatures' | 'signatureKey' | 'signatureBundles'> {
  const bundles = flags['signature-bundle'] ?? []
  if (!flags['verify-signatures'] && (flags['signature-key'] || bundles.length > 0)) {
    throw new UsageError('--signature-key and --signature-bundle need --verify-signatures')
  }
  return {
    verifySignatures: flags['verify-signatures'],
    signatureKey: flags['signature-key'],
    signatureBundles: bundles,
  }
}
