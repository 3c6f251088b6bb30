/**
 * What one server offers (its listing), how it is fetched from an upstream, and the on-disk cache that lets
 * a gateway answer `tools/list` before its servers have started.
 */
import {createHash} from 'node:crypto'
import {promises as fs} from 'node:fs'
import path from 'node:path'

import type {ListResourceTemplatesResult, Prompt, Resource, Tool} from '@modelcontextprotocol/server'

import {writeFileAtomic} from '../fs/atomic.js'
import type {Logger} from './logger.js'
import type {Upstream} from './upstream.js'

/** What one server offers. */
export interface ServerListing {
  tools: Tool[]
  prompts: Prompt[]
  resources: Resource[]
  resourceTemplates: ListResourceTemplatesResult['resourceTemplates']
  /** The server advertises `resources.subscribe`. */
  subscribe?: boolean | undefined
  /** The server advertises `completions`. */
  completions?: boolean | undefined
  /** The server's instructions (its `initialize` answer). */
  instructions?: string | undefined
  /** Said by the server itself (live, or cached from a live listing), not made from its catalog entry. */
  described?: boolean | undefined
}

/** Fetch everything a server offers (all pages), per its declared capabilities. */
export async function listUpstream(upstream: Upstream): Promise<ServerListing> {
  const caps = upstream.client.getServerCapabilities() ?? {}
  const [tools, prompts, resources, resourceTemplates] = await Promise.all([
    caps.tools ? upstream.client.listTools().then((r) => r.tools) : [],
    caps.prompts ? upstream.client.listPrompts().then((r) => r.prompts) : [],
    caps.resources ? upstream.client.listResources().then((r) => r.resources) : [],
    caps.resources ? upstream.client.listResourceTemplates().then((r) => r.resourceTemplates) : [],
  ])
  const instructions = upstream.client.getInstructions()
  return {
    tools,
    prompts,
    resources,
    resourceTemplates,
    ...(caps.resources?.subscribe ? {subscribe: true} : {}),
    ...(caps.completions ? {completions: true} : {}),
    ...(instructions ? {instructions} : {}),
    described: true,
  }
}

/** A stable key for a server definition; a listing cached under another key is stale. */
export function definitionKey(parts: unknown): string {
  return createHash('sha256').update(JSON.stringify(parts)).digest('hex').slice(0, 32)
}

/** Listings cached under `<dir>/listings/<server>.json`, each under its server's definition key. */
export class ListingCache {
  constructor(
    private readonly dir: string | undefined,
    private readonly logger: Logger,
  ) {}

  async read(server: {name: string; cacheKey: string}): Promise<ServerListing | undefined> {
    const file = this.file(server.name)
    if (!file) return undefined
    try {
      const data = JSON.parse(await fs.readFile(file, 'utf8')) as {key?: string; listing?: ServerListing}
      return data.key === server.cacheKey && data.listing ? data.listing : undefined
    } catch {
      return undefined
    }
  }

  async write(server: {name: string; cacheKey: string}, listing: ServerListing): Promise<void> {
    const file = this.file(server.name)
    if (!file) return
    // 0600 in 0700 directories, as every file under ~/.docker/mcp (listings may name private resources).
    const mode = {mode: 0o600, dirMode: 0o700}
    await writeFileAtomic(file, JSON.stringify({key: server.cacheKey, listing}), mode).catch((err: Error) =>
      this.logger.debug(`cannot cache the listing of ${server.name}: ${err.message}`),
    )
  }

  private file(server: string): string | undefined {
    if (!this.dir) return undefined
    return path.join(this.dir, 'listings', `${server.replace(/[^A-Za-z0-9._-]/g, '_')}.json`)
  }
}

/** A server that offers nothing (before its first listing, after it is gone). */
export const EMPTY_LISTING: ServerListing = Object.freeze({
  tools: [],
  prompts: [],
  resources: [],
  resourceTemplates: [],
}) as ServerListing
