import type {CallToolResult, ServerContext, Tool} from '@modelcontextprotocol/server'

import type {ToolOrigin} from '../naming.js'
import type {ToolCall} from '../pipeline/call.js'
import type {Caller} from './caller.js'

/** What a tool name resolves to for one session. */
export interface ToolTarget {
  origin: ToolOrigin
  tool: Tool
  /**
   * Answered inside the gateway instead of forwarded to `origin.server` (the internal tools: mcp-find,
   * mcp-add, code-mode …). The call still runs through the whole pipeline (log, policy, limits, audit);
   * this is its last step, in place of the server.
   */
  answer?: ((call: ToolCall, context: InternalCallContext) => Promise<CallToolResult>) | undefined
}

/** What an internal tool's answer gets besides the call. */
export interface InternalCallContext {
  session: SessionRef
  /** The client request being answered: its cancellation signal, progress token, and a way to notify. */
  ctx: ServerContext
}

/** One client session as the view layers see it. */
export interface SessionRef {
  /** The session id (`stdio`, an HTTP session id, or `stateless` for every 2026-07-28 HTTP request). */
  readonly id: string
  readonly caller: Caller
  /** One stateless 2026-07-28 request: it ends with its answer and keeps nothing in between. */
  readonly ephemeral: boolean
}

/**
 * A per-session change to what the gateway offers: tools added for one session (internal tools, servers a
 * session added with mcp-add) or taken away (the access policy). The gateway's own tool list is the
 * same for every session; layers are asked, in order, each time a session lists or calls.
 */
export interface ToolViewLayer {
  readonly name: string
  /**
   * Tools this layer adds for the session, by exposed name, after the gateway's own tools. Names must not
   * clash with those (reserve them, or rename): a clashing extra is not offered.
   */
  extra?(session: SessionRef): Iterable<readonly [string, ToolTarget]>
  /** Resolve one name the gateway's own tools do not have (cheaper than listing every extra). */
  find?(session: SessionRef, name: string): ToolTarget | undefined
  /** Whether the session may see and call this tool. A tool refused by any layer is absent from its list. */
  allows?(session: SessionRef, name: string, target: ToolTarget): boolean
  /** Whether the session may see this server's prompts and resources (the access policy). */
  showsServer?(session: SessionRef, server: string): boolean
  /** Names this layer reserves: no server tool is exposed under them (internal tool names). */
  reserved?(): Iterable<string>
  /**
   * A pipeline guard enforces this layer's refusals too (the access policy): a client that calls a tool
   * hidden only by such layers has its call run through the pipeline, where the guard refuses it with its
   * own error and the audit log records the attempt. Layers without a guard must not set this.
   */
  readonly guarded?: boolean
  /** A 2025 session ended: drop what the layer keeps for it (keyed by its id). */
  forget?(sessionId: string): void
}

/**
 * The tools one session sees: the gateway's own, then every layer's extras, minus what a layer refuses.
 * Names a layer reserves always resolve to that layer's tool, never to a server's.
 */
export class ToolView {
  constructor(private readonly layers: readonly ToolViewLayer[]) {}

  get empty(): boolean {
    return this.layers.length === 0
  }

  /** Session `id` ended: every layer drops what it kept for it. */
  forget(id: string): void {
    for (const layer of this.layers) layer.forget?.(id)
  }

  list(session: SessionRef, own: ReadonlyMap<string, ToolTarget>): Tool[] {
    if (this.layers.length === 0) return [...own.values()].map((t) => t.tool)
    // Own tools first; an extra under a name already taken is not offered (the layer reports its clashes).
    const all = new Map<string, ToolTarget>(own)
    for (const layer of this.layers)
      for (const [name, target] of layer.extra?.(session) ?? []) if (!all.has(name)) all.set(name, target)
    const tools: Tool[] = []
    for (const [name, target] of all) if (this.allows(session, name, target)) tools.push(target.tool)
    return tools
  }

  /**
   * Resolve a name for a call: undefined when no tool has it, or the session may not see it. With
   * `guardedToo`, a tool hidden only by guarded layers resolves (its call is refused in the pipeline).
   */
  find(
    session: SessionRef,
    name: string,
    own: ReadonlyMap<string, ToolTarget>,
    guardedToo = false,
  ): ToolTarget | undefined {
    if (this.layers.length === 0) return own.get(name)
    const target = this.resolve(session, name, own)
    return target && this.allows(session, name, target, guardedToo) ? target : undefined
  }

  private resolve(session: SessionRef, name: string, own: ReadonlyMap<string, ToolTarget>) {
    let target = own.get(name)
    for (const layer of this.layers) if (!target) target = layer.find?.(session, name)
    return target
  }

  /** Whether a name exists for the session but a layer refuses it (to word the error). */
  refuses(session: SessionRef, name: string, own: ReadonlyMap<string, ToolTarget>): string | undefined {
    const target = this.resolve(session, name, own)
    if (!target) return undefined
    return this.layers.find((l) => l.allows && !l.allows(session, name, target))?.name
  }

  /** Whether the session may see a server's prompts and resources: no layer hides the server. */
  showsServer(session: SessionRef, server: string): boolean {
    for (const layer of this.layers)
      if (layer.showsServer && !layer.showsServer(session, server)) return false
    return true
  }

  reserved(): Set<string> {
    const names = new Set<string>()
    for (const layer of this.layers) for (const name of layer.reserved?.() ?? []) names.add(name)
    return names
  }

  private allows(session: SessionRef, name: string, target: ToolTarget, skipGuarded = false): boolean {
    for (const layer of this.layers)
      if (layer.allows && !(skipGuarded && layer.guarded) && !layer.allows(session, name, target))
        return false
    return true
  }
}
