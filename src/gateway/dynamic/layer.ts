import type {CallToolResult, Tool} from '@modelcontextprotocol/server'

import type {SessionRef, ToolTarget, ToolViewLayer} from '../session/tool-view.js'
import {ADD_TOOL, add} from './add.js'
import {CONFIG_SET_TOOL, configSet} from './config-set.js'
import {INTERNAL_ORIGIN, INTERNAL_TOOLS, type DynamicContext, type ToolArgs} from './context.js'
import {EXEC_TOOL, exec} from './exec.js'
import {FIND_TOOL, find} from './find.js'
import {REMOVE_TOOL, remove} from './remove.js'
import {refuse} from './result.js'

const HANDLERS: Array<[Tool, (c: DynamicContext, a: ToolArgs) => Promise<CallToolResult>]> = [
  [FIND_TOOL, find],
  [ADD_TOOL, add],
  [REMOVE_TOOL, remove],
  [CONFIG_SET_TOOL, configSet],
  [EXEC_TOOL, exec],
]

/**
 * The dynamic tools as a tool view layer: every session sees the internal tools (mcp-find, mcp-add …)
 * after the gateway's own, then the tools of the servers it added. Their names are reserved: a server
 * tool that has one is renamed (naming.ts), never offered in their place.
 */
export class DynamicToolsLayer implements ToolViewLayer {
  readonly name = 'dynamic-tools'
  private readonly internal: Map<string, ToolTarget>

  constructor(private readonly c: DynamicContext) {
    this.internal = new Map(
      HANDLERS.map(([tool, handler]) => [
        tool.name,
        {
          origin: {server: INTERNAL_ORIGIN, name: tool.name},
          tool,
          answer: async (call, {session, ctx}) => {
            try {
              return await handler(c, {session, args: call.arguments, ctx})
            } catch (err) {
              // A tool error the model can read, never a protocol error it cannot act on.
              return refuse(`${tool.name} failed: ${(err as Error).message}`)
            }
          },
        },
      ]),
    )
  }

  *extra(session: SessionRef): Iterable<readonly [string, ToolTarget]> {
    yield* this.internal
    for (const added of this.c.servers.added(session).values()) yield* added.tools
  }

  find(session: SessionRef, name: string): ToolTarget | undefined {
    return this.internal.get(name) ?? this.c.servers.tool(session, name)
  }

  reserved(): Iterable<string> {
    return INTERNAL_TOOLS
  }

  /**
   * A session ended: what it added and set is forgotten. Its own containers stop with its pool session; a
   * server no other session holds goes entirely, as after mcp-remove (its spares belong to no session).
   */
  forget(sessionId: string): void {
    const {host, servers} = this.c
    for (const name of servers.forget(sessionId)) {
      if (servers.holders(name) > 0) continue
      void host.gateway.pool.closeServer(name).catch(() => {})
      host.uninstall(name)
    }
  }
}
