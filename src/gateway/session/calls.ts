import type {CallToolResult, ServerContext} from '@modelcontextprotocol/server'

import type {SessionRef, ToolTarget} from './tool-view.js'

/**
 * What the internal tools (src/gateway/dynamic/, src/gateway/codemode/) need of the gateway to call tools
 * on behalf of a session: the Gateway itself; an interface so that they can be tested alone.
 */
export interface SessionCalls {
  /** The gateway's own tools, by exposed name. */
  readonly toolNames: readonly string[]
  /** A name as the session sees it (its view: added servers, the access policy). */
  findTool(session: SessionRef, name: string): ToolTarget | undefined
  /** A call made for the session, through the whole pipeline, as the session's own calls. */
  callFor(
    session: SessionRef,
    target: ToolTarget,
    params: {name: string; arguments?: Record<string, unknown> | undefined},
    ctx: ServerContext,
  ): Promise<CallToolResult>
  notifySession(sessionId: string, kind: 'tools' | 'prompts' | 'resources'): void
}
