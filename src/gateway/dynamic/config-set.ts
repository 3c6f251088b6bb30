import type {CallToolResult, Tool} from '@modelcontextprotocol/server'

import {configFields} from '../../catalog/status.js'
import {closestMatches} from '../../text/suggest.js'
import type {DynamicContext, ToolArgs} from './context.js'
import {answer, refuse, stringArg} from './result.js'

export const CONFIG_SET_TOOL: Tool = {
  name: 'mcp-config-set',
  description:
    "Set one setting of a catalog server for this session (checked against the server's config schema), before mcp-add. persist: true also writes it to config.yaml. Never use it for secrets: those are set by the user with docker mcp secret set.",
  inputSchema: {
    type: 'object',
    properties: {
      server: {type: 'string', description: 'The server name'},
      key: {type: 'string', description: 'The setting, dotted for nested ones (e.g. "paths" or "db.host")'},
      value: {description: 'The value (string, number, boolean or list, as the schema says)'},
      persist: {type: 'boolean', description: 'Also write it to config.yaml (default false)'},
    },
    required: ['server', 'key', 'value'],
  },
  annotations: {title: 'Set a server setting'},
}

export async function configSet(c: DynamicContext, {session, args}: ToolArgs): Promise<CallToolResult> {
  const server = stringArg(args, 'server')
  const key = stringArg(args, 'key')
  if (!server || !key || args?.value === undefined)
    return refuse('mcp-config-set needs "server", "key" and "value"')
  if (args.persist !== undefined && typeof args.persist !== 'boolean')
    return refuse(`mcp-config-set: "persist" must be true or false, got ${JSON.stringify(args.persist)}`)
  const catalog = await c.host.catalog()
  const resolved = catalog.get(server)
  if (!resolved) {
    const close = closestMatches(server, [...catalog.keys()], 3)
    return refuse(
      `No catalog has a server "${server}"`,
      close.length ? `Did you mean ${close.map((n) => `"${n}"`).join(' or ')}?` : 'Search with mcp-find.',
    )
  }
  const fields = configFields(resolved.entry)
  const field = fields.find((f) => f.key === key)
  if (!field)
    return refuse(
      fields.length ? `Server "${server}" has no setting "${key}"` : `Server "${server}" has no settings`,
      fields.length ? `Its settings: ${fields.map((f) => f.key).join(', ')}.` : undefined,
    )
  let value: unknown
  try {
    const {coerceConfigValue} = await import('../../server-config/coerce.js')
    value = coerceConfigValue(args.value, field, `${server}.${key}`)
  } catch (err) {
    return refuse((err as Error).message, 'Nothing was set.')
  }
  c.servers.setSetting(session, server, key, value)
  let persisted = ''
  if (args.persist === true) {
    try {
      await c.host.persistConfig(server, key, value)
      persisted = ' Also written to config.yaml.'
    } catch (err) {
      persisted = ` It could NOT be written to config.yaml: ${(err as Error).message}`
    }
  }
  const running = c.servers.get(session, server)
    ? ` "${server}" is already added: mcp-remove and mcp-add it again to restart it with this setting.`
    : ''
  return answer(`Set ${server}.${key} = ${JSON.stringify(value)} for this session.${persisted}${running}`, {
    server,
    key,
    value,
  })
}
