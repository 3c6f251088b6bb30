import type {Tool} from '@modelcontextprotocol/server'

/** A tool as a catalog describes it (Docker's format: `arguments` with `type` and `desc`, or an `inputSchema`). */
export interface CatalogTool {
  name: string
  description?: string | undefined
  arguments?:
    | Array<{
        name: string
        type?: string | undefined
        desc?: string | undefined
        description?: string | undefined
      }>
    | undefined
  inputSchema?: Record<string, unknown> | undefined
  annotations?: Record<string, unknown> | undefined
}

/**
 * The tools a catalog entry declares, as MCP tools, when the declaration is complete enough to show a
 * model (every tool has a description); undefined otherwise. The gateway offers them before the server's
 * first live listing, which then replaces them.
 */
export function toolsFromCatalog(tools: readonly CatalogTool[] | undefined): Tool[] | undefined {
  if (!tools?.length || tools.some((t) => !t.name || !t.description)) return undefined
  return tools.map((t) => ({
    name: t.name,
    description: t.description,
    inputSchema: (t.inputSchema as Tool['inputSchema'] | undefined) ?? {
      type: 'object',
      properties: Object.fromEntries(
        (t.arguments ?? []).map((a) => [
          a.name,
          {
            type: a.type ?? 'string',
            ...((a.desc ?? a.description) ? {description: a.desc ?? a.description} : {}),
          },
        ]),
      ),
    },
    ...(t.annotations ? {annotations: t.annotations as Tool['annotations']} : {}),
  }))
}
