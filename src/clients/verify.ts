import {Client} from '@modelcontextprotocol/client'
import {StdioClientTransport} from '@modelcontextprotocol/client/stdio'

import {UNAVAILABLE_META_KEY} from '../gateway/call-errors.js'
import type {LaunchSpec} from './entry.js'

/**
 * Check a client's entry for real: start the exact command the config holds, speak MCP to it (initialize,
 * then tools/list) and report what answered, or why nothing did.
 */

export interface VerifyOptions {
  /**
   * The environment the client would give the server, before the entry's own `env` (launch-env.ts). The
   * SDK's transport adds its own few defaults (HOME, PATH, ...: table.ts SDK_DEFAULT_ENV) from this
   * process; every allowlist in the client table contains them, except PROCESSOR_ARCHITECTURE for Codex on
   * Windows.
   */
  baseEnv: NodeJS.ProcessEnv
  cwd?: string
  timeoutMs: number
}

export interface VerifyResult {
  ok: boolean
  command: string
  args: string[]
  /** Names of the variables the entry sets (values stay private: they may be secrets). */
  envKeys: string[]
  durationMs: number
  server?: {name: string; version: string}
  tools?: number
  /** What failed: spawn error, protocol error or timeout (or, from the caller, the environment it dropped). */
  error?: string
  /** Docker variables set in the user's environment that the client would not pass to the gateway. */
  droppedEnv?: string[]
  /** The last lines the server wrote to stderr. */
  stderr?: string
}

const STDERR_KEEP = 8192
const STDERR_LINES = 15

function tail(text: string): string | undefined {
  const lines = text.trim().split('\n').slice(-STDERR_LINES).join('\n')
  return lines === '' ? undefined : lines
}

function timeout<T>(ms: number, what: () => string): {promise: Promise<T>; cancel: () => void} {
  let timer: NodeJS.Timeout | undefined
  const promise = new Promise<T>((_, reject) => {
    timer = setTimeout(() => reject(new Error(what())), ms)
  })
  return {promise, cancel: () => clearTimeout(timer)}
}

/** Launch `spec` as an MCP stdio server and list its tools. Never throws: a failure is a result. */
export async function verifyLaunch(spec: LaunchSpec, options: VerifyOptions): Promise<VerifyResult> {
  const started = Date.now()
  const env: Record<string, string> = {}
  for (const [k, v] of Object.entries(options.baseEnv)) if (v !== undefined) env[k] = v
  Object.assign(env, spec.env)
  // We are not docker: a plugin socket inherited from `docker mcp` must not reach the server.
  if (!('DOCKER_CLI_PLUGIN_SOCKET' in spec.env)) delete env.DOCKER_CLI_PLUGIN_SOCKET
  const transport = new StdioClientTransport({
    command: spec.command,
    args: spec.args,
    env,
    stderr: 'pipe',
    ...(options.cwd ? {cwd: options.cwd} : {}),
  })
  let stderr = ''
  transport.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString('utf8')).slice(-STDERR_KEEP)
  })
  const base = {command: spec.command, args: spec.args, envKeys: Object.keys(spec.env)}
  const client = new Client({name: 'docker-mcp-client-verify', version: '1.0.0'})
  const phase = {now: 'starting the server'}
  const limit = timeout<never>(
    options.timeoutMs,
    () => `no answer within ${Math.round(options.timeoutMs / 1000)} s while ${phase.now}`,
  )
  try {
    const work = (async () => {
      phase.now = 'initializing'
      await client.connect(transport, {timeout: options.timeoutMs})
      phase.now = 'listing tools'
      const tools = await client.listTools(undefined, {timeout: options.timeoutMs})
      // A gateway whose servers cannot run (no Docker engine) still answers, from its cache: not a pass.
      const unavailable = tools._meta?.[UNAVAILABLE_META_KEY]
      if (typeof unavailable === 'string') throw new Error(`the gateway answered, but ${unavailable}`)
      const info = client.getServerVersion()
      return {name: info?.name ?? '(unnamed)', version: info?.version ?? '', tools: tools.tools.length}
    })()
    const answer = await Promise.race([work, limit.promise])
    return {
      ok: true,
      ...base,
      durationMs: Date.now() - started,
      server: {name: answer.name, version: answer.version},
      tools: answer.tools,
    }
  } catch (err) {
    const e = err as NodeJS.ErrnoException
    let error = e.code === 'ENOENT' ? `command not found: ${spec.command}` : e.message
    // The SDK only says "Connection closed" when the process exits (or closes stdout) before answering.
    if (/connection closed/i.test(error)) error = `the server exited before answering (while ${phase.now})`
    const stderrTail = tail(stderr)
    return {
      ok: false,
      ...base,
      durationMs: Date.now() - started,
      error,
      ...(stderrTail ? {stderr: stderrTail} : {}),
    }
  } finally {
    limit.cancel()
    await client.close().catch(() => {})
    await transport.close().catch(() => {})
  }
}
