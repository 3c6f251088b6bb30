import {readValidated, type CachedKind} from '../catalog/file-cache.js'
import type {Context} from '../context.js'
import {resolveMcpFile} from '../paths.js'

/**
 * Read per-server YAML maps (config.yaml, tools.yaml, or the files given with --config/--tools-config)
 * and merge them: a later file's entry for a server replaces an earlier one. Missing files are empty.
 * Each file's validated map comes from the file cache when the file is unchanged.
 */
export async function readMergedServerFiles<T>(
  ctx: Context,
  files: string[] | undefined,
  defaultFile: string,
  kind: CachedKind<Record<string, T>>,
): Promise<Record<string, T>> {
  const list = files?.length ? files.map((f) => resolveMcpFile(ctx.paths, f, ctx.cwd)) : [defaultFile]
  const merged: Record<string, T> = {}
  for (const file of list) Object.assign(merged, await readValidated(ctx, file, kind))
  return merged
}
