import type {CallToolResult, Tool} from '@modelcontextprotocol/server'

import type {DynamicContext, ToolArgs} from './context.js'
import {answer, refuse, stringArg} from './result.js'
import {SessionServers} from './servers.js'

export const REMOVE_TOOL: Tool = {
  name: 'mcp-remove',
  description:
    'Remove a server this session added with mcp-add: its tools leave the list and its container stops. Servers enabled for every session are not affected.',
  inputSchema: {
    type: 'object',
    properties: {name: {type: 'string', description: 'The server name'}},
    required: ['name'],
  },
  annotations: {title: 'Remove an MCP server from this session', destructiveHint: false},
}

export async function remove(c: DynamicContext, a: ToolArgs): Promise<CallToolResult> {
  const name = stringArg(a.args, 'name')
  if (!name) return refuse('mcp-remove needs a "name" (a string): the server to remove')
  return c.servers.exclusive(a.session, name, () => removeNow(c, a, name))
}

async function removeNow(c: DynamicContext, {session}: ToolArgs, name: string): Promise<CallToolResult> {
  const {host, servers} = c
  const added = servers.delete(session, name)
  if (!added) {
    if (host.enabled().has(name))
      return refuse(
        `Server "${name}" is enabled for every session (registry.yaml), not added by this one`,
        `The user can disable it with "docker mcp server disable ${name}".`,
      )
    const mine = [...servers.added(session).keys()]
    return refuse(
      `This session has not added a server "${name}"`,
      mine.length ? `It added: ${mine.join(', ')}.` : 'It has added none (mcp-add adds one).',
    )
  }
  const poolSession = SessionServers.poolSession(session)
  // Stateless callers share one pool session: its container stays while another caller still uses it.
  if (servers.holders(name, poolSession) === 0) await host.gateway.pool.closeServer(name, poolSession)
  // Nobody holds it any more: whatever is left of it goes too (its spare containers belong to no session).
  if (servers.holders(name) === 0) {
    await host.gateway.pool.closeServer(name)
    host.uninstall(name)
  }
  host.gateway.notifySession(session.id, 'tools')
  return answer(
    `Removed "${name}" from this session: its tools ${[...added.tools.keys()].join(', ')} are gone.`,
    {
      server: name,
    },
  )
}
