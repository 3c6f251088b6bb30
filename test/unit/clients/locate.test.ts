/**
 * Path selection per OS, as a pure function: every client's file on Linux, macOS and Windows, with the
 * per-OS exceptions (Claude Desktop's MSIX package, Zed's ~/.config on macOS, Cline 4 vs its legacy
 * globalStorage, LM Studio's two homes, Continue's block file, env overrides). Guards against writing a
 * file the client never reads.
 */
import assert from 'node:assert/strict'
import {describe, test} from 'node:test'

import {findClient} from '../../../src/clients/index.js'
import {
  expandTemplate,
  installMarkers,
  otherExistingPaths,
  selectConfigPath,
  type LocateContext,
  type Scope,
} from '../../../src/clients/locate.js'
import type {Platform} from '../../../src/clients/table.js'

const HOMES: Record<Platform, string> = {linux: '/home/u', darwin: '/Users/u', win32: 'C:\\Users\\u'}
const WIN_ENV = {APPDATA: 'C:\\Users\\u\\AppData\\Roaming', LOCALAPPDATA: 'C:\\Users\\u\\AppData\\Local'}

interface Row {
  client: string
  platform: Platform
  env?: Record<string, string>
  exists?: string[]
  scope?: Scope
  projectRoot?: string
  expected: string | undefined
}

function locate(row: Omit<Row, 'expected'>): string | undefined {
  const ctx: LocateContext = {
    platform: row.platform,
    env: {...(row.platform === 'win32' ? WIN_ENV : {}), ...row.env},
    home: HOMES[row.platform],
    ...(row.projectRoot ? {projectRoot: row.projectRoot} : {}),
  }
  const existing = new Set(row.exists ?? [])
  return selectConfigPath(findClient(row.client), row.scope ?? 'global', ctx, (p) => existing.has(p))
}

const ROWS: Row[] = [
  // Claude Desktop
  {
    client: 'claude-desktop',
    platform: 'darwin',
    expected: '/Users/u/Library/Application Support/Claude/claude_desktop_config.json',
  },
  {
    client: 'claude-desktop',
    platform: 'linux',
    expected: '/home/u/.config/Claude/claude_desktop_config.json',
  },
  {
    client: 'claude-desktop',
    platform: 'linux',
    env: {XDG_CONFIG_HOME: '/xdg'},
    expected: '/xdg/Claude/claude_desktop_config.json',
  },
  {
    client: 'claude-desktop',
    platform: 'linux',
    exists: ['/home/u/.config/claude/claude_desktop_config.json'],
    expected: '/home/u/.config/claude/claude_desktop_config.json',
  },
  {
    client: 'claude-desktop',
    platform: 'win32',
    expected: 'C:\\Users\\u\\AppData\\Roaming\\Claude\\claude_desktop_config.json',
  },
  {
    client: 'claude-desktop',
    platform: 'win32',
    exists: [
      'C:\\Users\\u\\AppData\\Local\\Packages\\Claude_pzs8sxrjxfjjc',
      'C:\\Users\\u\\AppData\\Roaming\\Claude\\claude_desktop_config.json',
    ],
    expected:
      'C:\\Users\\u\\AppData\\Local\\Packages\\Claude_pzs8sxrjxfjjc\\LocalCache\\Roaming\\Claude\\claude_desktop_config.json',
  },
  {client: 'claude-desktop', platform: 'win32', env: {APPDATA: '', LOCALAPPDATA: ''}, expected: undefined},
  // Claude Code
  {client: 'claude-code', platform: 'linux', expected: '/home/u/.claude.json'},
  {
    client: 'claude-code',
    platform: 'darwin',
    env: {CLAUDE_CONFIG_DIR: '/cfg/claude'},
    expected: '/cfg/claude/.claude.json',
  },
  {client: 'claude-code', platform: 'win32', expected: 'C:\\Users\\u\\.claude.json'},
  {
    client: 'claude-code',
    platform: 'linux',
    scope: 'project',
    projectRoot: '/src/app',
    expected: '/src/app/.mcp.json',
  },
  {
    client: 'claude-code',
    platform: 'win32',
    scope: 'project',
    projectRoot: 'D:\\app',
    expected: 'D:\\app\\.mcp.json',
  },
  // Cursor
  {client: 'cursor', platform: 'darwin', expected: '/Users/u/.cursor/mcp.json'},
  {client: 'cursor', platform: 'win32', expected: 'C:\\Users\\u\\.cursor\\mcp.json'},
  {
    client: 'cursor',
    platform: 'linux',
    scope: 'project',
    projectRoot: '/src/app',
    expected: '/src/app/.cursor/mcp.json',
  },
  // VS Code
  {client: 'vscode', platform: 'linux', expected: '/home/u/.config/Code/User/mcp.json'},
  {client: 'vscode', platform: 'linux', env: {XDG_CONFIG_HOME: '/xdg'}, expected: '/xdg/Code/User/mcp.json'},
  {
    client: 'vscode',
    platform: 'linux',
    env: {VSCODE_APPDATA: '/portable', XDG_CONFIG_HOME: '/xdg'},
    expected: '/portable/Code/User/mcp.json',
  },
  {client: 'vscode', platform: 'darwin', expected: '/Users/u/Library/Application Support/Code/User/mcp.json'},
  {client: 'vscode', platform: 'win32', expected: 'C:\\Users\\u\\AppData\\Roaming\\Code\\User\\mcp.json'},
  {
    client: 'vscode',
    platform: 'win32',
    scope: 'project',
    projectRoot: 'C:\\src\\app',
    expected: 'C:\\src\\app\\.vscode\\mcp.json',
  },
  // Windsurf
  {client: 'windsurf', platform: 'win32', expected: 'C:\\Users\\u\\.codeium\\windsurf\\mcp_config.json'},
  {client: 'windsurf', platform: 'linux', expected: '/home/u/.codeium/windsurf/mcp_config.json'},
  {client: 'windsurf', platform: 'linux', scope: 'project', projectRoot: '/src/app', expected: undefined},
  // Continue: config.yaml only when it exists; otherwise a block file (never shadow a legacy config.json)
  {client: 'continue', platform: 'linux', expected: '/home/u/.continue/mcpServers/MCP_DOCKER.yaml'},
  {
    client: 'continue',
    platform: 'linux',
    exists: ['/home/u/.continue/config.yaml'],
    expected: '/home/u/.continue/config.yaml',
  },
  {
    client: 'continue',
    platform: 'win32',
    env: {CONTINUE_GLOBAL_DIR: 'E:\\cont'},
    expected: 'E:\\cont\\mcpServers\\MCP_DOCKER.yaml',
  },
  {
    client: 'continue',
    platform: 'linux',
    scope: 'project',
    projectRoot: '/src/app',
    expected: '/src/app/.continue/mcpServers/MCP_DOCKER.yaml',
  },
  // Zed: ~/.config on macOS too; Flatpak; %APPDATA%\Zed on Windows unless docker's file exists
  {
    client: 'zed',
    platform: 'darwin',
    env: {XDG_CONFIG_HOME: '/xdg'},
    expected: '/Users/u/.config/zed/settings.json',
  },
  {client: 'zed', platform: 'linux', env: {XDG_CONFIG_HOME: '/xdg'}, expected: '/xdg/zed/settings.json'},
  {
    client: 'zed',
    platform: 'linux',
    env: {FLATPAK_XDG_CONFIG_HOME: '/fp', XDG_CONFIG_HOME: '/xdg'},
    expected: '/fp/zed/settings.json',
  },
  {client: 'zed', platform: 'win32', expected: 'C:\\Users\\u\\AppData\\Roaming\\Zed\\settings.json'},
  {
    client: 'zed',
    platform: 'win32',
    exists: ['C:\\Users\\u\\.config\\zed\\settings.json'],
    expected: 'C:\\Users\\u\\.config\\zed\\settings.json',
  },
  // LM Studio: the existing one of its two homes
  {client: 'lmstudio', platform: 'darwin', expected: '/Users/u/.lmstudio/mcp.json'},
  {
    client: 'lmstudio',
    platform: 'darwin',
    exists: ['/Users/u/.cache/lm-studio/mcp.json'],
    expected: '/Users/u/.cache/lm-studio/mcp.json',
  },
  {
    client: 'lmstudio',
    platform: 'linux',
    exists: ['/home/u/.cache/lm-studio/mcp.json', '/home/u/.lmstudio/mcp.json'],
    expected: '/home/u/.lmstudio/mcp.json',
  },
  // Cline: 4.x shared file, overrides, legacy globalStorage of VS Code or Cursor
  {client: 'cline', platform: 'linux', expected: '/home/u/.cline/data/settings/cline_mcp_settings.json'},
  {
    client: 'cline',
    platform: 'linux',
    exists: ['/home/u/.config/Code/User/globalStorage/saoudrizwan.claude-dev'],
    expected:
      '/home/u/.config/Code/User/globalStorage/saoudrizwan.claude-dev/settings/cline_mcp_settings.json',
  },
  {
    client: 'cline',
    platform: 'linux',
    exists: ['/home/u/.cline', '/home/u/.config/Code/User/globalStorage/saoudrizwan.claude-dev'],
    expected: '/home/u/.cline/data/settings/cline_mcp_settings.json',
  },
  {
    client: 'cline',
    platform: 'darwin',
    exists: ['/Users/u/Library/Application Support/Cursor/User/globalStorage/saoudrizwan.claude-dev'],
    expected:
      '/Users/u/Library/Application Support/Cursor/User/globalStorage/saoudrizwan.claude-dev/settings/cline_mcp_settings.json',
  },
  {
    client: 'cline',
    platform: 'win32',
    exists: ['C:\\Users\\u\\AppData\\Roaming\\Code\\User\\globalStorage\\saoudrizwan.claude-dev'],
    expected:
      'C:\\Users\\u\\AppData\\Roaming\\Code\\User\\globalStorage\\saoudrizwan.claude-dev\\settings\\cline_mcp_settings.json',
  },
  {
    client: 'cline',
    platform: 'linux',
    env: {CLINE_MCP_SETTINGS_PATH: '/etc/cline.json'},
    expected: '/etc/cline.json',
  },
  {
    client: 'cline',
    platform: 'linux',
    env: {CLINE_DIR: '/opt/cline'},
    expected: '/opt/cline/data/settings/cline_mcp_settings.json',
  },
  // Gemini CLI
  {client: 'gemini-cli', platform: 'linux', expected: '/home/u/.gemini/settings.json'},
  {
    client: 'gemini-cli',
    platform: 'linux',
    env: {GEMINI_CLI_HOME: '/gh'},
    expected: '/gh/.gemini/settings.json',
  },
  {client: 'gemini', platform: 'win32', expected: 'C:\\Users\\u\\.gemini\\settings.json'},
  {
    client: 'gemini-cli',
    platform: 'linux',
    scope: 'project',
    projectRoot: '/src/app',
    expected: '/src/app/.gemini/settings.json',
  },
  // Codex
  {client: 'codex', platform: 'darwin', expected: '/Users/u/.codex/config.toml'},
  {client: 'codex', platform: 'linux', env: {CODEX_HOME: '/ch'}, expected: '/ch/config.toml'},
  {client: 'codex', platform: 'win32', expected: 'C:\\Users\\u\\.codex\\config.toml'},
  {
    client: 'codex',
    platform: 'linux',
    scope: 'project',
    projectRoot: '/src/app',
    expected: '/src/app/.codex/config.toml',
  },
  // Goose
  {client: 'goose', platform: 'darwin', expected: '/Users/u/.config/goose/config.yaml'},
  {client: 'goose', platform: 'linux', env: {XDG_CONFIG_HOME: '/xdg'}, expected: '/xdg/goose/config.yaml'},
  {client: 'goose', platform: 'linux', env: {GOOSE_PATH_ROOT: '/gr'}, expected: '/gr/config/config.yaml'},
  {
    client: 'goose',
    platform: 'win32',
    expected: 'C:\\Users\\u\\AppData\\Roaming\\Block\\goose\\config\\config.yaml',
  },
  // opencode: opencode.json, unless only opencode.jsonc exists; ~/.config on Windows too
  {client: 'opencode', platform: 'linux', expected: '/home/u/.config/opencode/opencode.json'},
  {
    client: 'opencode',
    platform: 'linux',
    exists: ['/home/u/.config/opencode/opencode.jsonc'],
    expected: '/home/u/.config/opencode/opencode.jsonc',
  },
  {client: 'opencode', platform: 'win32', expected: 'C:\\Users\\u\\.config\\opencode\\opencode.json'},
  {
    client: 'opencode',
    platform: 'darwin',
    scope: 'project',
    projectRoot: '/src/app',
    exists: ['/src/app/opencode.jsonc'],
    expected: '/src/app/opencode.jsonc',
  },
  // Kiro, Amazon Q, Crush, Sema4
  {client: 'kiro', platform: 'win32', expected: 'C:\\Users\\u\\.kiro\\settings\\mcp.json'},
  {
    client: 'kiro',
    platform: 'linux',
    scope: 'project',
    projectRoot: '/src/app',
    expected: '/src/app/.kiro/settings/mcp.json',
  },
  {client: 'amazon-q', platform: 'linux', expected: '/home/u/.aws/amazonq/mcp.json'},
  {
    client: 'amazon-q',
    platform: 'darwin',
    scope: 'project',
    projectRoot: '/src/app',
    expected: '/src/app/.amazonq/mcp.json',
  },
  {client: 'crush', platform: 'win32', expected: 'C:\\Users\\u\\AppData\\Local\\crush\\crush.json'},
  {
    client: 'crush',
    platform: 'linux',
    scope: 'project',
    projectRoot: '/src/app',
    expected: '/src/app/.crush.json',
  },
  {
    client: 'sema4',
    platform: 'win32',
    expected: 'C:\\Users\\u\\AppData\\Local\\sema4ai\\sema4ai-studio\\mcp_servers.json',
  },
]

describe('config path per client and OS', () => {
  for (const row of ROWS) {
    const label = `${row.client} on ${row.platform}${row.scope === 'project' ? ' (project)' : ''}${
      row.env ? ` with ${Object.keys(row.env).join(', ')}` : ''
    }${row.exists ? ` (existing: ${row.exists.length})` : ''}`
    test(label, () => assert.equal(locate(row), row.expected))
  }
})

describe('templates', () => {
  const ctx = (env: Record<string, string>, platform: Platform = 'linux'): LocateContext => ({
    platform,
    env,
    home: HOMES[platform],
  })
  test('nested fallbacks, ~ in a fallback, empty counts as unset', () => {
    assert.equal(expandTemplate('${A:-${B:-~/.x}}/f', ctx({})), '/home/u/.x/f')
    assert.equal(expandTemplate('${A:-${B:-~/.x}}/f', ctx({B: '/b'})), '/b/f')
    assert.equal(expandTemplate('${A:-${B:-~/.x}}/f', ctx({A: '/a', B: '/b'})), '/a/f')
    assert.equal(expandTemplate('${A:-~}/f', ctx({A: ''})), '/home/u/f')
    assert.equal(expandTemplate('${A}/f', ctx({A: ''})), undefined)
    assert.equal(expandTemplate('${A}/f', ctx({})), undefined)
  })
  test('variable names are case-insensitive on Windows only', () => {
    assert.equal(expandTemplate('${APPDATA}/x', ctx({AppData: 'C:\\R'}, 'win32')), 'C:\\R/x')
    assert.equal(expandTemplate('${APPDATA}/x', ctx({AppData: '/r'})), undefined)
  })
  test('install markers and other existing candidates', () => {
    const c = ctx({XDG_CONFIG_HOME: '/xdg'})
    assert.deepEqual(installMarkers(findClient('vscode'), c), ['/xdg/Code'])
    const lm = findClient('lmstudio')
    const existing = new Set(['/home/u/.lmstudio/mcp.json', '/home/u/.cache/lm-studio/mcp.json'])
    const chosen = selectConfigPath(lm, 'global', c, (p) => existing.has(p))
    assert.deepEqual(
      otherExistingPaths(lm, 'global', c, (p) => existing.has(p), chosen),
      ['/home/u/.cache/lm-studio/mcp.json'],
    )
  })
})
