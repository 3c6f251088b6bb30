import type {Tool} from '@modelcontextprotocol/server'

/**
 * A tool as a catalog declares it: Docker's format (`name`, `description`, `arguments` with `type` and
 * `desc`, `annotations`), or, in our generated declarations (scripts/catalog-tools.mjs), the server's own
 * listing besides: `title`, `inputSchema` (bounds and defaults included), `outputSchema` and whatever else
 * the server listed.
 */
export interface CatalogTool {
  name: string
  title?: string | undefined
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
  outputSchema?: Record<string, unknown> | undefined
  annotations?: Record<string, unknown> | undefined
  [key: string]: unknown
}

/** Catalog-only fields: Docker's argument summary and the `poci` per-tool container, never part of an MCP tool. */
const CATALOG_ONLY = new Set(['arguments', 'container', 'parameters'])

/**
 * The tools a catalog entry declares, as MCP tools, when the declaration is complete enough to show a
 * model (every tool has a description); undefined otherwise. The gateway offers them before the server's
 * first live listing, which then replaces them. A declaration with an `inputSchema` is a server's listing
 * and is offered exactly as listed (minus catalog-only fields), so a client with a cold cache sees the same
 * tool it will call; one with only Docker's `arguments` gets an object schema built from them.
 */
export function toolsFromCatalog(tools: readonly CatalogTool[] | undefined): Tool[] | undefined {
  if (!tools?.length || tools.some((t) => !t.name || !t.description)) return undefined
  return tools.map((t) => {
    if (t.inputSchema) {
      return Object.fromEntries(Object.entries(t).filter(([key]) => !CATALOG_ONLY.has(key))) as Tool
    }
    return {
      name: t.name,
      ...(t.title !== undefined ? {title: t.title} : {}),
      description: t.description,
      inputSchema: {
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
      ...(t.outputSchema ? {outputSchema: t.outputSchema as Tool['outputSchema']} : {}),
      ...(t.annotations ? {annotations: t.annotations as Tool['annotations']} : {}),
    }
  })
}
