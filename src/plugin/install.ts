import {execFile} from 'node:child_process'
import {chmod, copyFile, lstat, mkdir, readFile, realpath, rename, rm, writeFile} from 'node:fs/promises'
import path from 'node:path'

import {DockerMcpError} from '../errors.js'
import type {McpPaths} from '../paths.js'
import {pluginMetadata} from './metadata.js'

/** Written into the launcher: `plugin uninstall` removes only a file it recognises as ours. */
const LAUNCHER_MARK = '# docker-mcp launcher, written by `docker-mcp plugin install`'
const VENDOR = pluginMetadata({version: ''}).Vendor

export interface PluginInstall {
  /** `$DOCKER_CONFIG/cli-plugins/docker-mcp` (`docker-mcp.exe` on Windows). */
  path: string
  /** `copy`: the single executable copied itself; `launcher`: a script that runs this npm install. */
  kind: 'copy' | 'launcher' | 'unchanged'
}

/** The plugin's file name: docker looks for `docker-<name>` (with `.exe` on Windows). */
export function pluginPath(paths: Pick<McpPaths, 'cliPluginsDir'>): string {
  return path.join(paths.cliPluginsDir, process.platform === 'win32' ? 'docker-mcp.exe' : 'docker-mcp')
}

/** What a file in the plugins folder says about itself when docker probes it; undefined if it cannot. */
function probeVendor(file: string): Promise<string | undefined> {
  return new Promise((resolve) => {
    execFile(file, ['docker-cli-plugin-metadata'], {timeout: 10_000, env: {}}, (err, stdout) => {
      if (err) return resolve(undefined)
      try {
        resolve((JSON.parse(stdout) as {Vendor?: string}).Vendor)
      } catch {
        resolve(undefined)
      }
    })
  })
}

/**
 * Is the file at `target` ours? Our launcher carries a mark; our executable answers docker's metadata
 * probe with our vendor. Docker's own `docker-mcp` (vendor "Docker Inc.") is not ours.
 */
export async function isOurs(target: string): Promise<boolean> {
  const head = await readFile(target).then(
    (b) => b.subarray(0, 4096).toString('utf8'),
    () => '',
  )
  if (head.includes(LAUNCHER_MARK)) return true
  return (await probeVendor(target)) === VENDOR
}

async function exists(file: string): Promise<boolean> {
  return lstat(file).then(
    () => true,
    () => false,
  )
}

function shellQuote(s: string): string {
  return `'${s.replaceAll("'", `'\\''`)}'`
}

/**
 * Install this docker-mcp as docker's `mcp` plugin. The single executable copies itself; an npm install
 * writes a launcher with the absolute path of node (MCP clients often start `docker` with a minimal PATH
 * where `#!/usr/bin/env node` finds nothing) that answers docker's metadata probe without starting node.
 * Refuses to replace a plugin that is not ours (Docker Desktop's) unless `force`. Atomic: a temp file in
 * the folder, renamed over the target.
 */
export async function installPlugin(
  paths: Pick<McpPaths, 'cliPluginsDir'>,
  self: {executable?: string; root: string; version: string; homepage?: string; force?: boolean},
): Promise<PluginInstall> {
  const target = pluginPath(paths)
  if (
    self.executable &&
    (await exists(target)) &&
    (await realpath(target)) === (await realpath(self.executable))
  )
    return {path: target, kind: 'unchanged'}
  if ((await exists(target)) && !self.force && !(await isOurs(target)))
    throw new DockerMcpError(`${target} is another docker-mcp (not installed by this one): left in place.`, {
      suggestions: ['Run "docker-mcp plugin install --force" to replace it'],
    })
  if (!self.executable && process.platform === 'win32')
    throw new DockerMcpError(
      'On Windows docker runs plugins as .exe files only: install the single executable.',
      {
        suggestions: [
          'Download docker-mcp.exe (or build it: npm run build:binary) into %USERPROFILE%\\.docker\\cli-plugins',
        ],
      },
    )
  await mkdir(paths.cliPluginsDir, {recursive: true})
  const tmp = path.join(paths.cliPluginsDir, `.docker-mcp.${process.pid}.tmp`)
  try {
    if (self.executable) {
      await copyFile(self.executable, tmp)
    } else {
      const metadata = JSON.stringify(pluginMetadata({version: self.version, homepage: self.homepage}))
      const script = [
        '#!/bin/sh',
        LAUNCHER_MARK,
        'if [ "$#" -eq 1 ] && [ "$1" = docker-cli-plugin-metadata ]; then',
        `  printf '%s\\n' ${shellQuote(metadata)}`,
        '  exit 0',
        'fi',
        `exec ${shellQuote(process.execPath)} ${shellQuote(path.join(self.root, 'bin', 'run.js'))} "$@"`,
        '',
      ].join('\n')
      await writeFile(tmp, script)
    }
    await chmod(tmp, 0o755)
    await rename(tmp, target)
  } finally {
    await rm(tmp, {force: true})
  }
  return {path: target, kind: self.executable ? 'copy' : 'launcher'}
}

/** Remove the plugin if it is ours; a plugin that is not (Docker Desktop's) is left in place. */
export async function uninstallPlugin(
  paths: Pick<McpPaths, 'cliPluginsDir'>,
): Promise<{path: string; removed: boolean}> {
  const target = pluginPath(paths)
  if (!(await exists(target))) return {path: target, removed: false}
  if (!(await isOurs(target)))
    throw new DockerMcpError(`${target} is not docker-mcp's (another vendor's plugin): left in place.`)
  await rm(target, {force: true})
  return {path: target, removed: true}
}
