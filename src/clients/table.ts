import type {ConfigFormat, ContainerKind} from './edit/index.js'

/**
 * Every MCP client `docker mcp client` knows, as data: adding a client is adding a row. Sources for each
 * path and shape: /work/shared/reference/client-configs.md (docs and source of each client, and of
 * docker/mcp-gateway's own table).
 *
 * Path templates use `/` on every OS, `~` for the home directory, `${VAR}` for an environment variable
 * and `${VAR:-fallback}` for a default. A candidate whose variables are unset is skipped. The first
 * candidate that matches wins: a plain path matches when the file exists, `{path, when}` when the `when`
 * path exists (the app's install marker), `{path, always: true}` as soon as its variables are set (an
 * explicit override). When nothing matches, the first plain or `always` candidate is the one created.
 */

export type Platform = 'linux' | 'darwin' | 'win32'

export type PathCandidate = string | {path: string; when?: string; always?: boolean}

export type PerOs<T> = Record<Platform, T>

/** Placeholders in an entry template, filled in by buildEntry (entry.ts). */
export const COMMAND = Symbol('command')
/** `["mcp", "gateway", "run"]`. */
export const ARGS = Symbol('args')
/** The command and its arguments as one array (opencode). */
export const COMMAND_LINE = Symbol('command line')
/** On Windows the env block Claude Desktop and friends need (LOCALAPPDATA, ProgramFiles, ProgramData); the key is left out elsewhere. */
export const ENV = Symbol('env')
/** The entry's own name (list items and Goose carry it inside the entry). */
export const NAME = Symbol('name')
/**
 * Names of the variables the gateway needs from the user's environment that the client would not pass on
 * (Codex `env_vars`): the key is left out when there are none. Names only, never values.
 */
export const PASSTHROUGH = Symbol('passthrough')

export type Placeholder =
  typeof COMMAND | typeof ARGS | typeof COMMAND_LINE | typeof ENV | typeof NAME | typeof PASSTHROUGH

/**
 * The environment a client gives the stdio servers it starts, before the entry's own `env`:
 * - `inherit`: its own, whole (what the user's shell or login session gave the client);
 * - `allowlist`: only the variables named for the OS that are set, plus those the entry lists under the
 *   client's `passthrough` key when it has one (Codex `env_vars`). Anything else, DOCKER_HOST,
 *   DOCKER_CONTEXT and DOCKER_CONFIG included, never reaches `docker mcp gateway run`.
 * `client connect --verify` and `client doctor` launch the entry with exactly this environment, and
 * `client connect` writes what the gateway needs into the entry (entry.ts, dockerEnvNeeded).
 */
export type LaunchEnv =
  {kind: 'inherit'} | {kind: 'allowlist'; names: PerOs<readonly string[]>; passthrough?: string}

/**
 * What the MCP TypeScript SDK's StdioClientTransport passes when a client gives it no environment of its
 * own (`DEFAULT_INHERITED_ENV_VARS` in @modelcontextprotocol/sdk `client/stdio`, the same list in the v2
 * `@modelcontextprotocol/client/stdio`). Clients built on the SDK that spread `getDefaultEnvironment()` get
 * exactly this, plus their entry's `env`.
 */
export const SDK_DEFAULT_ENV: PerOs<readonly string[]> = {
  linux: ['HOME', 'LOGNAME', 'PATH', 'SHELL', 'TERM', 'USER'],
  darwin: ['HOME', 'LOGNAME', 'PATH', 'SHELL', 'TERM', 'USER'],
  win32: [
    'APPDATA',
    'COMSPEC',
    'HOMEDRIVE',
    'HOMEPATH',
    'LOCALAPPDATA',
    'PATH',
    'PATHEXT',
    'PROCESSOR_ARCHITECTURE',
    'PROGRAMDATA',
    'PROGRAMFILES',
    'PROGRAMFILES(X86)',
    'PROGRAMW6432',
    'SYSTEMDRIVE',
    'SYSTEMROOT',
    'TEMP',
    'USERNAME',
    'USERPROFILE',
    'WINDIR',
  ],
}

/** Codex's core variables on Linux and macOS (the same list). */
const CODEX_UNIX_ENV: readonly string[] = [
  'HOME',
  'LOGNAME',
  'PATH',
  'SHELL',
  'USER',
  '__CF_USER_TEXT_ENCODING',
  'LANG',
  'LC_ALL',
  'TERM',
  'TMPDIR',
  'TZ',
]

/**
 * Codex's allowlist for local stdio servers: `DEFAULT_ENV_VARS` in openai/codex
 * `codex-rs/rmcp-client/src/utils.rs` (`create_env_for_mcp_server`), on Windows
 * `WINDOWS_CORE_ENV_VARS` of `codex-rs/protocol/src/shell_environment.rs`. Variables named in the entry's
 * `env_vars = [...]` are forwarded too; everything else is dropped.
 */
const CODEX_ENV: PerOs<readonly string[]> = {
  linux: CODEX_UNIX_ENV,
  darwin: CODEX_UNIX_ENV,
  win32: [
    'PATH',
    'PATHEXT',
    'SHELL',
    'COMSPEC',
    'SYSTEMROOT',
    'WINDIR',
    'SYSTEMDRIVE',
    'USERNAME',
    'USERDOMAIN',
    'USERPROFILE',
    'HOMEDRIVE',
    'HOMEPATH',
    'PROGRAMFILES',
    'PROGRAMFILES(X86)',
    'PROGRAMW6432',
    'PROGRAMDATA',
    'LOCALAPPDATA',
    'APPDATA',
    'TEMP',
    'TMP',
    'TMPDIR',
    'POWERSHELL',
    'PWSH',
  ],
}

/**
 * Continue (continuedev/continue `core/context/mcp/MCPConnection.ts`, constructStdioTransport): its
 * `COMMONS_ENV_VARS` (HOME, USER, USERPROFILE, LOGNAME, USERNAME) and PATH, handed to the SDK's
 * StdioClientTransport, which adds its own defaults.
 */
const CONTINUE_ENV: PerOs<readonly string[]> = {
  linux: [...SDK_DEFAULT_ENV.linux, 'USERPROFILE', 'USERNAME'],
  darwin: [...SDK_DEFAULT_ENV.darwin, 'USERPROFILE', 'USERNAME'],
  win32: [...SDK_DEFAULT_ENV.win32, 'HOME', 'USER', 'LOGNAME'],
}

const INHERIT: LaunchEnv = {kind: 'inherit'}

/** The entry we write, key order as the client's docs show it. */
export type EntryTemplate = Record<string, Placeholder | string | number | boolean | null | object>

export interface ClientDef {
  /** What users type: `docker mcp client connect <id>`. */
  id: string
  /** Other accepted ids (docker's own names). */
  aliases?: readonly string[]
  displayName: string
  format: ConfigFormat
  /** Keys from the file's root to the servers container. */
  container: readonly string[]
  /** Servers keyed by name (`map`, the default) or a list of items with `name` (Continue). */
  kind?: ContainerKind
  /** Our entry's name; `MCP_DOCKER` unless the client needs another. */
  entryName?: string
  entry: EntryTemplate
  /** The command on Windows when it is not `docker`. */
  windowsCommand?: string
  /** Top-level keys of a file we create. */
  skeleton?: Record<string, unknown>
  /** The per-user config file, per OS. */
  global: PerOs<readonly PathCandidate[]>
  /** The project-level file, relative to the project root (nearest ancestor with `.git`), if the client has one. */
  project?: {paths: readonly PathCandidate[]; note?: string}
  /** Paths whose existence means the client is installed (besides its config file). */
  installed: PerOs<readonly string[]>
  /** What it takes for the client to see the change. */
  reload: {restart: boolean; hint: string}
  /** The environment the client gives the servers it starts, with where that rule comes from (a comment). */
  launchEnv: LaunchEnv
}

export const ENTRY_NAME = 'MCP_DOCKER'

const same = <T>(value: T): PerOs<T> => ({linux: value, darwin: value, win32: value})

/** VS Code's user-data directory (`getAppDataPath`): Cline's legacy settings live under it too. */
const CODE_DATA: PerOs<string> = {
  darwin: '${VSCODE_APPDATA:-~/Library/Application Support}',
  linux: '${VSCODE_APPDATA:-${XDG_CONFIG_HOME:-~/.config}}',
  win32: '${VSCODE_APPDATA:-${APPDATA}}',
}
/** Cursor's user-data directory (Electron default: no VSCODE_APPDATA override). */
const CURSOR_DATA: PerOs<string> = {
  darwin: '~/Library/Application Support',
  linux: '${XDG_CONFIG_HOME:-~/.config}',
  win32: '${APPDATA}',
}
const CLINE_LEGACY = 'User/globalStorage/saoudrizwan.claude-dev'
const CLINE_FILE = 'settings/cline_mcp_settings.json'

/** Cline 4 shares ~/.cline with the Cline CLI; Cline 3 kept its settings in the editor's globalStorage. */
const clinePaths = (os: Platform): PathCandidate[] => [
  {path: '${CLINE_MCP_SETTINGS_PATH}', always: true},
  {path: `\${CLINE_DATA_DIR}/${CLINE_FILE}`, always: true},
  {path: `\${CLINE_DIR}/data/${CLINE_FILE}`, always: true},
  {path: `~/.cline/data/${CLINE_FILE}`, when: '~/.cline'},
  {
    path: `${CODE_DATA[os]}/Code/${CLINE_LEGACY}/${CLINE_FILE}`,
    when: `${CODE_DATA[os]}/Code/${CLINE_LEGACY}`,
  },
  {
    path: `${CURSOR_DATA[os]}/Cursor/${CLINE_LEGACY}/${CLINE_FILE}`,
    when: `${CURSOR_DATA[os]}/Cursor/${CLINE_LEGACY}`,
  },
  `~/.cline/data/${CLINE_FILE}`,
]

const NEW_SESSION = (name: string) => ({
  restart: true,
  hint: `Start a new ${name} session to load the change.`,
})

export const CLIENTS: readonly ClientDef[] = [
  {
    id: 'claude-desktop',
    displayName: 'Claude Desktop',
    format: 'json',
    container: ['mcpServers'],
    entry: {command: COMMAND, args: ARGS, env: ENV},
    // Since 0.9.3 Claude Desktop starts servers with the SDK's defaults only ("MCP servers automatically
    // inherit only a subset of environment variables, like USER, HOME, and PATH": modelcontextprotocol.io,
    // Connect to local MCP servers > Troubleshooting; the 0.9.3 lock-down is in reference/client-configs.md).
    launchEnv: {kind: 'allowlist', names: SDK_DEFAULT_ENV},
    global: {
      darwin: ['~/Library/Application Support/Claude/claude_desktop_config.json'],
      // No official Linux build: community builds use Electron's default (`Claude`); docker wrote `claude`.
      linux: [
        '${XDG_CONFIG_HOME:-~/.config}/Claude/claude_desktop_config.json',
        '~/.config/claude/claude_desktop_config.json',
      ],
      // The MSIX build (Store, and the default installer since early 2026) reads a virtualised copy of
      // %APPDATA%: writing %APPDATA%\Claude alone silently does nothing once that package exists.
      win32: [
        {
          path: '${LOCALAPPDATA}/Packages/Claude_pzs8sxrjxfjjc/LocalCache/Roaming/Claude/claude_desktop_config.json',
          when: '${LOCALAPPDATA}/Packages/Claude_pzs8sxrjxfjjc',
        },
        '${APPDATA}/Claude/claude_desktop_config.json',
      ],
    },
    installed: {
      darwin: [
        '/Applications/Claude.app',
        '~/Applications/Claude.app',
        '~/Library/Application Support/Claude',
      ],
      linux: ['${XDG_CONFIG_HOME:-~/.config}/Claude', '~/.config/claude'],
      win32: [
        '${APPDATA}/Claude',
        '${LOCALAPPDATA}/AnthropicClaude',
        '${LOCALAPPDATA}/Packages/Claude_pzs8sxrjxfjjc',
      ],
    },
    reload: {
      restart: true,
      hint: 'Quit Claude Desktop completely (closing its window is not enough) and start it again.',
    },
  },
  {
    id: 'claude-code',
    displayName: 'Claude Code',
    // ~/.claude.json is Claude Code's own state file, read with JSON.parse and rewritten by every session.
    format: 'json',
    container: ['mcpServers'],
    entry: {type: 'stdio', command: COMMAND, args: ARGS, env: ENV},
    // Claude Code starts stdio servers with its own environment plus the entry's `env` (its docs: servers
    // see the shell's variables; `env` adds to them). No filter documented.
    launchEnv: INHERIT,
    global: same([{path: '${CLAUDE_CONFIG_DIR}/.claude.json', always: true}, '~/.claude.json']),
    project: {
      paths: ['.mcp.json'],
      note: 'Claude Code asks each user to approve the servers of a project .mcp.json before using them.',
    },
    installed: same(['~/.claude', '${CLAUDE_CONFIG_DIR}']),
    reload: NEW_SESSION('Claude Code'),
  },
  {
    id: 'cursor',
    displayName: 'Cursor',
    format: 'jsonc',
    container: ['mcpServers'],
    entry: {command: COMMAND, args: ARGS, env: ENV},
    // Cursor (a VS Code fork) passes its own environment; no filter documented.
    launchEnv: INHERIT,
    global: same(['~/.cursor/mcp.json']),
    project: {paths: ['.cursor/mcp.json']},
    installed: {
      darwin: ['/Applications/Cursor.app', '~/.cursor'],
      linux: ['~/.cursor', '${XDG_CONFIG_HOME:-~/.config}/Cursor'],
      win32: ['${APPDATA}/Cursor', '~/.cursor'],
    },
    reload: {
      restart: false,
      hint: 'Cursor reloads MCP servers by itself; if MCP_DOCKER does not show up, toggle it in Cursor Settings > MCP.',
    },
  },
  {
    id: 'vscode',
    aliases: ['code'],
    displayName: 'Visual Studio Code',
    format: 'jsonc',
    // `servers`, not `mcpServers`: VS Code silently ignores the latter.
    container: ['servers'],
    entry: {type: 'stdio', command: COMMAND, args: ARGS, env: ENV},
    // VS Code starts stdio servers from the extension host with its environment plus `env`/`envFile` (on
    // macOS the login shell's, resolved at start-up). No filter documented.
    launchEnv: INHERIT,
    global: {
      darwin: [`${CODE_DATA.darwin}/Code/User/mcp.json`],
      linux: [`${CODE_DATA.linux}/Code/User/mcp.json`],
      win32: [`${CODE_DATA.win32}/Code/User/mcp.json`],
    },
    project: {
      paths: ['.vscode/mcp.json'],
      note: 'VS Code asks you to trust a workspace server the first time it starts.',
    },
    installed: {
      darwin: ['/Applications/Visual Studio Code.app', `${CODE_DATA.darwin}/Code`],
      linux: [`${CODE_DATA.linux}/Code`],
      win32: [`${CODE_DATA.win32}/Code`, '${LOCALAPPDATA}/Programs/Microsoft VS Code'],
    },
    reload: {
      restart: false,
      hint: 'VS Code watches mcp.json; start MCP_DOCKER from the MCP servers view if it does not start by itself.',
    },
  },
  {
    id: 'windsurf',
    displayName: 'Windsurf',
    format: 'jsonc',
    container: ['mcpServers'],
    entry: {command: COMMAND, args: ARGS, env: ENV},
    // Windsurf passes its own environment (and expands `${env:VAR}` in `env`); no filter documented.
    launchEnv: INHERIT,
    global: same(['~/.codeium/windsurf/mcp_config.json']),
    installed: {
      darwin: ['/Applications/Windsurf.app', '~/.codeium/windsurf'],
      linux: ['~/.codeium/windsurf'],
      win32: ['~/.codeium/windsurf', '${LOCALAPPDATA}/Programs/Windsurf'],
    },
    reload: {
      restart: true,
      hint: "Press Refresh in Windsurf's MCP panel (Cascade > MCP servers) to load the change.",
    },
  },
  {
    id: 'continue',
    displayName: 'Continue',
    format: 'yaml',
    container: ['mcpServers'],
    kind: 'list',
    entry: {name: NAME, command: COMMAND, args: ARGS, env: ENV},
    launchEnv: {kind: 'allowlist', names: CONTINUE_ENV},
    skeleton: {name: 'Docker MCP Toolkit', version: '0.0.1', schema: 'v1'},
    // An existing config.yaml is edited in place. Without one we write a block file instead: creating
    // config.yaml next to a legacy config.json would shadow the user's whole configuration.
    global: same([
      '${CONTINUE_GLOBAL_DIR:-~/.continue}/config.yaml',
      {path: '${CONTINUE_GLOBAL_DIR:-~/.continue}/mcpServers/MCP_DOCKER.yaml', always: true},
    ]),
    project: {paths: ['.continue/mcpServers/MCP_DOCKER.yaml']},
    installed: same(['${CONTINUE_GLOBAL_DIR:-~/.continue}']),
    reload: {restart: false, hint: 'Continue reloads its configuration when the file changes.'},
  },
  {
    id: 'zed',
    displayName: 'Zed',
    format: 'jsonc',
    container: ['context_servers'],
    // `source: "custom"` with a flat command/args is read by current Zed and by the versions before it.
    entry: {source: 'custom', enabled: true, command: COMMAND, args: ARGS, env: ENV},
    // Zed starts context servers with its environment (the login shell's, which it loads at start-up) plus
    // `env`. No filter documented.
    launchEnv: INHERIT,
    global: {
      // Zed uses ~/.config on macOS too.
      darwin: ['~/.config/zed/settings.json'],
      linux: ['${FLATPAK_XDG_CONFIG_HOME:-${XDG_CONFIG_HOME:-~/.config}}/zed/settings.json'],
      // Zed's source says %APPDATA%\Zed; docker wrote ~/.config/zed, which is kept when it is already there.
      win32: ['${APPDATA}/Zed/settings.json', '~/.config/zed/settings.json'],
    },
    project: {paths: ['.zed/settings.json'], note: 'Zed reads project settings only in trusted worktrees.'},
    installed: {
      darwin: ['/Applications/Zed.app', '~/.config/zed'],
      linux: ['${FLATPAK_XDG_CONFIG_HOME:-${XDG_CONFIG_HOME:-~/.config}}/zed'],
      win32: ['${APPDATA}/Zed', '${LOCALAPPDATA}/Programs/Zed'],
    },
    reload: {restart: false, hint: 'Zed applies settings changes immediately.'},
  },
  {
    id: 'lmstudio',
    aliases: ['lm-studio'],
    displayName: 'LM Studio',
    format: 'jsonc',
    container: ['mcpServers'],
    entry: {command: COMMAND, args: ARGS, env: ENV},
    // LM Studio (closed source) documents no filter: assumed to pass its own environment.
    launchEnv: INHERIT,
    // The docs say ~/.lmstudio; some (macOS) installs keep it in ~/.cache/lm-studio. The existing one wins.
    global: same(['~/.lmstudio/mcp.json', '~/.cache/lm-studio/mcp.json']),
    installed: {
      darwin: ['/Applications/LM Studio.app', '~/.lmstudio', '~/.cache/lm-studio'],
      linux: ['~/.lmstudio', '~/.cache/lm-studio'],
      win32: ['~/.lmstudio', '~/.cache/lm-studio'],
    },
    reload: {
      restart: true,
      hint: 'Restart LM Studio: it may not notice changes made outside its own editor.',
    },
  },
  {
    id: 'cline',
    displayName: 'Cline',
    format: 'json',
    container: ['mcpServers'],
    entry: {type: 'stdio', command: COMMAND, args: ARGS, env: ENV, disabled: false, autoApprove: []},
    // Cline (cline/cline `src/services/mcp/McpHub.ts`, connectToServer): `env: {...getDefaultEnvironment(),
    // ...config.env}`, the SDK's defaults only.
    launchEnv: {kind: 'allowlist', names: SDK_DEFAULT_ENV},
    global: {darwin: clinePaths('darwin'), linux: clinePaths('linux'), win32: clinePaths('win32')},
    installed: {
      darwin: [
        '~/.cline',
        `${CODE_DATA.darwin}/Code/${CLINE_LEGACY}`,
        `${CURSOR_DATA.darwin}/Cursor/${CLINE_LEGACY}`,
      ],
      linux: [
        '~/.cline',
        `${CODE_DATA.linux}/Code/${CLINE_LEGACY}`,
        `${CURSOR_DATA.linux}/Cursor/${CLINE_LEGACY}`,
      ],
      win32: [
        '~/.cline',
        `${CODE_DATA.win32}/Code/${CLINE_LEGACY}`,
        `${CURSOR_DATA.win32}/Cursor/${CLINE_LEGACY}`,
      ],
    },
    reload: {restart: false, hint: 'Cline watches its settings file and reconnects by itself.'},
  },
  {
    id: 'gemini-cli',
    aliases: ['gemini'],
    displayName: 'Gemini CLI',
    format: 'jsonc',
    container: ['mcpServers'],
    entry: {command: COMMAND, args: ARGS, env: ENV},
    // Gemini CLI (`packages/core/src/tools/mcp-client.ts`): `{...sanitizeEnvironment(process.env), ...env}`.
    // The sanitizer (`services/environmentSanitization.ts`) returns the whole environment unless the user
    // turns redaction on (or on GitHub Actions); then names matching /TOKEN|KEY|AUTH|CERT|.../ go, which
    // would drop DOCKER_CERT_PATH. The default is modelled here.
    launchEnv: INHERIT,
    global: same(['${GEMINI_CLI_HOME:-~}/.gemini/settings.json']),
    project: {paths: ['.gemini/settings.json']},
    installed: same(['${GEMINI_CLI_HOME:-~}/.gemini']),
    reload: NEW_SESSION('Gemini CLI'),
  },
  {
    id: 'codex',
    displayName: 'Codex',
    format: 'toml',
    container: ['mcp_servers'],
    entry: {command: COMMAND, args: ARGS, env: ENV, env_vars: PASSTHROUGH},
    // Codex passes only its allowlist (CODEX_ENV) plus the variables the entry names in `env_vars`: a user
    // with DOCKER_CONFIG/DOCKER_HOST/DOCKER_CONTEXT set got "unknown command: docker mcp" or another engine.
    launchEnv: {kind: 'allowlist', names: CODEX_ENV, passthrough: 'env_vars'},
    // Codex on Windows did not resolve a bare `docker` (openai/codex#4180); docker writes docker.exe.
    windowsCommand: 'docker.exe',
    global: same(['${CODEX_HOME:-~/.codex}/config.toml']),
    project: {
      paths: ['.codex/config.toml'],
      note: 'Codex reads .codex/config.toml only in trusted projects.',
    },
    installed: same(['${CODEX_HOME:-~/.codex}']),
    reload: NEW_SESSION('Codex'),
  },
  {
    id: 'goose',
    displayName: 'Goose',
    format: 'yaml',
    container: ['extensions'],
    // Goose keys extensions by a "simple name" (lower-case letters only), as docker's mcpdocker.
    entryName: 'mcpdocker',
    entry: {
      name: NAME,
      type: 'stdio',
      cmd: COMMAND,
      args: ARGS,
      envs: {},
      env_keys: [],
      enabled: true,
      timeout: 300,
      bundled: null,
      description: 'Docker MCP Toolkit gateway',
    },
    // Goose spawns extensions with its own environment plus `envs` (and the keyring values of `env_keys`).
    launchEnv: INHERIT,
    global: {
      darwin: [
        {path: '${GOOSE_PATH_ROOT}/config/config.yaml', always: true},
        '${XDG_CONFIG_HOME:-~/.config}/goose/config.yaml',
      ],
      linux: [
        {path: '${GOOSE_PATH_ROOT}/config/config.yaml', always: true},
        '${XDG_CONFIG_HOME:-~/.config}/goose/config.yaml',
      ],
      win32: [
        {path: '${GOOSE_PATH_ROOT}/config/config.yaml', always: true},
        '${APPDATA}/Block/goose/config/config.yaml',
      ],
    },
    installed: {
      darwin: ['/Applications/Goose.app', '${XDG_CONFIG_HOME:-~/.config}/goose'],
      linux: ['${XDG_CONFIG_HOME:-~/.config}/goose'],
      win32: ['${APPDATA}/Block/goose'],
    },
    reload: NEW_SESSION('Goose'),
  },
  {
    id: 'opencode',
    displayName: 'opencode',
    format: 'jsonc',
    container: ['mcp'],
    // opencode's schema is strict: only documented fields, and the command is one array.
    entry: {type: 'local', command: COMMAND_LINE, enabled: true},
    // opencode (`packages/opencode/src/mcp/index.ts`): `env: {...process.env, ...mcp.environment}`.
    launchEnv: INHERIT,
    skeleton: {$schema: 'https://opencode.ai/config.json'},
    // xdg-basedir falls back to ~/.config on every OS, Windows included.
    global: same([
      '${XDG_CONFIG_HOME:-~/.config}/opencode/opencode.json',
      '${XDG_CONFIG_HOME:-~/.config}/opencode/opencode.jsonc',
    ]),
    project: {paths: ['opencode.json', 'opencode.jsonc']},
    installed: same(['${XDG_CONFIG_HOME:-~/.config}/opencode', '~/.opencode']),
    reload: NEW_SESSION('opencode'),
  },
  {
    id: 'kiro',
    displayName: 'Kiro',
    format: 'jsonc',
    container: ['mcpServers'],
    entry: {command: COMMAND, args: ARGS, env: ENV, disabled: false, autoApprove: []},
    // Kiro (a VS Code fork, closed source) documents no filter: assumed to pass its own environment.
    launchEnv: INHERIT,
    global: same(['~/.kiro/settings/mcp.json']),
    project: {paths: ['.kiro/settings/mcp.json']},
    installed: {darwin: ['/Applications/Kiro.app', '~/.kiro'], linux: ['~/.kiro'], win32: ['~/.kiro']},
    reload: {restart: false, hint: 'Kiro reconnects MCP servers when the file is saved.'},
  },
  {
    id: 'amazon-q',
    aliases: ['amazonq', 'q'],
    displayName: 'Amazon Q Developer',
    format: 'jsonc',
    container: ['mcpServers'],
    entry: {command: COMMAND, args: ARGS, env: ENV},
    // Amazon Q Developer CLI spawns servers with its own environment plus `env`; no filter documented.
    launchEnv: INHERIT,
    global: same(['~/.aws/amazonq/mcp.json']),
    project: {paths: ['.amazonq/mcp.json']},
    installed: same(['~/.aws/amazonq']),
    reload: {
      restart: true,
      hint: 'Start a new "q chat" session (or reload the IDE plugin) to load the change.',
    },
  },
  {
    id: 'crush',
    displayName: 'Crush',
    format: 'jsonc',
    container: ['mcp'],
    entry: {type: 'stdio', command: COMMAND, args: ARGS, env: ENV},
    // Crush (Go, mcp-go's stdio transport: `cmd.Env = append(os.Environ(), env...)`) passes its own environment.
    launchEnv: INHERIT,
    global: {
      darwin: ['${XDG_CONFIG_HOME:-~/.config}/crush/crush.json'],
      linux: ['${XDG_CONFIG_HOME:-~/.config}/crush/crush.json'],
      win32: ['${LOCALAPPDATA}/crush/crush.json'],
    },
    project: {paths: ['.crush.json', 'crush.json']},
    installed: {
      darwin: ['${XDG_CONFIG_HOME:-~/.config}/crush'],
      linux: ['${XDG_CONFIG_HOME:-~/.config}/crush'],
      win32: ['${LOCALAPPDATA}/crush'],
    },
    reload: NEW_SESSION('Crush'),
  },
  {
    id: 'sema4',
    displayName: 'Sema4.ai Studio',
    format: 'jsonc',
    container: ['mcpServers'],
    entry: {command: COMMAND, args: ARGS, env: ENV, transport: 'stdio'},
    // Sema4.ai Studio (closed source) documents no filter: assumed to pass its own environment.
    launchEnv: INHERIT,
    global: {
      darwin: ['~/.sema4ai/sema4ai-studio/mcp_servers.json'],
      linux: ['~/.sema4ai/sema4ai-studio/mcp_servers.json'],
      win32: ['~/AppData/Local/sema4ai/sema4ai-studio/mcp_servers.json'],
    },
    installed: {
      darwin: ['~/.sema4ai/sema4ai-studio'],
      linux: ['~/.sema4ai/sema4ai-studio'],
      win32: ['~/AppData/Local/sema4ai/sema4ai-studio'],
    },
    reload: {restart: true, hint: 'Restart Sema4.ai Studio to load the change.'},
  },
]
