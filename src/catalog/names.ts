import path from 'node:path'

import type {Context} from '../context.js'
import {DockerMcpError} from '../errors.js'

/** Docker's catalog: shipped with the plugin, replaced by the user's copy once imported or updated. */
export const DOCKER_CATALOG = 'docker-mcp'
export const DOCKER_CATALOG_DISPLAY_NAME = 'Docker MCP Catalog'
/** Docker's published catalog (v2: container servers; v3 adds OAuth remotes, which we do not speak). */
export const DOCKER_CATALOG_URL = 'https://desktop.docker.com/mcp/catalog/v2/catalog.yaml'

/**
 * Server names: keys of `registry`, of registry.yaml, config.yaml and tools.yaml, and container labels.
 * Here rather than in `schema.ts` so that checking a name does not load zod.
 */
export const SERVER_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/

/** Names of catalogs we create: they become file names, so no separators, no dot-dot, nothing hidden. */
const CATALOG_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/

/** Throw unless `name` is safe as a catalog name (and so as a file name). */
export function checkCatalogName(name: string): void {
  if (!CATALOG_NAME.test(name) || name.includes('..')) {
    throw new DockerMcpError(
      `invalid catalog name ${JSON.stringify(name)}: use up to 100 letters, digits, ".", "_" and "-", starting with a letter or digit`,
      {suggestions: ['docker mcp catalog create my-servers']},
    )
  }
}

/**
 * The file name of a catalog, as the original derives it: trimmed, lower-cased, `<>:"/\|?*` and control
 * characters replaced by `_`, at most 250 characters. Also applied to names read from a catalog.json we
 * did not write, so that no name can point outside `catalogs/`.
 */
export function catalogFileName(name: string): string {
  // Control characters are exactly what the original replaces; the regex means them.
  // eslint-disable-next-line no-control-regex
  const unsafe = /[<>:"/\\|?*\u0000-\u001f]/g
  let base = name.trim().toLowerCase().replace(unsafe, '_').slice(0, 250)
  if (base === '' || base === '.' || base === '..') base = base.replaceAll('.', '_') || '_'
  return `${base}.yaml`
}

/** `~/.docker/mcp/catalogs/<file name>`. */
export function catalogFilePath(ctx: Context, name: string): string {
  return path.join(ctx.paths.catalogsDir, catalogFileName(name))
}

/** The catalog shipped in `<root>/catalogs/docker-mcp.yaml`. */
export function shippedCatalogPath(ctx: Context): string {
  return path.join(ctx.shippedCatalogsDir, `${DOCKER_CATALOG}.yaml`)
}
