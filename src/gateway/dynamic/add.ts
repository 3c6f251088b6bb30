import type {CallToolResult, Tool} from '@modelcontextprotocol/server'

import {configFields, flattenConfig, isSet} from '../../catalog/status.js'
import {closestMatches} from '../../text/suggest.js'
import {listUpstream, type ServerListing} from '../listing.js'
import type {Lifecycle} from '../pool.js'
import {exposedTools, takenNames, type DynamicContext, type ToolArgs} from './context.js'
import type {AddedServer} from './host.js'
import {answer, refuse, stringArg} from './result.js'
import {SessionServers} from './servers.js'

export const ADD_TOOL: Tool = {
  name: 'mcp-add',
  description:
    'Add a catalog MCP server to this session (found with mcp-find): its tools are listed from now on, for this client only. Refuses, starting nothing, when a secret or a required setting is missing, and says how to set it. persist: true also enables it in registry.yaml for every future session.',
  inputSchema: {
    type: 'object',
    properties: {
      name: {type: 'string', description: 'The server name, as mcp-find returned it'},
      persist: {type: 'boolean', description: 'Also enable it in registry.yaml (default false)'},
    },
    required: ['name'],
  },
  annotations: {title: 'Add an MCP server to this session', readOnlyHint: false, destructiveHint: false},
}

export async function add(c: DynamicContext, a: ToolArgs): Promise<CallToolResult> {
  const name = stringArg(a.args, 'name')
  if (!name) return refuse('mcp-add needs a "name" (a string): the server to add', 'Find one with mcp-find')
  if (a.args?.persist !== undefined && typeof a.args.persist !== 'boolean')
    return refuse(`mcp-add: "persist" must be true or false, got ${JSON.stringify(a.args.persist)}`)
  return c.servers.exclusive(a.session, name, () => addNow(c, a, name, a.args?.persist === true))
}

async function addNow(c: DynamicContext, {session}: ToolArgs, name: string, persist: boolean) {
  const {host, servers} = c
  if (host.enabled().has(name))
    return answer(`Server "${name}" is already enabled for every session: its tools are already listed.`)
  const existing = servers.get(session, name)
  if (existing)
    return answer(
      `Server "${name}" is already added to this session: ${[...existing.tools.keys()].join(', ') || 'no tools'}.`,
    )
  const catalog = await host.catalog()
  const resolved = catalog.get(name)
  if (!resolved) {
    const close = closestMatches(name, [...catalog.keys()], 3)
    return refuse(
      `No catalog has a server "${name}"`,
      close.length
        ? `Did you mean ${close.map((n) => `"${n}"`).join(' or ')}? Search with mcp-find.`
        : 'Search the catalogs with mcp-find.',
    )
  }
  const entry = resolved.entry
  // Settings: config.yaml's, then this session's (mcp-config-set); required ones must be set, all must fit.
  const sessionSettings = servers.settingsOf(session, name)
  const settings = flattenConfig({...(await host.fileConfig())[name], ...sessionSettings})
  const unset = configFields(entry).filter((f) => f.required && !isSet(settings[f.key]))
  if (unset.length > 0)
    return refuse(
      `Server "${name}" needs ${unset.length === 1 ? 'the setting' : 'the settings'} ${unset.map((f) => `${f.key}${f.description ? ` (${f.description})` : ''}`).join(', ')}, not set; nothing was started`,
      `Set ${unset.length === 1 ? 'it' : 'each'} with mcp-config-set {"server": "${name}", "key": "${unset[0]!.key}", "value": …}, then call mcp-add again.`,
    )
  let configuration
  try {
    configuration = await host.resolve(name, sessionSettings)
  } catch (err) {
    return refuse(`Server "${name}" cannot be added: ${(err as Error).message}`, 'Nothing was started.')
  }
  const missing = configuration.missingSecrets.get(name) ?? []
  if (missing.length > 0)
    return refuse(
      `Server "${name}" needs ${missing.length === 1 ? 'the secret' : 'the secrets'} ${missing.join(', ')}, not set; nothing was started`,
      `Ask the user to run ${missing.map((s) => `"docker mcp secret set ${s}=<value>"`).join(' and ')} in a terminal (never pass a secret through this chat), then call mcp-add again.`,
    )
  const server = configuration.servers.find((s) => s.name === name)
  if (!server)
    return refuse(
      `Server "${name}" cannot run here: ${configuration.warnings.find((w) => w.includes(`"${name}"`)) ?? 'its catalog entry has no image or remote URL'}`,
      'Nothing was started.',
    )
  // Before anything starts: the names its catalog declares must not clash with this session's tools.
  const taken = takenNames(c, session)
  const declared = (entry.tools ?? []).map((t) => ({name: t.name, inputSchema: {type: 'object' as const}}))
  const early = clashesOf(
    c,
    server,
    {tools: declared, prompts: [], resources: [], resourceTemplates: []},
    taken,
  )
  if (early.length > 0) return clashRefusal(name, early)

  const why = await host.install(configuration)
  const poolSession = SessionServers.poolSession(session)
  const undo = async () => {
    if (servers.holders(name, poolSession) === 0) await host.gateway.pool.closeServer(name, poolSession)
    // Nobody holds it any more: whatever is left of it goes too (its spare containers belong to no session).
    if (servers.holders(name) === 0) {
      await host.gateway.pool.closeServer(name)
      host.uninstall(name)
    }
  }
  if (why) {
    await undo()
    return refuse(`Server "${name}" cannot run: ${why}`, 'Nothing was started.')
  }
  // Started and listed the way its calls will run it: a long-lived server keeps this container for the session.
  // A per-call server whose catalog declares its tools is listed from the catalog, as the gateway offers a
  // configured one before its first live listing: its first call starts its first container (one cold
  // start to first callable instead of two); its image was checked by `install`.
  const lifecycle: Lifecycle = server.longLived && !session.ephemeral ? 'long-lived' : 'per-call'
  let listing: ServerListing
  try {
    listing =
      !server.longLived && server.catalogTools
        ? {tools: server.catalogTools, prompts: [], resources: [], resourceTemplates: []}
        : await host.gateway.pool.use(name, poolSession, lifecycle, undefined, (u) => listUpstream(u))
  } catch (err) {
    await undo()
    return refuse(
      `Server "${name}" did not start: ${(err as Error).message}`,
      'Nothing was left running. Check its image and settings (docker mcp server inspect), then try again.',
    )
  }
  const clashes = clashesOf(c, server, listing, taken)
  if (clashes.length > 0) {
    await undo()
    return clashRefusal(name, clashes)
  }
  const added: AddedServer = {server, listing, tools: targets(c, server, listing)}
  servers.set(session, added)
  host.gateway.notifySession(session.id, 'tools')
  const tools = [...added.tools.keys()]
  let persisted = ''
  if (persist) {
    try {
      await host.persistServer(name)
      persisted = ' It is also enabled in registry.yaml for every future session.'
    } catch (err) {
      persisted = ` It could NOT be enabled in registry.yaml: ${(err as Error).message}`
    }
  }
  const hidden = listing.tools.length - tools.length
  return answer(
    `Added "${name}" to this session: ${tools.length} tool(s): ${tools.join(', ') || '(none)'}.${hidden > 0 ? ` ${hidden} more are filtered out by the tool allowlists: call them with mcp-exec.` : ''}${persisted}`,
    {server: name, tools, persisted: persist && !persisted.includes('NOT')},
  )
}

function targets(c: DynamicContext, server: AddedServer['server'], listing: ServerListing) {
  return exposedTools(c, server, listing)
}

function clashesOf(
  c: DynamicContext,
  server: AddedServer['server'],
  listing: ServerListing,
  taken: ReadonlySet<string>,
): string[] {
  return [...exposedTools(c, server, listing).keys()].filter((n) => taken.has(n))
}

function clashRefusal(name: string, clashes: string[]): CallToolResult {
  return refuse(
    `Server "${name}" was not added: its ${clashes.length === 1 ? 'tool' : 'tools'} ${clashes.join(', ')} would clash with tools this session already has; nothing was left running`,
    'Remove the server that offers them first (mcp-remove), or ask the user to run the gateway with --tool-name-prefix.',
  )
}
