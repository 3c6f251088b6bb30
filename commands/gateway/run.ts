import {Flags} from '@oclif/core'

import {BaseCommand} from '../../src/cli/base-command.js'
import {parseTransport, runGateway} from '../../src/gateway/run.js'

export default class GatewayRun extends BaseCommand {
  static override description =
    'run the MCP gateway: one MCP endpoint for the tools, prompts and resources of every enabled server, each server in its own container'

  static override examples = [
    'docker mcp gateway run',
    'docker mcp gateway run --servers dice --dry-run',
    'docker mcp gateway run --transport streaming --port 8811',
    'docker mcp gateway run --transport sse --host 0.0.0.0 --port 8811',
    'docker mcp gateway run --secrets ./team.env --tools dice:roll_dice',
  ]

  static override flags = {
    transport: Flags.string({
      description: 'stdio, sse or streaming (aliases http, streamable, streamable-http)',
      default: 'stdio',
    }),
    port: Flags.integer({description: 'TCP port for sse/streaming (default 8811)', min: 1, max: 65535}),
    host: Flags.string({
      description: 'address to bind for sse/streaming (default 127.0.0.1; 0.0.0.0 in the gateway image)',
    }),
    servers: Flags.string({
      description: 'servers to enable, overriding registry.yaml (repeatable, comma-separated)',
      multiple: true,
    }),
    catalog: Flags.string({
      description: 'catalog names or files to read instead of the configured ones',
      multiple: true,
    }),
    'additional-catalog': Flags.string({
      description: 'catalogs read after the configured ones',
      multiple: true,
    }),
    registry: Flags.string({description: 'registry files (default registry.yaml)', multiple: true}),
    config: Flags.string({description: 'server config files (default config.yaml)', multiple: true}),
    'tools-config': Flags.string({description: 'tool allowlist files (default tools.yaml)', multiple: true}),
    secrets: Flags.string({
      description: '.env file with NAME=value secrets, read before the keychain (repeatable)',
      multiple: true,
    }),
    'secret-store': Flags.string({
      description: 'where stored secrets are read from',
      options: ['auto', 'keychain', 'file'],
    }),
    tools: Flags.string({
      description: 'tool filter overriding tools.yaml: tool, server:tool, server:*, * (repeatable)',
      multiple: true,
    }),
    'tool-name-prefix': Flags.boolean({description: 'expose every tool as <server>__<tool>', default: false}),
    'dry-run': Flags.boolean({
      description: 'start, list every server, print a summary and exit',
      default: false,
    }),
    verbose: Flags.boolean({
      description: 'log container output and details (secrets masked)',
      default: false,
    }),
    'log-calls': Flags.boolean({
      description: 'log each tool call: name, server, duration, argument shape',
      default: true,
      allowNo: true,
    }),
    cpus: Flags.string({description: 'CPU limit per server container (0 = none)', default: '1'}),
    memory: Flags.string({description: 'memory limit per server container ("" or 0 = none)', default: '2Gb'}),
    'long-lived': Flags.boolean({
      description: 'keep one container per server for the whole client session',
      default: false,
    }),
    'call-timeout': Flags.integer({
      description: 'seconds to wait for a server to answer a request',
      default: 300,
      min: 1,
    }),
    'start-timeout': Flags.integer({
      description: 'seconds to wait for a server to start and answer the handshake',
      default: 60,
      min: 1,
    }),
    'max-containers-per-server': Flags.integer({
      description: 'per-call containers of one server running at once',
      default: 16,
      min: 1,
    }),
    'idle-timeout': Flags.integer({
      description: 'seconds before an idle long-lived container is stopped (0 = never)',
      default: 600,
      min: 0,
    }),
    cache: Flags.boolean({
      description: 'serve cached tool lists at start-up and refresh them in the background',
      default: true,
      allowNo: true,
    }),
    'allow-unauthenticated': Flags.boolean({
      description: 'serve sse/streaming without a bearer token',
      default: false,
    }),
    'max-body-size': Flags.integer({
      description: 'largest HTTP request body in bytes',
      default: 16 * 1024 * 1024,
      min: 1024,
    }),
    metrics: Flags.boolean({
      description: 'serve Prometheus metrics on /metrics (sse/streaming)',
      default: false,
    }),
  }

  async run(): Promise<void> {
    const {flags} = await this.parse(GatewayRun)
    const cpus = Number(flags.cpus)
    if (!Number.isFinite(cpus) || cpus < 0) this.error(`invalid --cpus "${flags.cpus}"`, {exit: 125})
    const code = await runGateway(this.ctx, {
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
      cpus,
      memory: flags.memory,
      longLived: flags['long-lived'],
      callTimeoutSeconds: flags['call-timeout'],
      startTimeoutSeconds: flags['start-timeout'],
      maxContainersPerServer: flags['max-containers-per-server'],
      idleTimeoutSeconds: flags['idle-timeout'],
      cache: flags.cache,
      allowUnauthenticated: flags['allow-unauthenticated'],
      maxBodyBytes: flags['max-body-size'],
      metrics: flags.metrics,
      version: this.config.version,
    })
    // The engine's sockets may keep the event loop alive; the gateway is done.
    this.exit(code)
  }
}
