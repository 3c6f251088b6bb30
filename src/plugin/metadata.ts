/** Docker CLI plugin metadata, as docker/cli's `cli-plugins/metadata` reads it. */
export interface PluginMetadata {
  SchemaVersion: '0.1.0'
  Vendor: string
  Version: string
  ShortDescription: string
  URL: string
}

/**
 * Build the metadata JSON from package.json fields. SchemaVersion stays "0.1.0" because CLIs older
 * than 28.4.1 accept nothing else. bin/run.js inlines the same logic to avoid loading any module.
 */
export function pluginMetadata(pkg: {version: string; homepage?: string}): PluginMetadata {
  return {
    SchemaVersion: '0.1.0',
    Vendor: 'docker-mcp contributors',
    Version: pkg.version,
    ShortDescription: 'Docker MCP Plugin',
    URL: pkg.homepage ?? '',
  }
}
