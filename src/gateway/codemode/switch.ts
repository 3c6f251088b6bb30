import type {Context} from '../../context.js'

/**
 * Whether the gateway offers its internal tools (code mode here; mcp-find, mcp-add … in ../dynamic/):
 * on by default, as Docker's gateway; off with `--servers` (the user chose the tools), with
 * `--dynamic-tools=false`, or when the `dynamic-tools` feature is disabled in config.json.
 */
export async function dynamicToolsOn(
  ctx: Context,
  options: {servers?: readonly string[] | undefined; dynamicTools?: boolean | undefined},
  onWarning: (message: string) => void = () => {},
): Promise<boolean> {
  if (options.servers?.length) return false
  if (options.dynamicTools === false) return false
  const {isFeatureEnabled} = await import('../../features/index.js')
  return isFeatureEnabled(ctx, 'dynamic-tools', onWarning)
}
