import {secretInCommandMessage, secretsInCommand} from '../docker/container-spec.js'
import {FileFormatError, type FileProblem} from '../errors.js'
import type {CatalogIndexData} from './index-file.js'
import {checkCatalogKeys} from './keys.js'
import {catalogFileSchema, catalogIndexSchema, type CatalogEntry, type CatalogFile} from './schema.js'
import {parseTemplate, TemplateSyntaxError} from './template.js'
import {formatPath, locate, parseYaml, readYamlFile, validate, type YamlFile} from './yaml-file.js'

/**
 * Validation of catalog files and `catalog.json`. This module loads the YAML parser and zod: the read
 * paths import it only when a file is not in the file cache (`file-cache.ts`); edits import it always.
 */

/** A parsed, validated catalog file. */
export interface LoadedCatalog {
  file: string
  data: CatalogFile
  registry: Record<string, CatalogEntry>
  yaml: YamlFile
  /** Notes for stderr when the catalog comes in (unknown keys), each with file, line and key. */
  warnings?: string[]
}

/** Validate templates in the fields the gateway evaluates, so a typo fails here with its line (every one). */
function checkTemplates(y: YamlFile, registry: Record<string, CatalogEntry>): void {
  const problems: FileProblem[] = []
  for (const [server, entry] of Object.entries(registry)) {
    const fields: Array<[Array<string | number>, string | undefined]> = [
      ...(entry.command ?? []).map((c, i): [Array<string | number>, string] => [['command', i], c]),
      ...(entry.volumes ?? []).map((c, i): [Array<string | number>, string] => [['volumes', i], c]),
      ...(entry.env ?? []).map((e, i): [Array<string | number>, string | undefined] => [
        ['env', i, 'value'],
        e.value,
      ]),
      [['user'], entry.user],
    ]
    for (const [field, value] of fields) {
      if (value === undefined || !value.includes('{{')) continue
      try {
        parseTemplate(value)
      } catch (err) {
        if (!(err instanceof TemplateSyntaxError)) throw err
        const at = ['registry', server, ...field]
        problems.push({detail: `${formatPath(at)}: ${err.message}`, position: locate(y, at)})
      }
    }
  }
  if (problems.length > 0) throw FileFormatError.of(y.file, problems)
}

/** Validate a parsed YAML file as a catalog. */
export function catalogFromYaml(y: YamlFile): LoadedCatalog {
  if (y.data !== null && y.data !== undefined && (typeof y.data !== 'object' || Array.isArray(y.data)))
    throw new FileFormatError(
      y.file,
      'expected a catalog: a mapping with "name", "displayName" and "registry"',
      {
        line: 1,
      },
    )
  const data = validate(y, catalogFileSchema, y.data ?? {})
  const registry = data.registry ?? {}
  checkTemplates(y, registry)
  return {file: y.file, data, registry, yaml: y}
}

/** The data of a catalog file, as the file cache keeps it. */
export function catalogData(y: YamlFile): CatalogFile {
  return catalogFromYaml(y).data
}

/**
 * Refuse entries whose `command` expands one of their secrets: the value would be on a command line, where
 * host `ps` shows it. Checked when a catalog comes in (import, update); catalogs already on disk still
 * load, and the gateway refuses to start such a server (src/gateway/configuration.ts).
 */
export function checkSecretsInCommand(catalog: LoadedCatalog): void {
  const problems: FileProblem[] = []
  for (const [server, entry] of Object.entries(catalog.registry)) {
    const found = secretsInCommand(entry)[0]
    if (!found) continue
    const at = ['registry', server, 'command', found.index]
    problems.push({
      detail: `${formatPath(at)}: ${secretInCommandMessage(server, found)}`,
      position: locate(catalog.yaml, at),
    })
  }
  if (problems.length > 0) throw FileFormatError.of(catalog.file, problems)
}

/** Parse catalog text (downloads, imports) with the same checks as a catalog file, and the import checks. */
export function parseCatalogText(file: string, text: string): LoadedCatalog {
  const catalog = catalogFromYaml(parseYaml(file, text))
  checkSecretsInCommand(catalog)
  return {...catalog, warnings: checkKeys(catalog.yaml)}
}

/**
 * Mistyped keys, checked when a catalog comes in (import, update, catalog add): entries that cannot work
 * are one error listing each with its line; other unknown keys come back as warnings. Catalogs already on
 * disk still load (a server that cannot run is refused by `server add`).
 */
export function checkKeys(y: YamlFile, only?: (at: Array<string | number>) => boolean): string[] {
  const warnings: string[] = []
  const errors: FileProblem[] = []
  for (const finding of checkCatalogKeys(y.data)) {
    if (only && !only(finding.at)) continue
    const pos = locate(y, finding.key === undefined ? finding.at : [...finding.at, finding.key])
    const text = `${finding.at.length > 0 ? `${formatPath(finding.at)}: ` : ''}${finding.message}`
    if (finding.severity === 'error') errors.push({detail: text, position: pos})
    else warnings.push(`${y.file}:${pos.line}:${pos.column}: ${text}`)
  }
  if (errors.length > 0) throw FileFormatError.of(y.file, errors)
  return warnings
}

/** Read and validate one catalog file, for editing; `undefined` when it does not exist. */
export async function readCatalogFile(file: string): Promise<LoadedCatalog | undefined> {
  const y = await readYamlFile(file)
  return y ? catalogFromYaml(y) : undefined
}

/** Validate a parsed `catalog.json`; empty or missing `catalogs` is no catalogs. */
export function catalogIndexData(y: YamlFile): CatalogIndexData {
  if (y.data === null || y.data === undefined) return {catalogs: {}}
  const data = validate(y, catalogIndexSchema, y.data)
  return {...data, catalogs: {...(data.catalogs ?? {})}}
}
