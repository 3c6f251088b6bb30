export interface VersionInfo {
  version: string
  node: string
  platform: string
  arch: string
}

/** Version details for `docker mcp version --json`. */
export function versionInfo(version: string): VersionInfo {
  return {version, node: process.version, platform: process.platform, arch: process.arch}
}
