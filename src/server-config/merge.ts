import type {Context} from '../context.js'
import {readYamlFile, type YamlFile} from '../catalog/yaml-file.js'
import {resolveMcpFile} from '../paths.js'

/**
 * Read per-server YAML maps (config.yaml, tools.yaml, or the files given with --config/--tools-config)
 * and merge them: a later file's entry for a server replaces an earlier one. Missing files are empty.
 */
export async function readMergedServerFiles<T>(
  ctx: Context,
  files: string[] | undefined,
  defaultFile: string,
  check: (y: YamlFile) => Record<string, T>,
): Promise<Record<string, T>> {
  const list = files?.length ? files.map((f) => resolveMcpFile(ctx.paths, f, ctx.cwd)) : [defaultFile]
  const merged: Record<string, T> = {}
  for (const file of list) {
    const y = await readYamlFile(file)
    if (y) Object.assign(merged, check(y))
  }
  return merged
}
