import type {CallToolResult, Tool} from '@modelcontextprotocol/server'

import type {ToolTarget} from '../session/tool-view.js'
import {INTERNAL_TOOLS, type DynamicContext, type ToolArgs} from './context.js'
import {refuse, stringArg} from './result.js'

export const EXEC_TOOL: Tool = {
  name: 'mcp-exec',
  description:
    'Call any tool of a server enabled for this session, by name, including tools left out of the tool list (allowlists): keep the list short and still reach every tool. The call goes through the same checks as a direct one.',
  inputSchema: {
    type: 'object',
    properties: {
      name: {type: 'string', description: 'The tool name (as listed, or as its server names it)'},
      arguments: {type: 'object', description: "The tool's arguments"},
    },
    required: ['name'],
  },
  annotations: {title: 'Call a tool by name'},
}

export async function exec(c: DynamicContext, {session, args, ctx}: ToolArgs): Promise<CallToolResult> {
  const name = stringArg(args, 'name')
  if (!name) return refuse('mcp-exec needs a "name" (a string): the tool to call')
  const toolArgs = args?.arguments
  if (
    toolArgs !== undefined &&
    (typeof toolArgs !== 'object' || toolArgs === null || Array.isArray(toolArgs))
  )
    return refuse(`mcp-exec: "arguments" must be an object, got ${JSON.stringify(toolArgs)}`)
  if ((INTERNAL_TOOLS as readonly string[]).includes(name))
    return refuse(`mcp-exec does not call the gateway's own tools ("${name}")`, `Call ${name} directly.`)
  const target = c.host.gateway.findTool(session, name) ?? hidden(c, session, name)
  if (!target)
    return refuse(
      `No server enabled for this session has a tool "${name}"`,
      'Find the server that has it with mcp-find and add it with mcp-add.',
    )
  if (target.answer)
    return refuse(`mcp-exec does not call the gateway's own tools ("${name}")`, `Call ${name} directly.`)
  return c.host.gateway.callFor(
    session,
    target,
    {name, arguments: toolArgs as Record<string, unknown> | undefined},
    ctx,
  )
}

/** A tool the allowlists leave out of the list: by its own name, or `<server>__<tool>`. */
function hidden(c: DynamicContext, session: ToolArgs['session'], name: string): ToolTarget | undefined {
  const listings: Array<[string, {tools: Tool[]}]> = [
    ...[...c.host.enabled()].flatMap((s) => {
      const listing = c.host.gateway.listingOf(s)
      return listing ? [[s, listing] as [string, {tools: Tool[]}]] : []
    }),
    ...[...c.servers.added(session)].map(([s, a]) => [s, a.listing] as [string, {tools: Tool[]}]),
  ]
  for (const [server, listing] of listings) {
    const tool = listing.tools.find((t) => t.name === name || `${server}__${t.name}` === name)
    if (tool) return {origin: {server, name: tool.name}, tool}
  }
  return undefined
}
