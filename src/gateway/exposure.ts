import type {ListResourceTemplatesResult, Prompt, Tool} from '@modelcontextprotocol/server'

import type {ServerListing} from './listing.js'
import {assignToolNames, inListingOrder, type ToolOrigin} from './naming.js'

type ResourceTemplate = ListResourceTemplatesResult['resourceTemplates'][number]

/** What the gateway offers its clients, computed from the servers' listings. */
export interface Exposure {
  tools: Map<string, {origin: ToolOrigin; tool: Tool}>
  prompts: Map<string, {origin: ToolOrigin; prompt: Prompt}>
  /** Resource URI → owning server (the first server listing it wins). */
  resources: Map<string, string>
  /** Longest prefix first, so that the most specific template claims a URI. */
  templates: Array<{server: string; template: ResourceTemplate; prefix: string}>
  /** Name clashes, worded for the log. */
  clashes: string[]
}

/**
 * The exposed names of every server's tools, prompts and resources: deterministic, whatever order the
 * servers answered in. `servers` in configuration order, each with its catalog `prefix`; `toolFilter` is
 * the allowlist (tools.yaml or `--tools`); `reserved` are the names of the gateway's own tools.
 */
export function exposeListings(
  servers: ReadonlyArray<{name: string; prefix?: string | undefined}>,
  listings: ReadonlyMap<string, ServerListing>,
  toolFilter: (server: string, tool: string) => boolean,
  prefixAll: boolean,
  reserved?: ReadonlySet<string>,
): Exposure {
  const toolInputs: Array<{server: string; name: string; prefix?: string | undefined; tool: Tool}> = []
  const promptInputs: Array<{server: string; name: string; prompt: Prompt}> = []
  const resources = new Map<string, string>()
  const templates: Exposure['templates'] = []
  for (const server of servers) {
    const listing = listings.get(server.name)
    if (!listing) continue
    for (const tool of listing.tools) {
      if (!toolFilter(server.name, tool.name)) continue
      toolInputs.push({server: server.name, name: tool.name, prefix: server.prefix, tool})
    }
    for (const prompt of listing.prompts) promptInputs.push({server: server.name, name: prompt.name, prompt})
    for (const resource of listing.resources)
      if (!resources.has(resource.uri)) resources.set(resource.uri, server.name)
    for (const template of listing.resourceTemplates) {
      const prefix = template.uriTemplate.split('{')[0]!
      templates.push({server: server.name, template, prefix})
    }
  }
  const naming = assignToolNames(toolInputs, {prefixAll, reserved})
  const toolByOrigin = new Map(toolInputs.map((t) => [`${t.server}\u0000${t.name}`, t.tool]))
  const tools: Exposure['tools'] = new Map()
  for (const [exposed, origin] of inListingOrder(naming.names, toolByOrigin)) {
    const tool = toolByOrigin.get(`${origin.server}\u0000${origin.name}`)!
    tools.set(exposed, {origin, tool: exposed === tool.name ? tool : {...tool, name: exposed}})
  }
  const promptNaming = assignToolNames(promptInputs)
  const promptByOrigin = new Map(promptInputs.map((p) => [`${p.server}\u0000${p.name}`, p.prompt]))
  const prompts: Exposure['prompts'] = new Map()
  for (const [exposed, origin] of inListingOrder(promptNaming.names, promptByOrigin)) {
    const prompt = promptByOrigin.get(`${origin.server}\u0000${origin.name}`)!
    prompts.set(exposed, {origin, prompt: exposed === prompt.name ? prompt : {...prompt, name: exposed}})
  }
  return {
    tools,
    prompts,
    resources,
    templates: templates.sort((a, b) => b.prefix.length - a.prefix.length),
    clashes: [...naming.clashes, ...promptNaming.clashes.map((c) => c.replace('tool name', 'prompt name'))],
  }
}

/** The lists a client sees, as text: two exposures differ for a client exactly when these differ. */
export function exposedLists(
  e: Pick<Exposure, 'tools' | 'prompts' | 'resources' | 'templates'>,
): Record<'tools' | 'prompts' | 'resources', string> {
  return {
    tools: JSON.stringify([...e.tools.values()].map((t) => t.tool)),
    prompts: JSON.stringify([...e.prompts.values()].map((p) => p.prompt)),
    resources: JSON.stringify([[...e.resources], e.templates.map((t) => t.template)]),
  }
}
