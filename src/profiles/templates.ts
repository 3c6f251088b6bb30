import type {Context} from '../context.js'
import {DockerMcpError} from '../errors.js'
import {closestMatches} from '../text/suggest.js'
import {createProfile, type Profile} from './index.js'

/**
 * Starter profiles shipped with the plugin (`template ls|use`), as the original's `pkg/template`. Each
 * names servers of the shipped Docker catalog only, so `template use` works offline.
 */
export interface Template {
  id: string
  title: string
  description: string
  server_names: string[]
}

/** The catalog templates draw from: the shipped Docker catalog. */
export const TEMPLATE_CATALOG = 'docker-mcp'

export const TEMPLATES: readonly Template[] = [
  {
    id: 'dev-tools',
    title: 'Dev tools',
    description: 'Work on code: read and edit files, keep notes across sessions, think step by step.',
    server_names: ['filesystem', 'memory', 'sequentialthinking'],
  },
  {
    id: 'research',
    title: 'Research',
    description: 'Search the web, fetch pages as markdown, and keep what you learn in a knowledge graph.',
    server_names: ['duckduckgo', 'fetch', 'memory'],
  },
  {
    id: 'dice-demo',
    title: 'Dice demo',
    description: 'Roll dice and tell the time: a first profile that needs no secret and no network.',
    server_names: ['dice', 'time'],
  },
]

/** The `catalog://` reference of a template's servers (`catalog://docker-mcp/dice+time`). */
export function templateServerRef(t: Template): string {
  return `catalog://${TEMPLATE_CATALOG}/${t.server_names.join('+')}`
}

export function findTemplate(id: string): Template {
  const t = TEMPLATES.find((x) => x.id === id)
  if (t) return t
  const close = closestMatches(
    id,
    TEMPLATES.map((x) => x.id),
  )
  throw new DockerMcpError(`unknown template: ${id}`, {
    suggestions: [
      ...close.map((c) => `did you mean "${c}"?`),
      'Use `docker mcp template ls` to see available templates.',
    ],
  })
}

/** `template use` (and `profile create --from-template`): a new profile with the template's servers. */
export async function useTemplate(
  ctx: Context,
  id: string,
  options: {name?: string | undefined; id?: string | undefined; servers?: string[]} = {},
): Promise<Profile> {
  const t = findTemplate(id)
  return createProfile(ctx, {
    name: options.name || t.title,
    id: options.id,
    servers: [templateServerRef(t), ...(options.servers ?? [])],
  })
}
