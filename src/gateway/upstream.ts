import {Client} from '@modelcontextprotocol/client'
import type {ClientCapabilities, JSONRPCMessage, Transport} from '@modelcontextprotocol/server'

import {DockerMcpError} from '../errors.js'
import {CallRouter} from './call-routing.js'
import {rateLimitedLog} from './log-limit.js'
import {PendingCalls} from './pending-calls.js'
import {
  LARGE_MESSAGE_BYTES,
  leadingId,
  StreamTransport,
  trailingId,
  type LineBytes,
} from './stdio-transport.js'

/**
 * Where an upstream server's own requests and notifications go: the client (session, or call of a
 * 2026-07-28 client) whose call caused them, never another one (see `CallRouter`).
 */
export interface UpstreamBinding {
  elicit(params: Record<string, unknown>, signal: AbortSignal): Promise<Record<string, unknown>>
  sample(params: Record<string, unknown>, signal: AbortSignal): Promise<Record<string, unknown>>
  log(params: Record<string, unknown>): void
}

/** Called when an upstream tells us its tools, prompts or resources changed. */
export type ListChangedHandler = (server: string, kind: 'tools' | 'prompts' | 'resources') => void

/**
 * The server's answer to a request sent around the SDK client: a parsed JSON-RPC response, or, for a large
 * one, its text unparsed with the offset of its closing `"id":…}` member (see `takeLargeReply`).
 */
export type RawReply =
  | {jsonrpc: '2.0'; id: string; result?: unknown; error?: {code: number; message: string; data?: unknown}}
  | {text: string; idMemberAt: number; idMemberEnd?: number | undefined; bytes?: Buffer | undefined}

/**
 * A small line that can only be a successful result, judged from its text: no `"method":` member (a
 * request or notification of the server's own), no `"error":` member (an error response), no
 * `"isError":true` (a tool's error, whose reason the call log and metrics read from the parsed result).
 * Nested members of those names (in a result's structured content) only send it the parsed way.
 */
function plainResult(text: string): boolean {
  return !text.includes('"method":') && !text.includes('"error":') && !text.includes('"isError":true')
}

/** A connected MCP client of one server (a container, or a remote URL). */
export class Upstream {
  /** The calls in flight on this connection and whom they answer to: routes the server's own requests. */
  readonly calls: CallRouter
  /** Set when requests may bypass the SDK client (`sendRaw`): a stdio container speaking 2025 JSON-RPC. */
  rawForwarding = false
  private readonly rawPending = new PendingCalls<string, (reply: RawReply | Error) => void>()
  private rawSeq = 0
  private isClosed = false
  private readonly stderrChunks: string[] = []
  private stderrBytes = 0
  readonly closed: Promise<void>
  private resolveClosed!: () => void

  constructor(
    readonly server: string,
    readonly client: Client,
    private readonly transport: Transport,
  ) {
    this.closed = new Promise((resolve) => (this.resolveClosed = resolve))
    this.calls = new CallRouter(server)
  }

  /** Why the server went away, once it did on its own (containers: the engine's account, see ContainerExits). */
  explainExit?: (() => Promise<string>) | undefined

  /** What this connection reaches, for `/status`: a container's short id, or a remote URL. */
  label?: string | undefined

  get isOpen(): boolean {
    return !this.isClosed
  }

  /** Keep the last few KiB of the server's stderr to explain a failure. */
  recordStderr(chunk: string): void {
    this.stderrChunks.push(chunk)
    this.stderrBytes += chunk.length
    while (this.stderrBytes > 4096 && this.stderrChunks.length > 1)
      this.stderrBytes -= this.stderrChunks.shift()!.length
  }

  stderrTail(): string {
    return this.stderrChunks.join('').trim().split('\n').slice(-5).join('\n')
  }

  /**
   * Log the errors of this connection's MCP client (a progress notification or a response for a request it
   * no longer waits for, a message it cannot parse): they are otherwise silent, and usually mean a message
   * was lost. Rate-limited, as a server may repeat its mistake.
   */
  reportErrors(warn: (line: string) => void): void {
    const report = rateLimitedLog(warn, {burst: 5, windowMs: 10_000})
    this.client.onerror = (err) => report(`  - ${this.server}: ${err.message}`)
  }

  markClosed(): void {
    if (this.isClosed) return
    this.isClosed = true
    this.resolveClosed()
    const closed = new Error('connection to the server is closed')
    for (const done of this.rawPending.takeAll()) done(closed)
  }

  /**
   * Forward requests as they are, without the SDK client's per-message work: the gateway's hot path for
   * tool calls on a long-lived container. Responses to these requests (string ids `gw-<n>`, which the
   * SDK never uses) are taken off the transport before the SDK client would reject them as unknown.
   */
  enableRawForwarding(): void {
    const transport = this.transport
    const sdk = transport.onmessage
    transport.onmessage = (message, extra) => {
      const id = (message as {id?: unknown}).id
      if (typeof id === 'string' && !('method' in message)) {
        const done = this.rawPending.take(id)
        if (done) {
          done(message as unknown as RawReply)
          return
        }
      }
      sdk?.call(transport, message, extra)
    }
    if (transport instanceof StreamTransport)
      transport.ontext = (text, bytes) => this.takeTextReply(text, bytes)
    this.rawForwarding = true
  }

  /**
   * An answer to a raw request passes through unparsed. SDK servers write a result as
   * `{"result":…,"jsonrpc":"2.0","id":…}`: when a line ends with one of our ids, that member is the
   * response's own (a nested one would be followed by more closing braces), so the gateway only has to
   * swap the id. Other servers (Python's SDK) write `{"jsonrpc":"2.0","id":…,"result":…}`: an id
   * member that opens the line is the response's own too (`leadingId`). Anything else is parsed as usual.
   * A small answer is taken so only when it is plainly a successful result (`plainResult`): parsing it,
   * scanning its serialised result and serialising the reply again cost more than the hop's own work.
   */
  private takeTextReply(text: string, bytes: Buffer): boolean {
    if (this.rawPending.size === 0 || !text.startsWith('{')) return false
    if (text.length < LARGE_MESSAGE_BYTES && !plainResult(text)) return false
    const head = leadingId(text)
    if (head) {
      const done = this.rawPending.take(head.id)
      if (!done) return false
      done({text, idMemberAt: head.at, idMemberEnd: head.end, bytes})
      return true
    }
    const tail = trailingId(text)
    // Our ids are `"gw-<n>"`: no escapes, so the JSON text minus its quotes is the id.
    const id = tail?.json.startsWith('"gw-') ? tail.json.slice(1, -1) : undefined
    const done = id === undefined ? undefined : this.rawPending.take(id)
    if (!done) return false
    done({text, idMemberAt: tail!.at, bytes})
    return true
  }

  /** Send a request around the SDK client; `done` gets the response, or an Error when the connection goes. */
  sendRaw(
    request: {method: string; params: unknown; text?: ((id: string) => string | LineBytes) | undefined},
    done: (reply: RawReply | Error) => void,
  ): string {
    const id = `gw-${++this.rawSeq}`
    if (this.isClosed) {
      done(new Error('connection to the server is closed'))
      return id
    }
    this.rawPending.set(id, done)
    // A large request that is already JSON text goes out as it is, with our id.
    const sent =
      request.text && this.transport instanceof StreamTransport
        ? this.transport.sendText(request.text(id))
        : this.transport.send({
            jsonrpc: '2.0',
            id,
            method: request.method,
            params: request.params,
          } as JSONRPCMessage)
    sent.catch((err: Error) => {
      if (this.rawPending.take(id)) done(err)
    })
    return id
  }

  /** Stop waiting for a raw request and tell the server to stop working on it. */
  cancelRaw(id: string, reason: string): void {
    if (!this.rawPending.take(id)) return
    void this.transport
      .send({jsonrpc: '2.0', method: 'notifications/cancelled', params: {requestId: id, reason}})
      .catch(() => {})
  }

  async close(): Promise<void> {
    if (this.isClosed) return
    this.markClosed()
    await this.client.close().catch(() => {})
    await this.transport.close().catch(() => {})
  }
}

export interface ConnectOptions {
  server: string
  transport: Transport
  version: string
  onListChanged: ListChangedHandler
  /** Time allowed for the MCP handshake. */
  startTimeoutMs: number
  /** Protocol-era negotiation for this upstream: 'auto' probes for 2026-07-28, 'legacy' speaks 2025 directly. */
  negotiation: 'auto' | 'legacy'
  /** Give the caller the Upstream before the handshake, e.g. to record stderr from the first byte. */
  onCreated?: (upstream: Upstream) => void
  /** Allow tool calls to bypass the SDK client once connected (see `Upstream.enableRawForwarding`). */
  rawForwarding?: boolean
  /**
   * What the server is told its client can do: the gateway's client's own capabilities (see
   * `mirroredCapabilities`), never more. Default: nothing (no client is behind the connection).
   */
  clientCapabilities?: ClientCapabilities | undefined
}

/**
 * Connect to a server speaking 2025 JSON-RPC over a byte stream the gateway owns (a container's stdio, a
 * static container's TCP bridge): tool calls may take the raw hot path, and list changes reach
 * `onListChanged` with the connection they came on.
 */
export function connectStreamUpstream(options: {
  server: string
  transport: Transport
  version: string
  startTimeoutMs: number
  client?: UpstreamClient | undefined
  onCreated: (upstream: Upstream) => void
  onListChanged: (upstream: Upstream) => void
}): Promise<Upstream> {
  let created: Upstream | undefined
  return connectUpstream({
    server: options.server,
    transport: options.transport,
    version: options.version,
    startTimeoutMs: options.startTimeoutMs,
    negotiation: 'legacy',
    rawForwarding: true,
    clientCapabilities: options.client?.capabilities,
    onCreated: (upstream) => {
      created = upstream
      options.onCreated(upstream)
    },
    onListChanged: () => {
      if (created) options.onListChanged(created)
    },
  })
}

/** Who a new upstream connection serves: what the gateway passes to `startUpstream`. */
/**
 * Start a connected upstream of `server` for pool session `session`, for `client`; `replica` = which of
 * the server's replicas (a remote server with several URLs: which URL, see balance/replicas.ts).
 */
export type StartUpstream = (
  server: string,
  session: string,
  client: UpstreamClient,
  replica?: number,
) => Promise<Upstream>

export interface UpstreamClient {
  /** The capabilities to declare to the server (see `ConnectOptions.clientCapabilities`). */
  capabilities: ClientCapabilities
  /** The client speaks a 2025 revision (see `CapabilityScopes.legacy`). */
  legacy?: boolean | undefined
}

/**
 * Connect an MCP client over a ready transport and wire the server's requests and notifications to the
 * call that caused them.
 */
export async function connectUpstream(options: ConnectOptions): Promise<Upstream> {
  const client = new Client(
    {name: 'docker-mcp-gateway', version: options.version},
    {
      capabilities: options.clientCapabilities ?? {},
      ...(options.negotiation === 'auto' ? {versionNegotiation: {mode: 'auto' as const}} : {}),
    },
  )
  const upstream = new Upstream(options.server, client, options.transport)
  options.onCreated?.(upstream)

  // Routed by the call in flight that caused them (CallRouter), refused when none or several owners could have.
  // Only what the client can answer is handled: a server asking anyway gets "method not found", as it would
  // from that client directly.
  if (options.clientCapabilities?.elicitation)
    client.setRequestHandler('elicitation/create', async (request, ctx) => {
      const binding = upstream.calls.route('elicitation/create')
      if (binding instanceof Error) throw binding
      return (await binding.elicit(request.params as Record<string, unknown>, ctx.mcpReq.signal)) as never
    })
  if (options.clientCapabilities?.sampling)
    client.setRequestHandler('sampling/createMessage', async (request, ctx) => {
      const binding = upstream.calls.route('sampling/createMessage')
      if (binding instanceof Error) throw binding
      return (await binding.sample(request.params as Record<string, unknown>, ctx.mcpReq.signal)) as never
    })
  client.setNotificationHandler('notifications/message', (notification) => {
    const binding = upstream.calls.route('notifications/message')
    // A log message nobody's call can own is dropped, not shown to a client it may not concern.
    if (!(binding instanceof Error)) binding.log(notification.params as Record<string, unknown>)
  })
  client.setNotificationHandler('notifications/tools/list_changed', () =>
    options.onListChanged(options.server, 'tools'),
  )
  client.setNotificationHandler('notifications/prompts/list_changed', () =>
    options.onListChanged(options.server, 'prompts'),
  )
  client.setNotificationHandler('notifications/resources/list_changed', () =>
    options.onListChanged(options.server, 'resources'),
  )
  client.onclose = () => upstream.markClosed()

  let timer: NodeJS.Timeout | undefined
  try {
    await Promise.race([
      client.connect(options.transport),
      upstream.closed.then(() => {
        throw new Error('the server exited before answering')
      }),
      new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(new Error(`no answer to the MCP handshake within ${options.startTimeoutMs / 1000}s`)),
          options.startTimeoutMs,
        )
      }),
    ])
  } catch (err) {
    await upstream.close()
    const tail = upstream.stderrTail()
    throw new DockerMcpError(
      `server "${options.server}" failed to start: ${(err as Error).message}${tail ? `\n${tail}` : ''}`,
      {cause: err},
    )
  } finally {
    clearTimeout(timer)
  }
  if (options.rawForwarding) upstream.enableRawForwarding()
  return upstream
}
