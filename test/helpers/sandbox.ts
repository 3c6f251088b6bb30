import {spawn} from 'node:child_process'
import {mkdtemp, rm, mkdir} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import path from 'node:path'
import {fileURLToPath} from 'node:url'

/** Repository root. */
export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..')
export const RUN_JS = path.join(ROOT, 'bin/run.js')

export interface Sandbox {
  /** Temp HOME. */
  home: string
  /** Temp DOCKER_CONFIG (`<home>/.docker`). */
  dockerConfig: string
  /** Environment for child processes: process.env with HOME/DOCKER_CONFIG pointed at the sandbox. */
  env: NodeJS.ProcessEnv
  cleanup(): Promise<void>
}

/** A temp HOME + DOCKER_CONFIG so that no test touches the real home directory. */
export async function makeSandbox(extraEnv: NodeJS.ProcessEnv = {}): Promise<Sandbox> {
  const home = await mkdtemp(path.join(tmpdir(), 'docker-mcp-test-'))
  const dockerConfig = path.join(home, '.docker')
  await mkdir(dockerConfig, {recursive: true})
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    HOME: home,
    USERPROFILE: home,
    DOCKER_CONFIG: dockerConfig,
    XDG_CONFIG_HOME: path.join(home, '.config'),
    NO_COLOR: '1',
    ...extraEnv,
  }
  delete env.DOCKER_CLI_PLUGIN_ORIGINAL_CLI_COMMAND
  delete env.DOCKER_CLI_PLUGIN_SOCKET
  delete env.MCP_GATEWAY_AUTH_TOKEN
  return {
    home,
    dockerConfig,
    env,
    cleanup: () => rm(home, {recursive: true, force: true}),
  }
}

export interface RunResult {
  code: number | null
  signal: NodeJS.Signals | null
  stdout: string
  stderr: string
}

/** Run a command to completion with optional stdin; kills it after `timeoutMs`. */
export function run(
  command: string,
  args: readonly string[],
  options: {env?: NodeJS.ProcessEnv; input?: string; timeoutMs?: number; cwd?: string} = {},
): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {env: options.env ?? process.env, cwd: options.cwd ?? ROOT})
    let stdout = ''
    let stderr = ''
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d))
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d))
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 60_000)
    child.on('error', reject)
    child.on('close', (code, signal) => {
      clearTimeout(timer)
      resolve({code, signal, stdout, stderr})
    })
    // A command that exits before reading its stdin (docker ps) makes this write fail with EPIPE: harmless.
    child.stdin.on('error', () => {})
    child.stdin.end(options.input ?? '')
  })
}

/** Run `docker-mcp <args>` (bin/run.js, as the plugin binary) in the sandbox. */
export function runCli(
  sandbox: Pick<Sandbox, 'env'>,
  args: readonly string[],
  options: {input?: string; timeoutMs?: number; env?: NodeJS.ProcessEnv; cwd?: string} = {},
): Promise<RunResult> {
  return run(process.execPath, [RUN_JS, ...args], {...options, env: {...sandbox.env, ...options.env}})
}

/** Install the plugin launcher into the sandbox's DOCKER_CONFIG, so `docker mcp` works there. */
export async function installPlugin(sandbox: Sandbox): Promise<void> {
  const result = await run('bash', [path.join(ROOT, 'scripts/install-plugin.sh')], {env: sandbox.env})
  if (result.code !== 0) throw new Error(`install-plugin failed: ${result.stderr}`)
}
