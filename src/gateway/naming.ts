import {createHash} from 'node:crypto'

/** What model APIs accept as a tool name. */
export const TOOL_NAME = /^[A-Za-z0-9_-]{1,64}$/
const SEPARATOR = '__'

/**
 * Make a name acceptable to model APIs: invalid characters become `_`, and a name longer than 64 keeps its
 * head and gets a short hash of the whole so that two long names stay distinct.
 */
export function sanitizeToolName(name: string): string {
  let clean = name.replace(/[^A-Za-z0-9_-]/g, '_')
  if (clean === '') clean = '_'
  if (clean.length <= 64) return clean
  const hash = createHash('sha256').update(name).digest('hex').slice(0, 8)
  return `${clean.slice(0, 64 - 9)}_${hash}`
}

export interface ToolOrigin {
  server: string
  /** The tool's name on its server. */
  name: string
}

export interface NamingInput extends ToolOrigin {
  /** The catalog's `prefix` for this server, if any. */
  prefix?: string | undefined
}

export interface NamingResult {
  /** Exposed name → where it comes from. */
  names: Map<string, ToolOrigin>
  /** Human-readable reports of clashes and how they were resolved (stderr, dry run). */
  clashes: string[]
}

/**
 * Decide the exposed name of every tool. By default a tool keeps its own name; with `prefixAll` (or a
 * catalog `prefix`) it becomes `<prefix>__<tool>`. A clash never drops a tool and never stops the gateway:
 * every tool involved in it is renamed to `<server>__<tool>`, deterministically (input order does not
 * matter), and the clash is reported.
 */
export function assignToolNames(
  tools: readonly NamingInput[],
  options: {prefixAll?: boolean; reserved?: ReadonlySet<string> | undefined} = {},
): NamingResult {
  const sorted = [...tools].sort((a, b) => a.server.localeCompare(b.server) || a.name.localeCompare(b.name))
  const wanted = sorted.map((t) => {
    const prefix = t.prefix ?? (options.prefixAll ? t.server : undefined)
    return {tool: t, name: sanitizeToolName(prefix ? `${prefix}${SEPARATOR}${t.name}` : t.name)}
  })
  const count = new Map<string, number>()
  for (const w of wanted) count.set(w.name, (count.get(w.name) ?? 0) + 1)

  const names = new Map<string, ToolOrigin>()
  const clashes: string[] = []
  const reported = new Set<string>()
  const reserved = options.reserved
  for (const w of wanted) {
    let name = w.name
    // The gateway's internal tools (mcp-find …) keep their names: a server's tool never shadows one.
    if (reserved?.has(w.name)) {
      name = sanitizeToolName(`${w.tool.server}${SEPARATOR}${w.tool.name}`)
      clashes.push(
        `tool name "${w.name}" of "${w.tool.server}" is reserved for the gateway's own tool: exposing it as ${name}`,
      )
    } else if (count.get(w.name)! > 1) {
      name = sanitizeToolName(`${w.tool.server}${SEPARATOR}${w.tool.name}`)
      if (!reported.has(w.name)) {
        reported.add(w.name)
        const servers = wanted.filter((o) => o.name === w.name).map((o) => `"${o.tool.server}"`)
        clashes.push(
          `tool name "${w.name}" is exposed by ${servers.join(' and ')}: exposing them as <server>${SEPARATOR}<tool>`,
        )
      }
    }
    // A renamed tool could still meet an existing name (e.g. a server that literally has "a__b"): number it.
    let unique = name
    for (let i = 2; names.has(unique) || reserved?.has(unique); i++) unique = sanitizeToolName(`${name}_${i}`)
    names.set(unique, {server: w.tool.server, name: w.tool.name})
  }
  return {names, clashes}
}

/**
 * The `--tools` filter, as Docker's plugin matches it: `*`, `tool`, `server:tool`, `server:*`, and
 * `image:tool`, `image:*` with the server's image as its catalog entry writes it (`mcp/fetch:latest:fetch`)
 * — case-insensitive, on the server's own tool name. Returns undefined when no filter is given.
 */
export function parseToolFilter(
  patterns: readonly string[],
  imageOf: (server: string) => string | undefined = () => undefined,
): ((server: string, tool: string) => boolean) | undefined {
  const items = new Set(
    patterns
      .flatMap((p) => p.split(','))
      .map((p) => p.trim().toLowerCase())
      .filter(Boolean),
  )
  if (items.size === 0) return undefined
  return (server, tool) => {
    const s = server.toLowerCase()
    const t = tool.toLowerCase()
    const image = imageOf(server)?.toLowerCase()
    const candidates = ['*', t, `${s}:${t}`, `${s}:*`, ...(image ? [`${image}:${t}`, `${image}:*`] : [])]
    return candidates.some((c) => items.has(c))
  }
}

/** tools.yaml semantics: a server absent from the map exposes every tool; present, only those listed. */
export function allowlistFilter(
  allowlists: Record<string, string[]>,
): (server: string, tool: string) => boolean {
  return (server, tool) => {
    const list = allowlists[server] ?? allowlists[server.replaceAll('.', '_')]
    return list === undefined || list.includes(tool)
  }
}

/** Exposed names in the order their servers listed them (as a client connected directly would see them). */
export function inListingOrder<T>(
  names: Map<string, ToolOrigin>,
  byOrigin: Map<string, T>,
): Array<[string, ToolOrigin]> {
  const order = new Map([...byOrigin.keys()].map((key, i) => [key, i]))
  const at = ([, o]: [string, ToolOrigin]) => order.get(`${o.server}\u0000${o.name}`) ?? 0
  return [...names].sort((a, b) => at(a) - at(b))
}
