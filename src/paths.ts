import {homedir} from 'node:os'
import path from 'node:path'

/** The environment variables that decide where files live. Pass `process.env`, or a test's temp env. */
export interface PathEnv {
  DOCKER_CONFIG?: string | undefined
  HOME?: string | undefined
  USERPROFILE?: string | undefined
  APPDATA?: string | undefined
  LOCALAPPDATA?: string | undefined
  XDG_CONFIG_HOME?: string | undefined
}

/**
 * The user's home directory. This is the only place in the code base allowed to ask the OS for it:
 * everything else derives from the environment handed in, so tests can run in a temp HOME.
 */
export function homeDir(env: PathEnv = process.env): string {
  return env.HOME || env.USERPROFILE || homedir()
}

/** Docker's config directory: `$DOCKER_CONFIG`, else `~/.docker` (as docker/cli's `config.Dir()`). */
export function dockerConfigDir(env: PathEnv = process.env): string {
  return env.DOCKER_CONFIG ? path.resolve(env.DOCKER_CONFIG) : path.join(homeDir(env), '.docker')
}

/** Every file the plugin reads or writes under `~/.docker/mcp/`, plus the Docker CLI's own files we touch. */
export interface McpPaths {
  /** `~/.docker` (or `$DOCKER_CONFIG`). */
  dockerConfigDir: string
  /** `~/.docker/config.json`: current context, cli-plugins extra dirs. */
  dockerConfigFile: string
  /** `~/.docker/contexts/`: docker context store. */
  dockerContextsDir: string
  /** `~/.docker/cli-plugins/`: where `docker-mcp` is installed. */
  cliPluginsDir: string
  /** `~/.docker/mcp/`. */
  mcpDir: string
  /** Index of configured catalogs. */
  catalogIndex: string
  /** One YAML file per catalog. */
  catalogsDir: string
  /** Enabled servers. */
  registry: string
  /** Per-server configuration values. */
  config: string
  /** Per-server tool allowlists. */
  tools: string
  /** Profiles (named working sets), one `<id>.yaml` each; `default` is not here: it is the legacy files. */
  profilesDir: string
  /** The original's SQLite database of profiles (`profile import-db` reads it, never writes it). */
  profileDatabase: string
  /** Directory of the fallback secret store (0700). */
  secretsDir: string
  /** Fallback secret store for machines with no keychain (JSON, 0600). */
  secretsFile: string
  /** `--block-secrets`' allowlist: what is not a secret although it looks like one. */
  secretAllowlist: string
  /** Named gateway tokens, hashed (`docker mcp gateway token create`; src/gateway/http/named-tokens.ts). */
  gatewayTokens: string
  /** Caches (tool listings of servers, local image build stamps). */
  cacheDir: string
  /** Validated contents of catalog, registry, config and tools files, one JSON file per source file. */
  fileCacheDir: string
}

/** Derive every path from the environment. Pure: no file system access. */
export function mcpPaths(env: PathEnv = process.env): McpPaths {
  const dockerDir = dockerConfigDir(env)
  const mcpDir = path.join(dockerDir, 'mcp')
  return {
    dockerConfigDir: dockerDir,
    dockerConfigFile: path.join(dockerDir, 'config.json'),
    dockerContextsDir: path.join(dockerDir, 'contexts'),
    cliPluginsDir: path.join(dockerDir, 'cli-plugins'),
    mcpDir,
    catalogIndex: path.join(mcpDir, 'catalog.json'),
    catalogsDir: path.join(mcpDir, 'catalogs'),
    registry: path.join(mcpDir, 'registry.yaml'),
    config: path.join(mcpDir, 'config.yaml'),
    tools: path.join(mcpDir, 'tools.yaml'),
    profilesDir: path.join(mcpDir, 'profiles'),
    profileDatabase: path.join(mcpDir, 'mcp-toolkit.db'),
    secretsDir: path.join(mcpDir, 'secrets'),
    secretsFile: path.join(mcpDir, 'secrets', 'secrets.json'),
    secretAllowlist: path.join(mcpDir, 'secret-allowlist.yaml'),
    gatewayTokens: path.join(mcpDir, 'gateway-tokens.json'),
    cacheDir: path.join(mcpDir, 'cache'),
    fileCacheDir: path.join(mcpDir, 'cache', 'files'),
  }
}

/**
 * Resolve a file argument the way the original resolves `--registry`/`--config` values:
 * absolute and `./`-relative paths as given, bare names relative to `~/.docker/mcp/`.
 */
export function resolveMcpFile(paths: McpPaths, file: string, cwd: string = process.cwd()): string {
  if (path.isAbsolute(file)) return file
  if (file.startsWith('./') || file.startsWith('../') || file.startsWith('.\\'))
    return path.resolve(cwd, file)
  return path.join(paths.mcpDir, file)
}
