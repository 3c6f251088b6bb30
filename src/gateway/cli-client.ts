import {Client} from '@modelcontextprotocol/client'
import {StdioClientTransport} from '@modelcontextprotocol/client/stdio'
import type {CallToolResult, Tool} from '@modelcontextprotocol/client'

import type {Context} from '../context.js'
import {DockerMcpError, UsageError} from '../errors.js'
import {selfCommand} from '../plugin/self.js'
import {closestMatches} from '../text/suggest.js'
import {UNAVAILABLE_META_KEY} from './call-errors.js'
import {GATEWAY_RUN_FLAGS} from './flags.js'

/**
 * Run `fn` with an MCP client connected to a gateway we start over stdio (`docker mcp tools …` is an
 * ordinary MCP client of the gateway). The gateway's stderr is passed through only with `verbose`, else
 * kept to explain a failure.
 */
export async function withGatewayClient<T>(
  ctx: Context,
  options: {gatewayArgs?: string[] | undefined; verbose?: boolean},
  fn: (client: Client, gateway: GatewayRun) => Promise<T>,
): Promise<T> {
  const gatewayArgs = splitGatewayArgs(options.gatewayArgs ?? [])
  checkGatewayArgs(gatewayArgs)
  const self = selfCommand(ctx.root)
  const args = [...self.args, 'gateway', 'run', ...gatewayArgs]
  if (options.verbose && !args.includes('--verbose')) args.push('--verbose')
  // `tools ls/count/call` are about the enabled servers' tools: the internal ones (mcp-find …) only when asked.
  if (!gatewayArgs.some((a) => a.includes('dynamic-tools'))) args.push('--no-dynamic-tools')
  const env: Record<string, string> = {}
  for (const [k, v] of Object.entries(ctx.env)) if (v !== undefined) env[k] = v
  // This client is not docker; the child must not think docker is waiting on it.
  delete env.DOCKER_CLI_PLUGIN_SOCKET
  const transport = new StdioClientTransport({
    command: self.command,
    args,
    env,
    stderr: options.verbose ? 'inherit' : 'pipe',
    maxBufferSize: 64 * 1024 * 1024,
  })
  let stderr = ''
  transport.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString('utf8')).slice(-8192)
  })
  const client = new Client({name: 'docker-mcp-cli', version: '1'})
  try {
    await client.connect(transport)
  } catch (err) {
    // The gateway's own error, as the user would have seen it running `gateway run` (oclif's " ›   "
    // margin removed: nested once more it printed as "›   ›   Error:").
    throw new DockerMcpError(`cannot start the gateway: ${(err as Error).message}\n${unindent(stderr)}`)
  }
  const gateway: GatewayRun = {
    failedServers: () => failedServers(stderr),
    waitForServers: () => waitForLiveListings(client),
  }
  try {
    return await fn(client, gateway)
  } catch (err) {
    if (err instanceof DockerMcpError) throw err
    // An MCP error answer (bad arguments, unknown tool) is the answer: the gateway's start-up log beside it
    // only buried it. A gateway that died is explained by the end of its log.
    if (typeof (err as {code?: unknown}).code === 'number')
      throw new DockerMcpError(protocolMessage(err as Error))
    const tail = stderr.trim().split('\n').slice(-5).join('\n')
    throw new DockerMcpError(`${(err as Error).message}${tail ? `\n${tail}` : ''}`)
  } finally {
    await client.close().catch(() => {})
  }
}

/** What `withGatewayClient` knows about the gateway it started, beyond the MCP client. */
export interface GatewayRun {
  /** Servers the gateway logged it could not start, with the reason. */
  failedServers(): Array<{server: string; reason: string}>
  /** Resolves once every server has its live listing (or has failed), not just its catalog's tools. */
  waitForServers(): Promise<void>
}

/**
 * A gateway answers a call to an unknown tool only once every server has listed its tools live (a tool
 * the catalog does not declare shows up then). A name no tool can have (tool names have no spaces) turns
 * that into "wait until the listings are live", without calling anything.
 */
const NO_SUCH_TOOL = 'docker mcp: wait for live listings'

async function waitForLiveListings(client: Client): Promise<void> {
  await client.callTool({name: NO_SUCH_TOOL, arguments: {}}).catch(() => undefined)
}

/** "  > Can't start <server>: <reason>" lines of the gateway log. */
function failedServers(log: string): Array<{server: string; reason: string}> {
  const failed = new Map<string, string>()
  for (const match of log.matchAll(/^\s*> Can't start (\S+): (.*)$/gm)) failed.set(match[1]!, match[2]!)
  // A declared secret that is not set is the likely cause: name it, and the command that sets it.
  for (const match of log.matchAll(/secret "([^"]+)" of server "([^"]+)" is not set/g)) {
    const [, secret, server] = match
    const reason = failed.get(server!)
    if (reason !== undefined)
      failed.set(
        server!,
        `${reason}; its secret ${secret} is not set: docker mcp secret set ${secret}=<value>`,
      )
  }
  return [...failed].map(([server, reason]) => ({server, reason}))
}

function unindent(text: string): string {
  return text
    .trim()
    .split('\n')
    .map((line) => line.replace(/^ ›\s{1,3}/, ''))
    .join('\n')
}

/**
 * An MCP error for a person: the SDK's "Invalid tools/call request" comes with a JSON dump of validation
 * issues; each becomes one line "where: what".
 */
function protocolMessage(err: Error): string {
  const at = err.message.indexOf('[')
  if (at === -1) return err.message
  try {
    const issues = JSON.parse(err.message.slice(at)) as Array<{path?: unknown[]; message?: string}>
    const lines = issues.map((i) => `${(i.path ?? []).join('.') || '(request)'}: ${i.message ?? 'invalid'}`)
    return `${err.message.slice(0, at).replace(/[:\s]+$/, '')}: ${lines.join('; ')}`
  } catch {
    return err.message
  }
}

/**
 * Check the `--gateway-arg` values before starting a gateway: a mistyped flag there used to start a
 * gateway that printed its whole usage, which the CLI then printed again inside its own error.
 */
/**
 * Docker's plugin splits each `--gateway-arg` at commas (`--gateway-arg=--verbose,--servers=dice` is two
 * arguments), which also cut `--servers=a,b` in two. Split only where every piece is a flag of its own, so
 * both spellings work.
 */
export function splitGatewayArgs(args: readonly string[]): string[] {
  return args.flatMap((arg) => {
    const pieces = arg.split(',')
    return pieces.length > 1 && pieces.every((p) => p.startsWith('--')) ? pieces : [arg]
  })
}

function checkGatewayArgs(args: readonly string[]): void {
  for (const arg of args) {
    if (!arg.startsWith('--')) continue
    const name = arg.slice(2).split('=')[0]!
    const known = Object.keys(GATEWAY_RUN_FLAGS)
    if (known.includes(name) || (name.startsWith('no-') && known.includes(name.slice(3)))) continue
    const close = closestMatches(name, known, 1)
    throw new UsageError(`--gateway-arg ${arg}: unknown flag for "docker mcp gateway run"`, {
      suggestions: [
        ...close.map(
          (c) => `did you mean --gateway-arg=--${c}${arg.includes('=') ? arg.slice(arg.indexOf('=')) : ''}?`,
        ),
        'Run "docker mcp gateway run --help" to list its flags.',
      ],
    })
  }
}

/**
 * The tools a gateway started with these arguments exposes, once every server has listed its tools (so a
 * server that cannot start is known), and the servers that failed.
 */
export async function listGatewayTools(
  ctx: Context,
  options: {gatewayArgs?: string[] | undefined; verbose?: boolean},
): Promise<{tools: Tool[]; failed: Array<{server: string; reason: string}>}> {
  return withGatewayClient(ctx, options, async (client, gateway) => {
    await gateway.waitForServers()
    return {tools: await availableTools(client), failed: gateway.failedServers()}
  })
}

/**
 * The gateway's tools, or an error when its servers cannot run (the Docker engine is unreachable): a
 * listing then is only a cache, and printing it with exit 0 said all was well (issue #14).
 */
export async function availableTools(client: Client): Promise<Tool[]> {
  const {tools, _meta} = await client.listTools()
  const unavailable = _meta?.[UNAVAILABLE_META_KEY]
  if (typeof unavailable === 'string') throw new DockerMcpError(capitalise(unavailable))
  return tools
}

const capitalise = (text: string) => text.charAt(0).toUpperCase() + text.slice(1)

/** One line summary of a tool: its title, else the first sentence of its description. */
export function toolSummary(tool: Tool): string {
  const title = tool.annotations?.title ?? tool.title
  if (title) return title
  const description = (tool.description ?? '').trim()
  const sentence = /^(.*?[.!?])(\s|$)/s.exec(description)
  return (sentence ? sentence[1]! : description).split('\n')[0]!
}

type JsonSchema = {type?: string | string[]; properties?: Record<string, JsonSchema>; items?: JsonSchema}

function coerce(raw: string | null, schema: JsonSchema | undefined, key: string): unknown {
  if (raw === null) return null
  const type = Array.isArray(schema?.type) ? schema!.type.find((t) => t !== 'null') : schema?.type
  switch (type) {
    case 'integer':
    case 'number': {
      const n = Number(raw)
      if (raw.trim() === '' || !Number.isFinite(n))
        throw new UsageError(`argument "${key}" must be a number, got "${raw}"`)
      return n
    }
    case 'boolean':
      if (/^(true|1|yes)$/i.test(raw)) return true
      if (/^(false|0|no)$/i.test(raw)) return false
      throw new UsageError(`argument "${key}" must be true or false, got "${raw}"`)
    case 'object':
    case 'array':
      try {
        return JSON.parse(raw)
      } catch {
        if (type === 'array') return raw.split(',')
        throw new UsageError(`argument "${key}" must be JSON, got "${raw}"`)
      }
    default:
      return raw
  }
}

/**
 * Turn `key=value` words into tool arguments, typed by the tool's input schema (the original passed every
 * value as a string, which servers with numeric parameters reject). A repeated key makes an array; a bare
 * `key` is null.
 */
export function parseToolArguments(
  words: readonly string[],
  inputSchema: JsonSchema | undefined,
): Record<string, unknown> {
  const props = inputSchema?.properties ?? {}
  const collected = new Map<string, Array<string | null>>()
  for (const word of words) {
    const eq = word.indexOf('=')
    const key = eq === -1 ? word : word.slice(0, eq)
    if (key === '') throw new UsageError(`invalid argument "${word}": use key=value`)
    const list = collected.get(key) ?? []
    list.push(eq === -1 ? null : word.slice(eq + 1))
    collected.set(key, list)
  }
  const args: Record<string, unknown> = {}
  for (const [key, values] of collected) {
    const schema = props[key]
    if (values.length > 1 || schema?.type === 'array') {
      const items = values.flatMap((v) =>
        v !== null && schema?.type === 'array' && values.length === 1 ? [v] : [v],
      )
      args[key] =
        schema?.type === 'array' &&
        values.length === 1 &&
        values[0] !== null &&
        values[0]!.trim().startsWith('[')
          ? coerce(values[0]!, schema, key)
          : items.map((v) => coerce(v, schema?.items, key))
    } else {
      args[key] = coerce(values[0]!, schema, key)
    }
  }
  return args
}

/** The text a person wants to see from a tool result. */
export function renderToolResult(result: CallToolResult): string {
  const parts: string[] = []
  for (const item of result.content ?? []) {
    if (item.type === 'text') parts.push(item.text)
    else if (item.type === 'image' || item.type === 'audio')
      parts.push(`[${item.type} ${item.mimeType}, ${item.data.length} base64 chars]`)
    else if (item.type === 'resource') parts.push(`[resource ${item.resource.uri}]`)
    else if (item.type === 'resource_link') parts.push(`[resource link ${item.uri}]`)
  }
  if (parts.length === 0 && result.structuredContent !== undefined)
    parts.push(JSON.stringify(result.structuredContent, null, 2))
  return parts.join('\n')
}
