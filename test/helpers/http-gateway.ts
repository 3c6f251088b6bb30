import {spawn, type ChildProcess} from 'node:child_process'
import assert from 'node:assert/strict'
import {readdirSync, readFileSync} from 'node:fs'
import http from 'node:http'
import net from 'node:net'

import {containersOfGateway, eventually, waitForHealth} from './gateway.js'
import {makeSandbox, RUN_JS, type Sandbox} from './sandbox.js'

/** A free TCP port on 127.0.0.1. */
export async function freePort(): Promise<number> {
  const s = net.createServer()
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r))
  const p = (s.address() as net.AddressInfo).port
  await new Promise((r) => s.close(r))
  return p
}

export interface HttpGatewayProcess {
  child: ChildProcess
  port: number
  /** http://127.0.0.1:<port> (or the given host). */
  base: string
  stderr: () => string
  /** Open file descriptors of the gateway process now (sockets included). */
  openFds(): number
  /** Resident set size of the gateway process in MB. */
  rssMb(): number
  /** SIGTERM, wait for the exit; resolves with the exit code. */
  stop(): Promise<number | null>
}

/**
 * Start `gateway run --transport streaming` with no servers enabled (a fresh sandbox): fast, no Docker.
 * `fdLimit` runs it under `ulimit -n`, the descriptor budget an attacker would try to exhaust.
 */
export async function startHttpGateway(
  args: string[] = [],
  options: {
    env?: NodeJS.ProcessEnv
    fdLimit?: number
    host?: string
    sandbox?: Sandbox
    /** How long /health may answer 503 (servers being listed) before this gives up; default 30 s. */
    readyMs?: number
    /** The port (from freePort) when the arguments must name it; default a free one. */
    port?: number
  } = {},
): Promise<HttpGatewayProcess> {
  const sandbox = options.sandbox ?? (await makeSandbox())
  const port = options.port ?? (await freePort())
  const host = options.host ?? '127.0.0.1'
  const argv = [RUN_JS, 'gateway', 'run', '--transport', 'streaming', '--port', String(port), ...args]
  if (options.host) argv.push('--host', options.host)
  const env = {...sandbox.env, ...options.env}
  const child = options.fdLimit
    ? // exec: the shell becomes the gateway, so the PID we hold is the gateway's.
      spawn('sh', ['-c', `ulimit -n ${options.fdLimit} && exec "$0" "$@"`, process.execPath, ...argv], {
        env,
        stdio: ['ignore', 'ignore', 'pipe'],
      })
    : spawn(process.execPath, argv, {env, stdio: ['ignore', 'ignore', 'pipe']})
  let stderr = ''
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d))
  const base = `http://${host.includes(':') ? `[${host}]` : host}:${port}`
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)))
  try {
    await waitForHealth(base, options.readyMs)
  } catch (err) {
    child.kill('SIGKILL')
    throw new Error(`${(err as Error).message}\n${stderr}`)
  }
  return {
    child,
    port,
    base,
    stderr: () => stderr,
    openFds: () => readdirSync(`/proc/${child.pid}/fd`).length,
    rssMb: () => {
      const status = readFileSync(`/proc/${child.pid}/status`, 'utf8')
      return Math.round(Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024)
    },
    async stop() {
      if (child.exitCode === null) child.kill('SIGTERM')
      const code = await exited
      if (!options.sandbox) await sandbox.cleanup()
      return code
    },
  }
}

export interface RawResponse {
  status: number
  headers: http.IncomingHttpHeaders
  body: string
}

/**
 * One HTTP request with full control (headers as given, chunked bodies, a source address): what fetch
 * cannot send. `body` as an array is written chunk by chunk without Content-Length (chunked encoding).
 */
export function rawRequest(
  port: number,
  options: {
    method?: string
    path?: string
    headers?: http.OutgoingHttpHeaders
    body?: string | string[]
    localAddress?: string
    host?: string
  },
): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: options.host ?? '127.0.0.1',
        port,
        method: options.method ?? 'POST',
        path: options.path ?? '/mcp',
        headers: options.headers ?? {},
        ...(options.localAddress ? {localAddress: options.localAddress} : {}),
        agent: false,
      },
      (res) => {
        let body = ''
        res.setEncoding('utf8').on('data', (d: string) => (body += d))
        res.on('end', () => resolve({status: res.statusCode!, headers: res.headers, body}))
        res.on('error', reject)
      },
    )
    req.on('error', reject)
    if (Array.isArray(options.body)) {
      for (const chunk of options.body) req.write(chunk)
      req.end()
    } else {
      req.end(options.body)
    }
  })
}

/** Stop the gateway (exit code 0) and wait until none of its containers is left (at most 15 s). */
export async function stopLeavingNothing(gateway: HttpGatewayProcess | undefined): Promise<void> {
  const pid = gateway?.child.pid
  assert.equal(await gateway?.stop(), 0, gateway?.stderr())
  if (pid)
    assert.deepEqual(
      await eventually(
        () => containersOfGateway(pid),
        (c) => c.length === 0,
        15_000,
      ),
      [],
      'containers left behind',
    )
}
