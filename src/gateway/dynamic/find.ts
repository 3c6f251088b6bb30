import type {CallToolResult, Tool} from '@modelcontextprotocol/server'

import type {CatalogEntry} from '../../catalog/index.js'
import {configFields, flattenConfig, isSet} from '../../catalog/status.js'
import {EMPTY_LISTING} from '../listing.js'
import {exposedTools, takenNames, type DynamicContext, type ToolArgs} from './context.js'
import {answer, refuse, stringArg} from './result.js'

export const FIND_TOOL: Tool = {
  name: 'mcp-find',
  description:
    'Search the MCP server catalogs for servers whose tools do what you need. Returns the best matches first, each with its tools, the secrets and settings it needs (and whether they are set), and whether it is already enabled. Add one to this session with mcp-add.',
  inputSchema: {
    type: 'object',
    properties: {
      query: {type: 'string', description: 'What you are looking for: a server name, a task, a tool name'},
      limit: {type: 'integer', minimum: 1, maximum: 50, description: 'How many servers at most (default 10)'},
    },
    required: ['query'],
  },
  annotations: {title: 'Find MCP servers', readOnlyHint: true},
}

/** One server found, as mcp-find returns it. */
export interface FoundServer {
  name: string
  title?: string | undefined
  description: string
  tools: string[]
  secrets: Array<{name: string; set: boolean}>
  config: Array<{key: string; required: boolean; set: boolean; description?: string | undefined}>
  /** `all sessions` (registry.yaml), `this session` (mcp-add), or no. */
  enabled: 'all sessions' | 'this session' | 'no'
  /** Tool names that would clash with tools this session already has, if it were added. */
  clashes: string[]
}

export async function find(c: DynamicContext, {session, args}: ToolArgs): Promise<CallToolResult> {
  const query = stringArg(args, 'query')
  if (!query) return refuse('mcp-find needs a "query" (a string): what to search for')
  const limit = args?.limit === undefined ? 10 : Number(args.limit)
  if (!Number.isInteger(limit) || limit < 1 || limit > 50)
    return refuse(`mcp-find: "limit" must be an integer from 1 to 50, got ${JSON.stringify(args?.limit)}`)
  const hits = (await c.search()).search(query, limit)
  if (hits.length === 0)
    return answer(
      `No server of the catalogs matches "${query}". Try other words (a task, a product, a tool).`,
      {
        servers: [],
      },
    )
  const config = await c.host.fileConfig()
  const taken = takenNames(c, session)
  const servers = await Promise.all(
    hits.map(({name, entry}) => describe(c, session, name, entry, config[name], taken)),
  )
  const lines = servers.map((s) => {
    const needs = [
      ...s.secrets.filter((x) => !x.set).map((x) => `secret ${x.name} (not set)`),
      ...s.config.filter((x) => x.required && !x.set).map((x) => `setting ${x.key} (not set)`),
    ]
    return `- ${s.name}${s.title ? ` (${s.title})` : ''}: ${s.description}\n  tools: ${s.tools.join(', ') || '(listed when added)'}${needs.length ? `\n  needs: ${needs.join(', ')}` : ''}${s.enabled === 'no' ? '' : `\n  enabled: ${s.enabled}`}${s.clashes.length ? `\n  would clash: ${s.clashes.join(', ')}` : ''}`
  })
  return answer(
    `${servers.length} server(s) for "${query}", best first:\n${lines.join('\n')}\n\nAdd one with mcp-add {"name": "<server>"}.`,
    {
      servers: servers as unknown as Record<string, unknown>[],
    } as Record<string, unknown>,
  )
}

async function describe(
  c: DynamicContext,
  session: ToolArgs['session'],
  name: string,
  entry: CatalogEntry,
  fileSettings: Record<string, unknown> | undefined,
  taken: Set<string>,
): Promise<FoundServer> {
  const settings = flattenConfig({...fileSettings, ...c.servers.settingsOf(session, name)})
  const enabled = c.host.enabled().has(name)
    ? 'all sessions'
    : c.servers.get(session, name)
      ? 'this session'
      : 'no'
  const declared = (entry.tools ?? []).map((t) => ({name: t.name, inputSchema: {type: 'object' as const}}))
  const clashes =
    enabled === 'no'
      ? [...exposedTools(c, {name, prefix: entry.prefix}, {...EMPTY_LISTING, tools: declared}).keys()].filter(
          (n) => taken.has(n),
        )
      : []
  return {
    name,
    ...(entry.title ? {title: entry.title} : {}),
    description: entry.description ?? '',
    tools: (entry.tools ?? []).map((t) => t.name),
    secrets: await Promise.all(
      (entry.secrets ?? []).map(async (s) => ({name: s.name, set: await c.host.secrets.has(s.name)})),
    ),
    config: configFields(entry).map((f) => ({
      key: f.key,
      required: f.required,
      set: isSet(settings[f.key]),
      ...(f.description ? {description: f.description} : {}),
    })),
    enabled,
    clashes,
  }
}
