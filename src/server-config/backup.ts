import {rm} from 'node:fs/promises'
import path from 'node:path'

import {readCatalogIndex} from '../catalog/index-file.js'
import {catalogFilePath, checkCatalogName} from '../catalog/names.js'
import type {Context} from '../context.js'
import {DockerMcpError, FileFormatError} from '../errors.js'
import {readTextIfExists, writeFileAtomic} from '../fs/atomic.js'
import {withFileLock} from '../fs/lock.js'

/**
 * `config dump` / `config restore`: the whole file-based configuration as one JSON document, in Docker's
 * backup format — `{config, registry, catalog, catalogFiles: {<catalog>: text}, tools}`, each the raw text
 * of config.yaml, registry.yaml, catalog.json, catalogs/<name>.yaml and tools.yaml. Secrets are never in it
 * (an old Docker backup's `secrets` and `policy` are not restored, and say so).
 */
export interface ConfigBackup {
  config: string
  registry: string
  catalog: string
  catalogFiles: Record<string, string>
  tools: string
}

/** Read every file into a backup; a missing file is "". */
export async function dumpConfiguration(ctx: Context): Promise<ConfigBackup> {
  const read = async (file: string) => (await readTextIfExists(file)) ?? ''
  const index = await readCatalogIndex(ctx)
  const catalogFiles: Record<string, string> = {}
  for (const name of Object.keys(index.catalogs)) {
    const text = await readTextIfExists(catalogFilePath(ctx, name))
    if (text !== undefined) catalogFiles[name] = text
  }
  const [config, registry, catalog, tools] = await Promise.all([
    read(ctx.paths.config),
    read(ctx.paths.registry),
    read(ctx.paths.catalogIndex),
    read(ctx.paths.tools),
  ])
  return {config, registry, catalog, catalogFiles, tools}
}

export interface RestoreResult {
  written: string[]
  removed: string[]
  warnings: string[]
}

/**
 * Restore a backup as Docker's plugin does — config, registry, tools, catalog.json and each catalog file
 * replaced, catalog files of catalogs the backup does not have removed — but only after every part has
 * been validated: a bad part fails the restore with `<source>:<part>:line:column`, and nothing is written.
 */
export async function restoreConfiguration(
  ctx: Context,
  text: string,
  source: string,
): Promise<RestoreResult> {
  const [{parseJsonConfig}, yaml, serverChecks, registryChecks, catalogChecks] = await Promise.all([
    import('../clients/edit/json.js'),
    import('../catalog/yaml-file.js'),
    import('./validate.js'),
    import('../registry/validate.js'),
    import('../catalog/validate.js'),
  ])
  const data = parseJsonConfig(source, text, true).data ?? {}
  const warnings: string[] = []
  const str = (key: string): string => {
    const v = data[key]
    if (v === undefined || v === null) return ''
    if (typeof v !== 'string')
      throw new FileFormatError(source, `"${key}" should be the text of a file (a string), got ${typeof v}`)
    return v
  }
  const backup: ConfigBackup = {
    config: str('config'),
    registry: str('registry'),
    catalog: str('catalog'),
    tools: str('tools'),
    catalogFiles: {},
  }
  const files = data.catalogFiles ?? {}
  if (typeof files !== 'object' || Array.isArray(files))
    throw new FileFormatError(source, '"catalogFiles" should be an object of catalog name to file text')
  for (const [name, content] of Object.entries(files as Record<string, unknown>)) {
    checkCatalogName(name)
    if (typeof content !== 'string')
      throw new FileFormatError(
        source,
        `"catalogFiles.${name}" should be the text of a file, got ${typeof content}`,
      )
    backup.catalogFiles[name] = content
  }
  for (const key of ['secrets', 'policy'])
    if (data[key] !== undefined && data[key] !== null && data[key] !== '')
      warnings.push(
        `"${key}" of the backup is not restored: set secrets with "docker mcp secret set <name>=<value>"`,
      )

  // Validate every part before writing any.
  const part = (name: string, body: string) => yaml.parseYaml(`${source}:${name}`, body)
  if (backup.config.trim()) serverChecks.checkConfig(part('config', backup.config))
  if (backup.tools.trim()) serverChecks.checkTools(part('tools', backup.tools))
  if (backup.registry.trim()) registryChecks.registryNames(part('registry', backup.registry))
  const index = backup.catalog.trim()
    ? catalogChecks.catalogIndexData(part('catalog', backup.catalog))
    : {catalogs: {}}
  for (const [name, body] of Object.entries(backup.catalogFiles))
    catalogChecks.catalogFromYaml(part(`catalogFiles.${name}`, body))
  for (const name of Object.keys(backup.catalogFiles))
    if (!Object.hasOwn(index.catalogs, name))
      warnings.push(
        `catalog file "${name}" is not listed in the backup's catalog.json: it is written but not used`,
      )

  const written: string[] = []
  const removed: string[] = []
  const put = async (file: string, body: string) => {
    await withFileLock(file, () => writeFileAtomic(file, body, {privateRoot: ctx.paths.mcpDir}))
    written.push(file)
  }
  await put(ctx.paths.config, backup.config)
  await put(ctx.paths.registry, backup.registry)
  await put(ctx.paths.tools, backup.tools)
  await withFileLock(ctx.paths.catalogIndex, async () => {
    const before = await readCatalogIndex(ctx)
    await writeFileAtomic(ctx.paths.catalogIndex, backup.catalog, {privateRoot: ctx.paths.mcpDir})
    written.push(ctx.paths.catalogIndex)
    for (const [name, body] of Object.entries(backup.catalogFiles)) {
      const file = catalogFilePath(ctx, name)
      await writeFileAtomic(file, body, {privateRoot: ctx.paths.mcpDir})
      written.push(file)
    }
    for (const name of Object.keys(before.catalogs)) {
      if (Object.hasOwn(backup.catalogFiles, name)) continue
      const file = catalogFilePath(ctx, name)
      if ((await readTextIfExists(file)) === undefined) continue
      await rm(file, {force: true})
      removed.push(file)
    }
  })
  return {written, removed, warnings}
}

/** The text of a backup: `-` reads `stdin` to its end, anything else is a file (relative to `ctx.cwd`). */
export async function readBackup(
  ctx: Context,
  source: string,
  stdin: AsyncIterable<Buffer | string>,
): Promise<{text: string; name: string}> {
  if (source === '-') {
    const chunks: Buffer[] = []
    for await (const chunk of stdin) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk)
    return {text: Buffer.concat(chunks).toString('utf8'), name: '<stdin>'}
  }
  const file = path.resolve(ctx.cwd, source)
  const text = await readTextIfExists(file)
  if (text === undefined)
    throw new DockerMcpError(`backup file ${file} does not exist`, {
      suggestions: ['Make one with: docker mcp config dump > backup.json'],
    })
  return {text, name: source}
}
