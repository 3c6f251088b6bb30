import {existsSync} from 'node:fs'
import path from 'node:path'

import type {Context} from '../context.js'
import {DockerMcpError} from '../errors.js'
import {closestMatches} from '../text/suggest.js'
import {readValidated, type CachedKind} from './file-cache.js'
import {readCatalogIndex, type CatalogIndexData} from './index-file.js'
import {catalogFilePath, DOCKER_CATALOG, DOCKER_CATALOG_DISPLAY_NAME, shippedCatalogPath} from './names.js'
import type {CatalogEntry, CatalogFile} from './schema.js'

/** A server as resolved across catalogs: its entry and where it came from. */
export interface ResolvedServer {
  name: string
  entry: CatalogEntry
  catalog: string
  file: string
}

export interface LoadedServers {
  servers: Map<string, ResolvedServer>
  /** Human-readable notes for stderr (overridden servers, missing catalog files). */
  warnings: string[]
}

/** A catalog the user has configured (or the shipped Docker catalog), before its file is read. */
export interface CatalogRef {
  name: string
  displayName: string
  file: string
  /** `shipped`: the copy inside the plugin; `user`: a file under ~/.docker/mcp/catalogs. */
  source: 'shipped' | 'user'
  url?: string | undefined
  lastUpdate?: string | undefined
}

/** Catalog files as the file cache keeps them: the validated data (the validator is loaded on a miss). */
const CATALOG: CachedKind<CatalogFile> = {
  name: 'catalog',
  check: async () => (await import('./validate.js')).catalogData,
}

/** A catalog file's validated data, for reading only; `undefined` when the file does not exist. */
export async function readCatalogData(
  ctx: Context,
  file: string,
): Promise<{file: string; data: CatalogFile; registry: Record<string, CatalogEntry>} | undefined> {
  const data = await readValidated(ctx, file, CATALOG)
  return data ? {file, data, registry: data.registry ?? {}} : undefined
}

/** Where the Docker catalog is read from: the user's copy when there is one, else the shipped one. */
export function dockerCatalogFile(ctx: Context): {file: string; source: 'shipped' | 'user'} {
  const user = catalogFilePath(ctx, DOCKER_CATALOG)
  return existsSync(user) ? {file: user, source: 'user'} : {file: shippedCatalogPath(ctx), source: 'shipped'}
}

/** Every configured catalog: the Docker catalog first, then `catalog.json` order. */
export async function listCatalogs(ctx: Context, index?: CatalogIndexData): Promise<CatalogRef[]> {
  const idx = index ?? (await readCatalogIndex(ctx))
  const docker = dockerCatalogFile(ctx)
  const dockerEntry = idx.catalogs[DOCKER_CATALOG]
  const refs: CatalogRef[] = [
    {
      name: DOCKER_CATALOG,
      displayName: dockerEntry?.displayName || DOCKER_CATALOG_DISPLAY_NAME,
      file: docker.file,
      source: docker.source,
      url: dockerEntry?.url,
      lastUpdate: dockerEntry?.lastUpdate,
    },
  ]
  for (const [name, entry] of Object.entries(idx.catalogs)) {
    if (name === DOCKER_CATALOG) continue
    refs.push({
      name,
      displayName: entry.displayName || name,
      file: catalogFilePath(ctx, name),
      source: 'user',
      url: entry.url,
      lastUpdate: entry.lastUpdate,
    })
  }
  return refs
}

/** Find a configured catalog by name, or throw with the closest names. */
export function findCatalog(refs: CatalogRef[], name: string): CatalogRef {
  const ref = refs.find((r) => r.name === name)
  if (ref) return ref
  const close = closestMatches(
    name,
    refs.map((r) => r.name),
  )
  throw new DockerMcpError(`catalog "${name}" not found`, {
    suggestions: [
      ...close.map((c) => `did you mean "${c}"?`),
      'Run "docker mcp catalog ls" to list the configured catalogs.',
    ],
  })
}

interface Source {
  name: string
  file: string
  /** Configured catalogs may lack a file (never downloaded); an explicit path must exist. */
  mustExist: boolean
}

function looksLikePath(spec: string): boolean {
  return /[/\\]/.test(spec) || /\.(ya?ml|json)$/i.test(spec)
}

function resolveSpec(ctx: Context, refs: CatalogRef[], spec: string): Source {
  const ref = refs.find((r) => r.name === spec)
  if (ref) return {name: ref.name, file: ref.file, mustExist: false}
  if (looksLikePath(spec)) {
    let file: string
    if (path.isAbsolute(spec)) file = spec
    else if (!/[/\\]/.test(spec) && existsSync(path.join(ctx.paths.catalogsDir, spec)))
      file = path.join(ctx.paths.catalogsDir, spec) // `--catalog docker-mcp.yaml`, as the original
    else file = path.resolve(ctx.cwd, spec)
    return {name: path.basename(file).replace(/\.(ya?ml|json)$/i, ''), file, mustExist: true}
  }
  return {...findCatalog(refs, spec), mustExist: false}
}

/**
 * Load the servers of several catalogs into one map. `catalogs`: names from catalog.json, file paths, or
 * undefined for every configured catalog (the Docker catalog first, then catalog.json order); exactly
 * `['docker-mcp']` also means every configured catalog, as in the original. `additionalCatalogs` are
 * appended. When two catalogs define the same server the later one wins, with a warning.
 */
export async function loadServers(
  ctx: Context,
  options: {catalogs?: string[]; additionalCatalogs?: string[]} = {},
): Promise<LoadedServers> {
  const refs = await listCatalogs(ctx)
  const all = refs.map((r) => r.name)
  const wanted = options.catalogs?.length
    ? options.catalogs.length === 1 && options.catalogs[0] === DOCKER_CATALOG
      ? all
      : options.catalogs
    : all
  const specs = [...wanted, ...(options.additionalCatalogs ?? [])]
  const sources: Source[] = []
  for (const spec of specs) {
    const source = resolveSpec(ctx, refs, spec)
    if (!sources.some((s) => path.resolve(s.file) === path.resolve(source.file))) sources.push(source)
  }

  const warnings: string[] = []
  const servers = new Map<string, ResolvedServer>()
  const loaded = await Promise.all(sources.map((s) => readCatalogData(ctx, s.file)))
  sources.forEach((source, i) => {
    const catalog = loaded[i]
    if (!catalog) {
      if (source.mustExist) throw new DockerMcpError(`catalog file ${source.file} does not exist`)
      warnings.push(
        `catalog "${source.name}" has no file (${source.file}): run "docker mcp catalog update ${source.name}"`,
      )
      return
    }
    const name = source.mustExist ? catalog.data.name || source.name : source.name
    for (const [server, entry] of Object.entries(catalog.registry)) {
      const previous = servers.get(server)
      if (previous)
        warnings.push(
          `server "${server}" is defined in catalog "${previous.catalog}" and again in "${name}": using the one from "${name}"`,
        )
      servers.set(server, {name: server, entry, catalog: name, file: catalog.file})
    }
  })
  return {servers, warnings}
}

/** Throw a "not found" error for a server name, with the closest known names. */
export function serverNotFound(name: string, known: Iterable<string>): DockerMcpError {
  const close = closestMatches(name, [...known])
  return new DockerMcpError(`server "${name}" not found in any catalog`, {
    suggestions: [
      ...close.map((c) => `did you mean "${c}"?`),
      'Run "docker mcp catalog show" to list the servers of a catalog.',
    ],
  })
}
