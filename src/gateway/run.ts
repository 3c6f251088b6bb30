import {randomBytes} from 'node:crypto'
import type {Readable, Writable} from 'node:stream'

import {serveStdio} from '@modelcontextprotocol/server/stdio'

import type {Context} from '../context.js'
import {parseMemory} from '../docker/container-spec.js'
import {createPullReporter, LiveTerminal, pullDisplay} from '../docker/pull-progress.js'
import type {ContainerRuntime} from '../docker/runtime.js'
import {DockerMcpError, UsageError} from '../errors.js'
import {watchParent, watchPluginSocket} from '../plugin/socket.js'
import type {GatewayConfiguration, GatewayFlags} from './configuration.js'
import {callStages} from './pipeline/index.js'
import {balanceOptions, type BalanceSources} from './balance/options.js'
import {poolStatusProvider} from './balance/status.js'
import {accessControl, type AccessOptions} from './policy/index.js'
import {blockSecretsOptions} from './pipeline/block-secrets.js'
import {interceptorOptions, type InterceptorSpec} from './pipeline/interceptors/gateway-options.js'
import {Gateway} from './gateway.js'
import {createLogger, logFormat, type Logger} from './logger.js'
import {CallCounts, statusReport} from './observe/status.js'
import {flushTracing, traceStage} from './observe/tracing.js'
import {linkEngine, type EngineLink} from './engine-link.js'
import {EngineGate} from './engine-gate.js'
import {ShuttingDownError} from './pool.js'
import {attachEngineWatch} from './health.js'
import {authTokenFromEnv} from './auth-token-file.js'
import {InterceptedTransport, StreamTransport} from './stdio-transport.js'
import {tuneHeapForForwarding} from './heap-flags.js'
import type {Upstream} from './upstream.js'
import type {OAuthResourceOptions} from './http/oauth/options.js'
import type {FrontDoorFlagValues, FrontDoorOptions} from './http/front-door.js'
import {frontDoorFromFlags} from './front-door-flags.js'
import type {ReplicaOptions} from './http/cluster/index.js'

export interface RunGatewayOptions extends GatewayFlags, AccessOptions, BalanceSources, ReplicaOptions {
  transport: 'stdio' | 'sse' | 'streaming'
  port?: number | undefined
  host?: string | undefined
  dryRun: boolean
  verbose: boolean
  logCalls: boolean
  /** `--block-secrets` (default on): see src/gateway/pipeline/block-secrets.ts. */
  blockSecrets?: boolean | undefined
  cpus: number
  memory: string
  longLived: boolean
  toolNamePrefix: boolean
  /** `--log`: also append the log to this file. */
  logFile?: string | undefined
  /** `--log-format` (text or json; else DOCKER_MCP_LOG_FORMAT), src/gateway/logger.ts. */
  logFormat?: string | undefined
  /** `--profile`: the profile to serve (src/profiles/; exclusive with the selection flags, compat.ts). */
  profile?: string | undefined
  callTimeoutSeconds: number
  startTimeoutSeconds: number
  maxContainersPerServer: number
  maxContainers?: number | undefined
  /** `--spare-containers` (src/gateway/spares.ts). */
  spareContainers?: number | undefined
  inputTimeoutSeconds?: number | undefined
  idleTimeoutSeconds: number
  cache: boolean
  allowUnauthenticated: boolean
  maxBodyBytes: number
  metrics: boolean
  /** HTTP front door limits (sse/streaming). */
  maxConnections: number
  maxSessions: number
  maxSessionsPerToken: number
  sessionIdleSeconds: number
  /** `--session-ttl`; undefined = its default. */
  sessionTtlSeconds?: number | undefined
  /** `--block-network`: servers reach only their `allowHosts`, through egress proxies. */
  blockNetwork?: boolean | undefined
  /** `--egress-network`: the network egress proxies reach out through. */
  egressNetwork?: string | undefined
  /** `--interceptor` (parsed) and `--interceptor-timeout`. */
  interceptors?: InterceptorSpec[] | undefined
  interceptorTimeoutSeconds?: number | undefined
  version: string
  /** `--verify-signatures`, `--signature-key`, `--signature-bundle` (src/docker/signatures/). */
  verifySignatures?: boolean | undefined
  signatureKey?: string | undefined
  signatureBundles?: string[] | undefined
  /** `--watch`: reload when the configuration files change, and on SIGHUP. */
  watch?: boolean | undefined
  /** `--auth oauth` and its flags (src/gateway/http/oauth/). */
  oauth?: OAuthResourceOptions | undefined
  /** `--tls-cert`, `--trusted-proxy`, `--public-url` (src/gateway/http/front-door.ts). */
  frontDoor?: FrontDoorOptions | undefined
  /** The same as given on the command line, parsed at start when `frontDoor` is not given. */
  frontDoorFlags?: FrontDoorFlagValues | undefined
  /** `--dynamic-tools` (default on): the internal tools, src/gateway/dynamic/ and src/gateway/codemode/. */
  dynamicTools?: boolean | undefined
  /** For tests and embedding; default process stdio. */
  stdin?: Readable
  stdout?: Writable
}

export interface GatewaySummary {
  servers: Array<{name: string; tools: number; prompts: number; resources: number; error?: string}>
  tools: string[]
  clashes: string[]
  warnings: string[]
}

/**
 * Our parent (docker, or the MCP client) as it was when this module loaded, before anything slow: if it
 * dies while configuration is read (20–350 ms) and we recorded it only afterwards, we would record the
 * reaper that adopted us and run on forever under PPID 1.
 */
const PARENT_AT_START = process.ppid

/** What a person who started the stdio gateway in a terminal reads (they are not its MCP client). */
const TERMINAL_HINT = [
  'This is an MCP server speaking JSON-RPC on stdin/stdout: MCP clients start it themselves.',
  '  Connect a client:        docker mcp client connect <client> --global',
  '  Try tools from a shell:  docker mcp tools ls; docker mcp tools call <tool> key=value',
  '  Serve over HTTP:         docker mcp gateway run --transport streaming',
  'Press Ctrl-C to stop.',
  '',
].join('\n')

/** Normalise `--transport` (the original's aliases, case-insensitive). */
export function parseTransport(value: string): 'stdio' | 'sse' | 'streaming' {
  const v = value.toLowerCase()
  if (v === 'stdio') return 'stdio'
  if (v === 'sse') return 'sse'
  if (['streaming', 'http', 'streamable', 'streamable-http'].includes(v)) return 'streaming'
  throw new UsageError(
    `unknown transport "${value}": use stdio, sse or streaming (aliases http, streamable, streamable-http)`,
  )
}

/**
 * Run the gateway until the client goes away or we are asked to stop. Resolves with the exit code.
 * Everything it prints goes to stderr; stdout carries JSON-RPC (stdio transport) and nothing else.
 */
export async function runGateway(ctx: Context, options: RunGatewayOptions): Promise<number> {
  if (options.transport === 'stdio' && options.port) {
    throw new UsageError('cannot use --port with --transport=stdio')
  }
  tuneHeapForForwarding()
  const frontDoor =
    options.frontDoor ?? (await frontDoorFromFlags(options.frontDoorFlags ?? {}, options.transport))
  const started = performance.now()
  const parentGone = new Promise<string>((resolve) =>
    watchParent(() => resolve('the parent process went away'), {parent: PARENT_AT_START}),
  )
  // On a terminal, log lines pass through a LiveTerminal so that they print above pull progress being redrawn.
  const display = pullDisplay(process.stderr, ctx.env)
  const format = logFormat(options.logFormat, ctx.env) // --log-format json: no redrawn progress either
  const terminal = display.mode === 'tty' && format === 'text' ? new LiveTerminal(process.stderr) : undefined
  const {checkProfile, openLogFile} = await import('./compat.js')
  const logFile = options.logFile ? openLogFile(options.logFile, ctx.cwd) : undefined
  const logger = createLogger({
    format,
    verbose: options.verbose,
    ...(terminal ? {stream: terminal} : {}),
    ...(logFile ? {tee: logFile} : {}),
  })
  checkProfile(options as unknown as Record<string, unknown> & {profile?: string})
  const gatewayId = randomBytes(6).toString('hex')
  const memoryBytes = (() => {
    try {
      return parseMemory(options.memory)
    } catch (err) {
      throw new UsageError((err as Error).message)
    }
  })()

  logger.info('- Reading configuration...')
  const {loadGatewayConfiguration} = await import('./configuration.js')
  const configuration = await loadGatewayConfiguration(ctx, options, logger)
  for (const warning of configuration.warnings) logger.warn(`  - ${warning}`)
  // The `tool-name-prefix` feature of config.json (`docker mcp feature enable tool-name-prefix`) is the flag.
  const prefixAll =
    options.toolNamePrefix ||
    (await (
      await import('../features/index.js')
    ).isFeatureEnabled(ctx, 'tool-name-prefix', (m) => logger.warn(`  - ${m}`)))
  logger.info(`- Configuration read in ${Math.round(performance.now() - started)}ms`)
  const enabled = configuration.servers.map((s) => s.name)
  logger.info(
    enabled.length > 0 ? `- Those servers are enabled: ${enabled.join(', ')}` : '- No server is enabled',
  )

  // --verify-signatures: key and bundle files are read now (a bad one stops here); images are verified
  // against their registry when their server first starts, and every start waits for that verdict.
  const signatures = options.verifySignatures
    ? await (
        await import('../docker/signatures/index.js')
      ).createSignatureGate({
        keyFile: options.signatureKey,
        bundleFiles: options.signatureBundles,
        log: (line) => logger.info(line),
      })
    : undefined

  // Upstreams are started by the gateway and report back to it: the reference is set just below.
  const ref: {gateway?: Gateway} = {}
  const onListChanged = (upstream: Upstream) => void ref.gateway?.onUpstreamListChanged(upstream)

  // Engine work (and loading dockerode) happens after the client has its initialize answer: clients give
  // up after a few seconds (docker/mcp-gateway#336), so nothing slow stands before serving (over stdio the
  // link even waits for that answer to be sent: engine-gate.ts). The link
  // outlives its engine: it reconnects when the engine comes back (src/gateway/engine-link.ts). It is made
  // when the first container server is configured: at start, or by a reload that adds one.
  let link: EngineLink | undefined
  const startStatic =
    options.static && configuration.containers.size > 0
      ? (await import('./static/upstreams.js')).staticUpstreams({
          servers: new Set(configuration.containers.keys()),
          version: options.version,
          startTimeoutMs: options.startTimeoutSeconds * 1000,
          logger,
          onListChanged,
        })
      : undefined
  let linked: Promise<EngineLink> | undefined
  const engineGate = new EngineGate(options.transport === 'stdio' && !options.dryRun) // engine-gate.ts
  const gatedLink: typeof linkEngine = (...args) => engineGate.after(() => linkEngine(...args))
  const ensureLink = (): Promise<EngineLink> =>
    (linked ??= gatedLink(ctx, {
      // The live map: a reload replaces its content, and every start looks its server up there.
      servers: configuration.containers,
      gatewayId,
      version: options.version,
      cpus: options.cpus,
      memoryBytes,
      startTimeoutMs: options.startTimeoutSeconds * 1000,
      hostPolicy: configuration.hostPolicy,
      pidsLimit: options.pidsLimit,
      readOnlyRoot: options.readOnlyRoot,
      strictNetwork: configuration.network.strict,
      logger,
      onListChanged,
      ensureImages: (runtime) =>
        ensureImages(runtime, configuration, logger, {terminal, color: display.color}),
      onEngineBack: () => void ref.gateway?.relistFailed(),
      blockNetwork: options.blockNetwork ? {outsideNetwork: options.egressNetwork} : undefined,
    }).then((created) => {
      link = created
      if (ref.gateway) attachEngineWatch(ref.gateway, created.watch)
      return created
    }))
  if (configuration.containers.size > 0 && !startStatic) void ensureLink().catch(() => {})
  const prepare = linked ? linked.then((l) => l.ready) : Promise.resolve()
  // An unreachable engine is reported by its watch (and retried); anything else is said here.
  prepare.catch((err: Error) => {
    if (link?.watch.state !== 'down') logger.warn(`- ${err.message}`)
  })
  let startRemote: ReturnType<typeof import('./remote.js').remoteUpstreams> | undefined
  const ensureRemote = async () =>
    (startRemote ??= (await import('./remote.js')).remoteUpstreams({
      servers: configuration.remotes,
      version: options.version,
      startTimeoutMs: options.startTimeoutSeconds * 1000,
      env: ctx.env,
      onListChanged,
      auth: new (await import('../oauth/gateway.js')).RemoteAuth(ctx, {
        onToken: (t) => logger.secrets?.add([t]),
      }),
    }))
  if (configuration.remotes.size > 0) await ensureRemote()
  const metrics =
    options.metrics && options.transport !== 'stdio'
      ? (await import('./metrics.js')).createMetrics(
          () => ref.gateway?.pool.size ?? 0,
          () => ref.gateway?.pool.serverStatus() ?? [],
        )
      : undefined
  const toGatewayServers = (c: GatewayConfiguration) =>
    c.servers.map((s) => ({
      ...s,
      longLived: s.longLived || options.longLived,
      // A remote server may come up after the gateway: it is listed again until it answers.
      retryListing: !options.dryRun && c.remotes.has(s.name),
    }))
  // Named tokens, access policy, rate limits, audit log (src/gateway/policy/).
  const access = await accessControl(ctx, options, logger)
  const prepareContainers = async () => {
    if (configuration.containers.size === 0) return
    const l = await ensureLink()
    await l.ready
    await ensureImages(l.runtime, configuration, logger, {terminal, color: display.color})
  }
  // Internal tools (issue #17): mcp-find, mcp-add … (src/gateway/dynamic/) and code mode
  // (src/gateway/codemode/), for each client session; off with --servers, --dynamic-tools=false or the feature.
  const {dynamicTools, dynamicToolsOn, runHost} = await import('./dynamic/index.js')
  const internalTools = await dynamicToolsOn(ctx, options, (m) => logger.warn(`  - ${m}`))
  const dynamic = internalTools
    ? dynamicTools(
        runHost({
          ctx,
          flags: options,
          logger,
          live: configuration,
          toGatewayServers,
          prepareContainers,
          prefixAll,
        }),
      )
    : undefined
  const codeMode = internalTools
    ? [(await import('./codemode/layer.js')).codeModeLayer(() => ref.gateway!)]
    : []
  const calls = new CallCounts(options.transport !== 'stdio') // for /status
  const gateway = new Gateway({
    // The internal tools first; the access policy filters them too.
    toolViews: [...(dynamic ? [dynamic.layer] : []), ...codeMode, ...access.toolViews],
    sessionServer: dynamic?.sessionServer,
    ownPrompts: dynamic?.prompts,
    observeCall: calls.observer(metrics?.observeCall),
    balance: balanceOptions(options, configuration, (line) => logger.warn(line)),
    servers: toGatewayServers(configuration),
    toolFilter: configuration.toolFilter,
    prefixAll,
    version: options.version,
    callTimeoutMs: options.callTimeoutSeconds * 1000,
    maxPerServer: options.maxContainersPerServer,
    maxContainers: options.maxContainers,
    maxSpares: options.dryRun ? 0 : options.spareContainers,
    inputTimeoutMs:
      options.inputTimeoutSeconds === undefined ? undefined : options.inputTimeoutSeconds * 1000,
    idleMs: options.idleTimeoutSeconds * 1000,
    logCalls: options.logCalls,
    callStages: callStages({
      trace: await traceStage(ctx.env, logger),
      access: access.stages,
      ...interceptorOptions(ctx, options, logger, gatewayId),
      blockSecrets:
        options.blockSecrets === false
          ? undefined
          : {
              ...(await blockSecretsOptions(ctx, configuration, logger)),
              compileWhen: (compile) => void engineGate.after(async () => compile()),
            },
    }),
    cacheDir: options.cache ? ctx.paths.cacheDir : undefined,
    prepare: configuration.remotes.size > 0 ? prepare.catch(() => {}) : prepare,
    startUpstream: async (server, session, client, replica) => {
      try {
        const unavailable = configuration.unavailable.get(server)
        if (unavailable) throw new DockerMcpError(`server "${server}" cannot run: ${unavailable}`)
        if (configuration.remotes.has(server))
          return await (
            await ensureRemote()
          )(server, session, client, replica)
        if (startStatic) return await startStatic(server, session, client)
        await signatures?.check(configuration.containers.get(server)!)
        return await (await ensureLink()).startContainer(server, session, client)
      } catch (err) {
        throw withMissingSecrets(err, configuration.missingSecrets.get(server))
      }
    },
    unavailable: async () => {
      if (!linked) return undefined
      try {
        return (await linked).watch.settled().then(() => link!.watch.problem)
      } catch (err) {
        return (err as Error).message
      }
    },
    logger,
  })
  if (link) attachEngineWatch(gateway, link.watch)
  access.onPolicyChange(() => gateway.notifyAll('tools'))
  dynamic?.attach(gateway)

  let shuttingDown: Promise<void> | undefined
  const shutdown = (reason: string) => {
    shuttingDown ??= (async () => {
      logger.info(`- Stopping (${reason})...`)
      stopReloading?.()
      await gateway.shutdown()
      await flushTracing()
      access.close()
      link?.close()
      // Safety net: whatever this gateway started and did not remove yet.
      if (link) await link.runtime.removeGatewayContainers(gatewayId).catch(() => 0)
      // Egress proxies and their networks, once no server uses them.
      await link?.egress?.close().catch((err: Error) => logger.warn(`- egress cleanup: ${err.message}`))
      logger.info('> Stopped')
    })()
    return shuttingDown
  }

  ref.gateway = gateway
  gateway.start()

  // Hot reload, as the original's --watch: off with --servers (nothing is read from registry.yaml then).
  const stopReloading =
    options.watch && !options.dryRun && !options.servers?.length
      ? (await import('./reload/index.js')).startHotReload(ctx, options, logger, {
          load: () => loadGatewayConfiguration(ctx, options, logger),
          live: configuration,
          toGatewayServers,
          prepareContainers,
          afterSwap: dynamic?.afterSwap,
          gateway,
        })
      : undefined

  if (options.dryRun) {
    await gateway.refreshed
    const summary = summarize(gateway, configuration)
    printSummary(summary, logger)
    logger.info(`> Initialized in ${Math.round(performance.now() - started)}ms`)
    await shutdown('dry run')
    return summary.servers.some((s) => s.error) ? 1 : 0
  }

  const done = new Promise<string>((resolve) => {
    process.once('SIGINT', () => resolve('SIGINT'))
    process.once('SIGTERM', () => resolve('SIGTERM'))
    watchPluginSocket(
      ctx.env,
      () => resolve('docker closed the plugin socket'),
      process.platform,
      (m) => logger.debug(m),
    )
    void parentGone.then(resolve)
  })

  if (options.transport === 'stdio') {
    const stdin = options.stdin ?? process.stdin
    // Our framing instead of the SDK's: no schema validation of every line (the SDK validates what it
    // handles), and tool calls may be answered on the gateway's raw path before the SDK sees them.
    const wire = new StreamTransport(stdin, options.stdout ?? process.stdout, {keepText: true})
    // Started by hand in a terminal, the gateway waits for JSON-RPC that nobody will type: say what it is
    // and how to use it, once, and again when a typed line is ignored (stderr: stdout is JSON-RPC only).
    const atTerminal = (stdin as {isTTY?: boolean}).isTTY === true
    if (atTerminal) {
      logger.flush?.()
      process.stderr.write(TERMINAL_HINT)
    }
    wire.onnoise = (line) => {
      if (atTerminal) {
        logger.flush?.()
        process.stderr.write(`ignored: "${line.slice(0, 60)}" is not JSON-RPC.\n${TERMINAL_HINT}`)
      } else logger.debug(`stdio: ignored a line that is not JSON-RPC: ${line}`)
    }
    const transport = new InterceptedTransport(
      wire,
      gateway.rawForwarder(
        'stdio',
        (response, bytes) =>
          void (
            typeof response === 'string' ? wire.sendText(bytes ?? response, 'response') : wire.send(response)
          ).catch(() => {}),
      ),
    )
    engineGate.watch(transport)
    const closed = new Promise<string>((resolve) => {
      stdin.once('end', () => resolve('client closed stdin'))
      stdin.once('close', () => resolve('client closed stdin'))
    })
    const handle = serveStdio(() => gateway.createSession('stdio'), {
      transport,
      onerror: (err) => logger.debug(`stdio: ${err.message}`),
    })
    logger.info(`> Initialized in ${Math.round(performance.now() - started)}ms`)
    logger.info('> Start stdio server')
    const reason = await Promise.race([done, closed])
    await handle.close().catch(() => {})
    await shutdown(reason)
    return 0
  }

  const {serveHttp} = await import('./http.js')
  const authenticator = options.oauth
    ? (await import('./http/oauth/authenticator.js')).oauthAuthenticator(options.oauth, {logger})
    : undefined
  // In the background: the gateway serves (and answers 503) while the identity provider is still down.
  void authenticator?.warmUp()
  const server = await serveHttp(
    gateway,
    {
      transport: options.transport,
      port: options.port || 8811,
      // In a container the port is published by docker: listen on every interface there (a token is still required).
      host: options.host ?? (ctx.env.DOCKER_MCP_IN_CONTAINER === '1' ? '0.0.0.0' : '127.0.0.1'),
      allowUnauthenticated: options.allowUnauthenticated,
      token: await authTokenFromEnv(ctx.env),
      maxBodyBytes: options.maxBodyBytes,
      metrics: options.metrics,
      maxConnections: options.maxConnections,
      maxSessions: options.maxSessions,
      maxSessionsPerToken: options.maxSessionsPerToken,
      sessionIdleMs: options.sessionIdleSeconds * 1000,
      sessionTtlMs: (options.sessionTtlSeconds ?? 60) * 1000,
      authenticator,
      namedTokens: access.namedTokens,
      throttle: access.throttle,
      frontDoor,
      status: () =>
        statusReport({
          ...configuration,
          servers: () => toGatewayServers(configuration),
          gateway,
          calls,
          providers: [poolStatusProvider(gateway.pool)],
        }),
      cluster: await (
        await import('./http/cluster/index.js')
      ).startCluster(
        options,
        ctx.env,
        {
          host: options.host ?? (ctx.env.DOCKER_MCP_IN_CONTAINER === '1' ? '0.0.0.0' : '127.0.0.1'),
          port: options.port || 8811,
          maxBodyBytes: options.maxBodyBytes,
        },
        logger,
      ),
      logger,
    },
    metrics,
  )
  logger.info(`> Initialized in ${Math.round(performance.now() - started)}ms`)
  const reason = await done
  // Stop taking requests, let the ones under way finish (a few seconds at most), then close everything.
  server.stopAccepting()
  logger.info(`- Stopping (${reason}): waiting for calls in flight...`)
  await gateway.drain(5000)
  await server.close()
  await shutdown(reason)
  return 0
}

/**
 * Pull every missing image once, before any container starts; a failed pull disables only that server.
 * Progress goes to stderr like `docker pull`'s: redrawn in place when `terminal` is given, else plain lines.
 */
async function ensureImages(
  runtime: ContainerRuntime,
  configuration: GatewayConfiguration,
  logger: Logger,
  display: {terminal?: LiveTerminal | undefined; color: boolean},
): Promise<void> {
  const images = [
    ...new Set([...configuration.containers.values()].map((s) => s.entry.image!).filter(Boolean)),
  ]
  const missing = await runtime.missingImages(images)
  if (missing.length === 0) return
  logger.info(`- Pulling ${missing.length} image(s): ${missing.join(', ')}`)
  const reporter = createPullReporter({...display, line: (text) => logger.info(text)})
  await Promise.all(
    missing.map(async (image) => {
      const started = performance.now()
      try {
        await runtime.pull(image, (p) => reporter.progress(p))
        reporter.end(image)
        // The engine reports some failures (a missing blob, a digest mismatch) inside the progress stream
        // and the pull still "succeeds": only the image being there proves it worked.
        if ((await runtime.missingImages([image])).length > 0) {
          throw new DockerMcpError(`cannot pull image ${image}: the engine ended the pull without the image`)
        }
        logger.info(`  > ${image} pulled in ${Math.round(performance.now() - started)}ms`)
      } catch (err) {
        reporter.end(image)
        logger.warn(`  > ${(err as DockerMcpError).message}`)
        for (const [name, server] of configuration.containers) {
          if (server.entry.image === image)
            configuration.unavailable.set(name, `image ${image} is not available`)
        }
      }
    }),
  )
}

function summarize(gateway: Gateway, configuration: GatewayConfiguration): GatewaySummary {
  return {
    servers: configuration.servers.map((s) => {
      const listing = gateway.listingOf(s.name)
      const error = gateway.failedServers.get(s.name)
      return {
        name: s.name,
        tools: listing?.tools.length ?? 0,
        prompts: listing?.prompts.length ?? 0,
        resources: (listing?.resources.length ?? 0) + (listing?.resourceTemplates.length ?? 0),
        ...(error ? {error} : {}),
      }
    }),
    tools: gateway.exposed.tools.sort(),
    clashes: [...gateway.exposed.clashes],
    warnings: configuration.warnings,
  }
}

function printSummary(summary: GatewaySummary, logger: Logger): void {
  logger.info(`- Dry run: ${summary.tools.length} tools from ${summary.servers.length} server(s)`)
  for (const s of summary.servers) {
    logger.info(
      s.error
        ? `  - ${s.name}: FAILED: ${s.error}`
        : `  - ${s.name}: ${s.tools} tools, ${s.prompts} prompts, ${s.resources} resources`,
    )
  }
  for (const name of summary.tools) logger.info(`    - ${name}`)
  for (const clash of summary.clashes) logger.info(`  - clash: ${clash}`)
}

/**
 * A server with a declared secret that is not set most likely failed for that: its start-up error (what an
 * MCP client sees) names the secret and the command that sets it. The error keeps its class.
 */
function withMissingSecrets(err: unknown, missing: string[] | undefined): unknown {
  if (!missing?.length || !(err instanceof Error) || err instanceof ShuttingDownError) return err
  const which = missing.length === 1 ? `its secret ${missing[0]} is` : `its secrets ${missing.join(', ')} are`
  err.message += `; ${which} not set: run "docker mcp secret set ${missing[0]}=<value>"`
  return err
}
