import {promises as fs} from 'node:fs'
import path from 'node:path'

import type {Node} from 'yaml'

import type {Context} from '../context.js'
import {DockerMcpError} from '../errors.js'
import {writeFileAtomic} from '../fs/atomic.js'
import {withFileLock} from '../fs/lock.js'
import {closestMatches} from '../text/suggest.js'
import {diffCatalogs, type CatalogDiff} from './diff.js'
import {readCatalogIndex, updateCatalogIndex, type CatalogIndexData} from './index-file.js'
import {findCatalog, listCatalogs, readCatalogData, type CatalogRef} from './load.js'
import {
  catalogFilePath,
  checkCatalogName,
  DOCKER_CATALOG,
  DOCKER_CATALOG_DISPLAY_NAME,
  DOCKER_CATALOG_URL,
  SERVER_NAME,
} from './names.js'
import type {CatalogEntry} from './schema.js'
import type {LoadedCatalog} from './validate.js'

/**
 * The downloader, the YAML parser and editor and the catalog validators, for the functions that fetch,
 * parse or write catalog text: imported on first use, so that `catalog ls` and `catalog show` (served by
 * the file cache) load neither yaml nor zod.
 */
async function textTools() {
  const [fetch, file, check] = await Promise.all([
    import('./fetch.js'),
    import('./yaml-file.js'),
    import('./validate.js'),
  ])
  return {...fetch, ...file, ...check}
}

/** The URL `docker-mcp` is fetched from: `DOCKER_MCP_CATALOG_URL` overrides it (mirrors, tests). */
export function dockerCatalogUrl(ctx: Context): string {
  return ctx.env.DOCKER_MCP_CATALOG_URL || DOCKER_CATALOG_URL
}

/** How catalog.json records a catalog pulled from a registry: `oci://<reference>`. */
export const OCI_SCHEME = 'oci://'

function isUrl(s: string): boolean {
  return /^https?:\/\//i.test(s)
}

/** Old Docker catalog URLs (v1, plain http) become the v2 https one, as the original migrates them. */
function normaliseDockerUrl(ctx: Context, url: string | undefined): string {
  if (!url || /desktop\.docker\.com\/mcp\/catalog\//.test(url)) return dockerCatalogUrl(ctx)
  return url
}

function protectDocker(name: string, action: string): void {
  if (name === DOCKER_CATALOG)
    throw new DockerMcpError(
      `cannot ${action} the Docker MCP catalog (docker-mcp): it is managed by Docker`,
      {
        suggestions: ['Fork it to get a copy you can edit: docker mcp catalog fork docker-mcp my-catalog'],
      },
    )
}

async function configuredRef(ctx: Context, index: CatalogIndexData, name: string): Promise<CatalogRef> {
  return findCatalog(await listCatalogs(ctx, index), name)
}

/** The catalog index as `catalog ls` shows it: always including the Docker catalog. */
export async function catalogOverview(ctx: Context): Promise<{catalogs: CatalogRef[]}> {
  return {catalogs: await listCatalogs(ctx)}
}

export interface CatalogDetails {
  name: string
  displayName: string
  file: string
  source: 'shipped' | 'user'
  registry: Record<string, CatalogEntry>
}

/** One catalog with its servers (`catalog show`). */
export async function showCatalog(ctx: Context, name: string = DOCKER_CATALOG): Promise<CatalogDetails> {
  const ref = findCatalog(await listCatalogs(ctx), name)
  const loaded = await readCatalogData(ctx, ref.file)
  if (!loaded && ref.source === 'shipped')
    throw new DockerMcpError(`the shipped Docker catalog is missing (${ref.file}): reinstall docker-mcp`)
  return {
    name: ref.name,
    displayName: loaded?.data.displayName || ref.displayName,
    file: ref.file,
    source: ref.source,
    registry: loaded?.registry ?? {},
  }
}

export interface ImportResult {
  name: string
  displayName: string
  file: string
  servers: number
  /** The catalog existed before and was replaced. */
  replaced: boolean
  /** Unknown keys in the imported file, with their lines (for stderr). */
  warnings: string[]
}

/** Options of the commands that download catalogs. */
export interface FetchOptions {
  /** Accept plain http:// from hosts other than this machine (`--allow-insecure`). */
  allowInsecure?: boolean
}

/** Write one of our files: 0600 in 0700 directories under ~/.docker/mcp, through a symlink if it is one. */
function writeOwn(ctx: Context, file: string, text: string): Promise<void> {
  return writeFileAtomic(file, text, {privateRoot: ctx.paths.mcpDir})
}

async function readSource(
  ctx: Context,
  source: string,
  options: FetchOptions,
): Promise<{text: string; label: string; url: string}> {
  const {fetchText, readYamlFile} = await textTools()
  const fetchOptions = {allowInsecure: options.allowInsecure === true}
  if (source === DOCKER_CATALOG) {
    const url = dockerCatalogUrl(ctx)
    return {text: await fetchText(url, fetchOptions), label: url, url: DOCKER_CATALOG_URL}
  }
  if (isUrl(source)) return {text: await fetchText(source, fetchOptions), label: source, url: source}
  const file = path.resolve(ctx.cwd, source)
  const y = await readYamlFile(file)
  if (!y)
    throw new DockerMcpError(`${file} does not exist`, {
      suggestions: ['Pass a catalog file, an http(s) URL, or "docker-mcp" for Docker\'s catalog.'],
    })
  return {text: y.text, label: file, url: file}
}

/**
 * Import a catalog from a file, a URL or the `docker-mcp` alias into `catalogs/<name>.yaml` and record it
 * in catalog.json. The name comes from the file's `name` (or `name` here). Validated before anything is
 * written: a bad download or file leaves the existing catalog as it was.
 */
export async function importCatalog(
  ctx: Context,
  source: string,
  options: {
    name?: string
    /** Replace a catalog of the same name (`--force`). */
    force?: boolean
    /** Asked (on a terminal) before replacing a catalog of the same name without `force`. */
    confirmReplace?: (question: string) => Promise<boolean>
  } & FetchOptions = {},
): Promise<ImportResult> {
  // Read first so that a malformed catalog.json stops the import before anything is downloaded.
  await readCatalogIndex(ctx)
  const {text, label, url} = await readSource(ctx, source, options)
  return storeCatalogText(ctx, {text, label, url, source}, options)
}

/**
 * The second half of an import: validate catalog text from anywhere (a file, a URL, a registry) and store
 * it as `catalogs/<name>.yaml` with its catalog.json entry, under the index lock, atomically. `source` is
 * what the user named (for messages); `url` is recorded for `catalog update`.
 */
export async function storeCatalogText(
  ctx: Context,
  {
    text,
    label,
    url,
    source,
    command = 'import',
  }: {text: string; label: string; url: string; source: string; command?: 'import' | 'pull'},
  options: {
    name?: string
    force?: boolean
    confirmReplace?: (question: string) => Promise<boolean>
  } = {},
): Promise<ImportResult> {
  const {parseCatalogText, ensureTopMap, stringifyDoc} = await textTools()
  const catalog = parseCatalogText(label, text)
  const name = source === DOCKER_CATALOG ? DOCKER_CATALOG : options.name || catalog.data.name
  if (!name)
    throw new DockerMcpError(`${label} has no top-level "name": pass one with --name`, {
      suggestions: [`docker mcp catalog import ${source} --name my-catalog`],
    })
  checkCatalogName(name)
  const displayName =
    catalog.data.displayName || (name === DOCKER_CATALOG ? DOCKER_CATALOG_DISPLAY_NAME : name)
  let out = text
  if (catalog.data.name !== name || !catalog.data.displayName) {
    // Keep the file as the author wrote it (comments included); only name/displayName are filled in.
    const doc = catalog.yaml.doc
    ensureTopMap(doc, label)
    doc.set('name', name)
    if (!catalog.data.displayName) doc.set('displayName', displayName)
    out = stringifyDoc(doc)
  }
  const file = catalogFilePath(ctx, name)
  // `catalog import docker-mcp` is the documented way to fetch Docker's catalog: no question asked.
  if (source !== DOCKER_CATALOG && !options.force)
    await confirmReplace(ctx, name, {label, source, command}, options.confirmReplace)
  return updateCatalogIndex(ctx, async (index) => {
    const replaced = Boolean(index.catalogs[name]) || (await exists(file))
    await writeOwn(ctx, file, out)
    index.catalogs[name] = {
      ...index.catalogs[name],
      displayName,
      url,
      lastUpdate: new Date().toISOString(),
    }
    return {
      name,
      displayName,
      file,
      servers: Object.keys(catalog.registry).length,
      replaced,
      warnings: catalog.warnings ?? [],
    }
  })
}

/**
 * Importing over an existing catalog used to replace it silently, the Docker catalog included (which
 * `catalog rm` then refused to remove): replacing takes `--force`, or a yes on a terminal.
 */
async function confirmReplace(
  ctx: Context,
  name: string,
  {label, source, command = 'import'}: {label: string; source: string; command?: 'import' | 'pull'},
  ask: ((question: string) => Promise<boolean>) | undefined,
): Promise<void> {
  const existing = (await listCatalogs(ctx)).find((r) => r.name === name)
  if (!existing) return
  const servers = Object.keys(
    (await readCatalogData(ctx, existing.file).catch(() => undefined))?.registry ?? {},
  )
  const what =
    name === DOCKER_CATALOG
      ? `the Docker MCP Catalog ("${name}", ${servers.length} servers)`
      : `catalog "${name}" (${servers.length} server${servers.length === 1 ? '' : 's'}${existing.url ? `, from ${existing.url}` : ''})`
  if (ask && (await ask(`Replace ${what} with ${label}? [y/N] `))) return
  throw new DockerMcpError(
    `${what} already exists: ${command === 'pull' ? 'pulling' : 'importing'} ${label} would replace it`,
    {
      suggestions: [
        `${command === 'pull' ? 'Pull' : 'Import'} it under another name: docker mcp catalog ${command} ${source} --name <new-name>`,
        `Replace it: docker mcp catalog ${command} ${source} --force`,
        ...(name === DOCKER_CATALOG
          ? ['"docker mcp catalog rm docker-mcp" brings back the copy shipped with docker-mcp at any time.']
          : []),
      ],
    },
  )
}

async function exists(file: string): Promise<boolean> {
  try {
    await fs.access(file)
    return true
  } catch {
    return false
  }
}

/** `catalog init`: register Docker's catalog; the copy shipped with the plugin is used until updated. */
export async function initCatalogs(
  ctx: Context,
): Promise<{name: string; file: string; source: 'shipped' | 'user'; servers: number; registered: boolean}> {
  const registered = await updateCatalogIndex(ctx, (index) => {
    if (index.catalogs[DOCKER_CATALOG]) return false
    index.catalogs = {
      [DOCKER_CATALOG]: {displayName: DOCKER_CATALOG_DISPLAY_NAME, url: DOCKER_CATALOG_URL},
      ...index.catalogs,
    }
    return true
  })
  const details = await showCatalog(ctx, DOCKER_CATALOG)
  return {
    name: DOCKER_CATALOG,
    file: details.file,
    source: details.source,
    servers: Object.keys(details.registry).length,
    registered,
  }
}

/** Copy a catalog's file as it is (comments included) to `dest`. */
export async function exportCatalog(ctx: Context, name: string, dest: string): Promise<{file: string}> {
  protectDocker(name, 'export')
  const index = await readCatalogIndex(ctx)
  const ref = await configuredRef(ctx, index, name)
  const {readYamlFile} = await textTools()
  const y = await readYamlFile(ref.file)
  if (!y) throw new DockerMcpError(`catalog "${name}" has no file (${ref.file}): nothing to export`)
  const file = path.resolve(ctx.cwd, dest)
  try {
    if ((await fs.stat(file)).isDirectory())
      throw new DockerMcpError(
        `${file} is a directory: give a file name, e.g. ${path.join(dest, `${name}.yaml`)}`,
      )
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err
  }
  await writeFileAtomic(file, y.text)
  return {file}
}

function emptyCatalogText(name: string, displayName: string): string {
  return `version: 2\nname: ${JSON.stringify(name)}\ndisplayName: ${JSON.stringify(displayName)}\nregistry: {}\n`
}

async function checkNew(ctx: Context, index: CatalogIndexData, name: string): Promise<string> {
  checkCatalogName(name)
  protectDocker(name, 'overwrite')
  const file = catalogFilePath(ctx, name)
  if (index.catalogs[name] || (await exists(file)))
    throw new DockerMcpError(`catalog "${name}" already exists`, {
      suggestions: [`Remove it first: docker mcp catalog rm ${name}`, 'Or choose another name.'],
    })
  return file
}

/** A new empty catalog. */
export async function createCatalog(ctx: Context, name: string): Promise<{name: string; file: string}> {
  return updateCatalogIndex(ctx, async (index) => {
    const file = await checkNew(ctx, index, name)
    await writeOwn(ctx, file, emptyCatalogText(name, name))
    index.catalogs[name] = {displayName: name}
    return {name, file}
  })
}

/** Copy a catalog under a new name (the Docker catalog may be the source, never the destination). */
export async function forkCatalog(
  ctx: Context,
  source: string,
  name: string,
): Promise<{name: string; displayName: string; file: string; servers: number}> {
  // The copy is made before the index lock is taken (parsing a large catalog is slow): only the name
  // check, the write and the index entry need it.
  const ref = await configuredRef(ctx, await readCatalogIndex(ctx), source)
  checkCatalogName(name)
  protectDocker(name, 'overwrite')
  const {readCatalogFile, ensureTopMap, stringifyDoc} = await textTools()
  const catalog = await readCatalogFile(ref.file)
  const displayName = `${name} (forked from ${source})`
  let text: string
  if (catalog) {
    const doc = catalog.yaml.doc
    ensureTopMap(doc, ref.file)
    doc.set('name', name)
    doc.set('displayName', displayName)
    text = stringifyDoc(doc)
  } else text = emptyCatalogText(name, displayName)
  return updateCatalogIndex(ctx, async (index) => {
    const file = await checkNew(ctx, index, name)
    await writeOwn(ctx, file, text)
    index.catalogs[name] = {displayName}
    return {name, displayName, file, servers: Object.keys(catalog?.registry ?? {}).length}
  })
}

/**
 * Copy the entry `server` from any YAML file with a `registry` into a configured catalog, keeping its
 * comments. Refuses to replace an existing entry unless `force`.
 */
export async function addServerToCatalog(
  ctx: Context,
  catalogName: string,
  server: string,
  sourceFile: string,
  options: {force?: boolean} = {},
): Promise<{catalog: string; server: string; file: string; replaced: boolean; warnings: string[]}> {
  if (catalogName === DOCKER_CATALOG) protectDocker(catalogName, 'modify')
  if (!SERVER_NAME.test(server))
    throw new DockerMcpError(
      `invalid server name ${JSON.stringify(server)}: use letters, digits, ".", "_" and "-"`,
    )
  const index = await readCatalogIndex(ctx)
  const ref = await configuredRef(ctx, index, catalogName)
  const {
    readYamlFile,
    nodeAt,
    catalogFromYaml,
    checkKeys,
    readCatalogFile,
    parseCatalogText,
    ensureTopMap,
    ensureMapAt,
    hasAlias,
    findPair,
    replaceValue,
    writeYamlFile,
  } = await textTools()

  const srcPath = path.resolve(ctx.cwd, sourceFile)
  const src = await readYamlFile(srcPath)
  if (!src) throw new DockerMcpError(`${srcPath} does not exist`)
  const registry = (src.data as {registry?: unknown} | null)?.registry
  const known = registry && typeof registry === 'object' ? Object.keys(registry) : []
  const srcNode = nodeAt(src.doc, ['registry', server])
  if (!known.includes(server) || !srcNode) {
    const close = closestMatches(server, known)
    throw new DockerMcpError(`${srcPath} has no server "${server}" under "registry"`, {
      suggestions: close.length
        ? close.map((c) => `did you mean "${c}"?`)
        : [`servers in that file: ${known.join(', ') || 'none'}`],
    })
  }
  // Only the copied entry has to be valid: the rest of the source file is not ours to judge.
  const entry = (registry as Record<string, unknown>)[server]
  catalogFromYaml({...src, data: {registry: {[server]: entry ?? {}}}})
  const warnings = checkKeys(src, (at) => at[0] === 'registry' && at[1] === server)

  // The destination is read, changed and written under its lock: concurrent `catalog add`s to one catalog
  // each keep their server.
  return withFileLock(ref.file, async () => {
    const dest = await readCatalogFile(ref.file)
    const replaced = Boolean(dest?.registry[server])
    if (replaced && !options.force)
      throw new DockerMcpError(`catalog "${catalogName}" already has a server "${server}"`, {
        suggestions: [`Replace it: docker mcp catalog add ${catalogName} ${server} ${sourceFile} --force`],
      })
    const target =
      dest?.yaml ?? parseCatalogText(ref.file, emptyCatalogText(catalogName, ref.displayName)).yaml
    const doc = target.doc
    ensureTopMap(doc, ref.file)
    const registryMap = ensureMapAt(target, ['registry'])
    // Aliases cannot travel to another document: such an entry is copied as plain data instead.
    const node = (hasAlias(srcNode) ? doc.createNode(entry) : srcNode.clone()) as Node
    const existing = findPair(registryMap, server)
    if (existing) replaceValue(existing, node)
    else registryMap.add(doc.createPair(server, node))
    await writeYamlFile(ref.file, doc, {privateRoot: ctx.paths.mcpDir})
    return {catalog: catalogName, server, file: ref.file, replaced, warnings}
  })
}

/**
 * Remove a configured catalog and its file. For `docker-mcp`, remove the user's copy (downloaded or
 * imported over it) and so restore the one shipped with docker-mcp; the shipped copy itself stays.
 */
export async function removeCatalog(ctx: Context, name: string): Promise<{name: string; restored?: boolean}> {
  if (name === DOCKER_CATALOG) return restoreDockerCatalog(ctx)
  return updateCatalogIndex(ctx, async (index) => {
    const ref = await configuredRef(ctx, index, name)
    delete index.catalogs[name]
    await fs.rm(ref.file, {force: true})
    return {name}
  })
}

/** `catalog rm docker-mcp`: back to the shipped Docker catalog, the other catalogs untouched. */
async function restoreDockerCatalog(ctx: Context): Promise<{name: string; restored: boolean}> {
  const userCopy = catalogFilePath(ctx, DOCKER_CATALOG)
  if (!(await exists(userCopy)))
    throw new DockerMcpError(
      'the Docker MCP catalog (docker-mcp) is already the copy shipped with docker-mcp: there is nothing to remove',
      {
        suggestions: [
          'To stop using a server of it, disable the server: docker mcp server rm <name>',
          'To edit its servers, fork it: docker mcp catalog fork docker-mcp my-catalog',
        ],
      },
    )
  return updateCatalogIndex(ctx, async (index) => {
    await fs.rm(userCopy, {force: true})
    if (index.catalogs[DOCKER_CATALOG])
      index.catalogs[DOCKER_CATALOG] = {displayName: DOCKER_CATALOG_DISPLAY_NAME, url: DOCKER_CATALOG_URL}
    return {name: DOCKER_CATALOG, restored: true}
  })
}

export interface UpdateResult {
  name: string
  status: 'updated' | 'skipped' | 'failed'
  detail: string
  servers?: number
  /** What the update changes in the catalog's servers (for `updated`, also with `--dry-run`). */
  changes?: CatalogDiff
  /** `--dry-run`: computed, nothing written. */
  dryRun?: boolean
  /** For `failed`: what to do about it. */
  suggestions?: string[]
}

/** The servers of a catalog file as it is now; an unreadable or missing file counts as empty. */
async function currentRegistry(file: string): Promise<Record<string, CatalogEntry>> {
  const {readCatalogFile} = await textTools()
  try {
    return (await readCatalogFile(file))?.registry ?? {}
  } catch (err) {
    if (err instanceof DockerMcpError) return {}
    throw err
  }
}

/**
 * Refresh catalogs from where they were imported (URL or local file). Each catalog is downloaded and
 * validated before its file is replaced; a failure leaves that catalog as it was and the others proceed.
 * Each result says what changed, server by server (image, volumes, network, user, secrets, command, env):
 * an update can hand a server new host paths or secrets, and the user should see that. `dryRun` computes
 * all of it and writes nothing. Plain http from another host is refused unless `allowInsecure`.
 */
export async function updateCatalogs(
  ctx: Context,
  name?: string,
  options: FetchOptions & {dryRun?: boolean} = {},
): Promise<UpdateResult[]> {
  const index = await readCatalogIndex(ctx)
  const refs = await listCatalogs(ctx, index)
  const targets = name
    ? [findCatalog(refs, name)]
    : refs.filter((r) => r.name !== DOCKER_CATALOG || index.catalogs[DOCKER_CATALOG])
  const results: UpdateResult[] = []
  const pending: Array<{ref: CatalogRef; text: string; url: string; displayName?: string | undefined}> = []
  const {fetchText, parseCatalogText, readYamlFile, catalogFromYaml, ensureTopMap, stringifyDoc} =
    await textTools()
  for (const ref of targets) {
    const recorded = index.catalogs[ref.name]?.url
    const url = ref.name === DOCKER_CATALOG ? normaliseDockerUrl(ctx, recorded) : recorded
    if (!url) {
      results.push({name: ref.name, status: 'skipped', detail: 'created locally, nothing to update from'})
      continue
    }
    try {
      let catalog: LoadedCatalog
      let text: string
      if (url.startsWith(OCI_SCHEME)) {
        // Pulled from a registry (`catalog pull`): pulled again, verified the same way.
        const [{fetchCatalogArtifact}, {parseArtifactReference}] = await Promise.all([
          import('./oci-artifact.js'),
          import('../oci/reference.js'),
        ])
        const fetched = await fetchCatalogArtifact(
          ctx,
          parseArtifactReference(url.slice(OCI_SCHEME.length)),
          ref.name,
        )
        text = fetched.text
        catalog = parseCatalogText(fetched.reference, text)
      } else if (isUrl(url)) {
        text = await fetchText(url, {allowInsecure: options.allowInsecure === true})
        catalog = parseCatalogText(url, text)
      } else {
        const y = await readYamlFile(url)
        if (!y) throw new DockerMcpError(`${url} (where "${ref.name}" was imported from) no longer exists`)
        catalog = catalogFromYaml(y)
        text = y.text
      }
      if (catalog.data.name !== ref.name) {
        ensureTopMap(catalog.yaml.doc, catalog.file)
        catalog.yaml.doc.set('name', ref.name)
        text = stringifyDoc(catalog.yaml.doc)
      }
      const changes = diffCatalogs(await currentRegistry(ref.file), catalog.registry)
      pending.push({
        ref,
        text,
        url: ref.name === DOCKER_CATALOG ? (recorded ?? DOCKER_CATALOG_URL) : url,
        displayName: catalog.data.displayName,
      })
      results.push({
        name: ref.name,
        status: 'updated',
        detail: url,
        servers: Object.keys(catalog.registry).length,
        changes,
        ...(options.dryRun ? {dryRun: true} : {}),
      })
    } catch (err) {
      if (!(err instanceof DockerMcpError)) throw err
      results.push({
        name: ref.name,
        status: 'failed',
        detail: err.message,
        ...(err.suggestions.length ? {suggestions: err.suggestions} : {}),
      })
    }
  }
  if (options.dryRun || pending.length === 0) return results
  // Downloads done: files and index entries are written together under the index lock, against the index
  // as it is now (a catalog removed meanwhile is not brought back).
  await updateCatalogIndex(ctx, async (now) => {
    for (const p of pending) {
      if (p.ref.name !== DOCKER_CATALOG && !now.catalogs[p.ref.name]) {
        const r = results.find((x) => x.name === p.ref.name)!
        Object.assign(r, {status: 'skipped', detail: 'removed while it was being updated'})
        delete r.changes
        continue
      }
      await writeOwn(ctx, catalogFilePath(ctx, p.ref.name), p.text)
      now.catalogs[p.ref.name] = {
        ...now.catalogs[p.ref.name],
        displayName: now.catalogs[p.ref.name]?.displayName || p.displayName || p.ref.displayName,
        url: p.url,
        lastUpdate: new Date().toISOString(),
      }
    }
  })
  return results
}

/** Remove every imported catalog; the Docker catalog shipped with the plugin remains. */
export async function resetCatalogs(ctx: Context): Promise<void> {
  await withFileLock(ctx.paths.catalogIndex, async () => {
    await fs.rm(ctx.paths.catalogsDir, {recursive: true, force: true})
    await writeOwn(ctx, ctx.paths.catalogIndex, JSON.stringify({catalogs: {}}, null, 2) + '\n')
  })
}
