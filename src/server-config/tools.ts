import type {CachedKind} from '../catalog/file-cache.js'
import {loadServers, serverNotFound, type ResolvedServer} from '../catalog/load.js'
import type {Context} from '../context.js'
import {readMergedServerFiles} from './merge.js'
import {DockerMcpError} from '../errors.js'
import {withFileLock} from '../fs/lock.js'
import {closestMatches} from '../text/suggest.js'
import type {ToolsConfig} from './validate.js'

export type {ToolsConfig} from './validate.js'

/** Tools files as the file cache keeps them: the validated allowlists (the validator is loaded on a miss). */
const TOOLS: CachedKind<ToolsConfig> = {
  name: 'tools',
  check: async () => (await import('./validate.js')).checkTools,
}

/** Tool allowlists from tools files (default `tools.yaml`); a later file's list for a server wins. */
export async function readToolsConfig(ctx: Context, files?: string[]): Promise<ToolsConfig> {
  return readMergedServerFiles(ctx, files, ctx.paths.tools, TOOLS)
}

function toolNames(server: ResolvedServer): string[] {
  return (server.entry.tools ?? []).map((t) => t.name)
}

/**
 * Which server owns each tool: `server` when given (checked against its catalog tool list when it has
 * one), else the one server across all catalogs whose tool list has it. Ambiguity is an error listing
 * the candidates.
 */
function resolveOwners(
  servers: Map<string, ResolvedServer>,
  tools: string[],
  server: string | undefined,
): Map<string, string[]> {
  const byServer = new Map<string, string[]>()
  const add = (s: string, t: string) => byServer.set(s, [...(byServer.get(s) ?? []), t])
  if (server) {
    const resolved = servers.get(server)
    if (!resolved) throw serverNotFound(server, servers.keys())
    const known = toolNames(resolved)
    for (const tool of tools) {
      if (known.length && !known.includes(tool)) {
        const close = closestMatches(tool, known)
        throw new DockerMcpError(`server "${server}" has no tool "${tool}"`, {
          suggestions: [
            ...close.map((c) => `did you mean "${c}"?`),
            `tools of ${server}: ${known.join(', ')}`,
          ],
        })
      }
      add(server, tool)
    }
    return byServer
  }
  for (const tool of tools) {
    const owners = [...servers.values()].filter((s) => toolNames(s).includes(tool)).map((s) => s.name)
    if (owners.length === 0) {
      const all = [...new Set([...servers.values()].flatMap(toolNames))]
      const close = closestMatches(tool, all)
      throw new DockerMcpError(`no server in the catalogs has a tool "${tool}"`, {
        suggestions: [
          ...close.map((c) => `did you mean "${c}"?`),
          'Name the server if its catalog does not list its tools: --server <name>',
        ],
      })
    }
    if (owners.length > 1)
      throw new DockerMcpError(`tool "${tool}" is provided by several servers: ${owners.join(', ')}`, {
        suggestions: owners.map((o) => `docker mcp tools enable ${tool} --server ${o}`),
      })
    add(owners[0]!, tool)
  }
  return byServer
}

export interface ToolsChange {
  server: string
  /** Tools named in this change. */
  tools: string[]
  /** The server's allowlist afterwards; `undefined` = every tool enabled (no entry in tools.yaml). */
  allowlist: string[] | undefined
  changed: boolean
}

const sorted = (xs: Iterable<string>) => [...new Set(xs)].sort()

async function editTools(
  ctx: Context,
  tools: string[],
  server: string | undefined,
  change: (
    current: string[] | undefined,
    named: string[],
    catalogTools: string[],
    server: string,
  ) => string[] | undefined,
): Promise<{changes: ToolsChange[]; warnings: string[]}> {
  const {servers, warnings} = await loadServers(ctx)
  const owners = resolveOwners(servers, tools, server)
  const [{openForEdit, findPair, replaceValue, writeYamlFile}, {checkTools}] = await Promise.all([
    import('../catalog/yaml-file.js'),
    import('./validate.js'),
  ])
  // Read, change and write under the file's lock: concurrent `tools enable/disable`s each keep their change.
  const changes = await withFileLock(ctx.paths.tools, async () => {
    const y = await openForEdit(ctx.paths.tools)
    const current = y.exists ? checkTools(y) : {}
    const root = y.doc.contents as import('yaml').YAMLMap
    const changes: ToolsChange[] = []
    for (const [owner, named] of owners) {
      const before = Object.hasOwn(current, owner) ? current[owner] : undefined
      const after = change(before, named, toolNames(servers.get(owner)!), owner)
      const changed = JSON.stringify(before) !== JSON.stringify(after)
      if (changed && after !== undefined) {
        // Lists are written sorted and in flow style (`server: [a, b]`), as the original's files read.
        const node = y.doc.createNode(after, {flow: true})
        const pair = findPair(root, owner)
        if (pair) replaceValue(pair, node)
        else root.add(y.doc.createPair(owner, node))
      }
      changes.push({server: owner, tools: named, allowlist: after, changed})
    }
    if (changes.some((c) => c.changed))
      await writeYamlFile(ctx.paths.tools, y.doc, {privateRoot: ctx.paths.mcpDir})
    return changes
  })
  return {changes, warnings}
}

/**
 * Allow tools. A server without an allowlist already exposes every tool, so enabling is a no-op there
 * (the original started a one-tool allowlist, silently disabling all the others).
 */
export async function enableTools(
  ctx: Context,
  tools: string[],
  options: {server?: string | undefined} = {},
): Promise<{changes: ToolsChange[]; warnings: string[]}> {
  return editTools(ctx, tools, options.server, (current, named) =>
    current === undefined ? undefined : sorted([...current, ...named]),
  )
}

/**
 * Disallow tools. A server without an allowlist gets one: all its catalog tools minus these. That needs
 * the catalog to list the server's tools.
 */
export async function disableTools(
  ctx: Context,
  tools: string[],
  options: {server?: string | undefined} = {},
): Promise<{changes: ToolsChange[]; warnings: string[]}> {
  return editTools(ctx, tools, options.server, (current, named, catalogTools, server) => {
    if (current === undefined && catalogTools.length === 0)
      throw new DockerMcpError(
        `the catalog does not list the tools of "${server}", so the tools to keep are unknown`,
        {
          suggestions: [
            `Allow tools explicitly instead, by editing ${ctx.paths.tools}: ${server}: [tool_a, tool_b]`,
          ],
        },
      )
    const base = current ?? catalogTools
    return sorted(base.filter((t) => !named.includes(t)))
  })
}
