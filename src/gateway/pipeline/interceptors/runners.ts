/**
 * The three ways an interceptor runs, each given the JSON payload and returning what it answered:
 * - exec: `/bin/sh -c ARG`, the payload on stdin, stdout is the answer, stderr goes to the gateway's log.
 * - docker: a container of a local image, least-privileged (as our server containers), stdio likewise.
 * - http: `POST URL` with the payload as the JSON body; the body is the answer.
 * A run ends in an answer, a refusal (exit code 2, HTTP 403) or an InterceptorFailure (anything else: a
 * non-zero exit, a timeout, too much output, an HTTP error, a missing image). Failures never carry the
 * payload, the output or the URL's credentials: the stage turns them into an error the client reads.
 */
import type {Readable} from 'node:stream'

import {
  ATTACHED_STDIO,
  DEFAULT_PIDS_LIMIT,
  LABEL_MANAGED,
  READ_ONLY_TMPFS,
  parseMemory,
  type ContainerSpec,
} from '../../../docker/container-spec.js'
import type {RunningContainer} from '../../../docker/runtime.js'
import {lateChildProcess} from '../../../late-builtins.js'
import type {Logger} from '../../logger.js'
import type {DockerInterceptorArg, InterceptorSpec} from './spec.js'

/** What an interceptor answered: its output, or a refusal with its output as the reason. */
export type InterceptorOutcome = {kind: 'output'; text: string} | {kind: 'refused'; text: string}

/** The interceptor could not give an answer: the message says why, never what it was given or wrote. */
export class InterceptorFailure extends Error {}

export interface InterceptorRunner {
  run(payload: string): Promise<InterceptorOutcome>
}

/** The exit code (exec, docker) that refuses the call or result: 2, as a policy tool's "denied". */
export const REFUSE_EXIT_CODE = 2
/** The HTTP status that refuses. */
export const REFUSE_HTTP_STATUS = 403
/** The most an interceptor may answer (a whole tool result may be replaced: as large as our HTTP bodies). */
export const DEFAULT_MAX_OUTPUT_BYTES = 16 * 1024 * 1024
/** The most of an interceptor's stderr written to the gateway's log per run. */
const MAX_STDERR_LOG_BYTES = 64 * 1024
/** A docker interceptor's memory limit unless it says `--memory`. */
const DEFAULT_DOCKER_MEMORY = '512m'
/** The label a docker interceptor's container carries (besides the gateway's, that cleanup looks for). */
export const LABEL_INTERCEPTOR = 'docker-mcp-interceptor'

export interface RunnerOptions {
  timeoutMs: number
  maxOutputBytes?: number | undefined
  logger: Logger
  /** exec: the environment the command gets (the gateway's, without its own credentials). */
  env?: NodeJS.ProcessEnv | undefined
  /** docker: start a container (the engine adapter); the gateway's identity labels go on it. */
  startContainer?:
    ((spec: ContainerSpec) => Promise<RunningContainer & {exitCode: Promise<number>}>) | undefined
  gatewayLabels?: Record<string, string> | undefined
}

export function createRunner(spec: InterceptorSpec, options: RunnerOptions): InterceptorRunner {
  switch (spec.type) {
    case 'exec':
      return {run: (payload) => runExec(spec, payload, options)}
    case 'http':
      return {run: (payload) => runHttp(spec, payload, options)}
    case 'docker':
      return {run: (payload) => runDocker(spec, payload, options)}
  }
}

/** Seconds, for messages. */
const seconds = (ms: number) => `${Math.round(ms / 100) / 10}s`

/** Collect a stream up to `max` bytes; `onOverflow` is called once when it goes beyond. */
function collect(stream: Readable, max: number, onOverflow: () => void): () => string {
  const chunks: Buffer[] = []
  let size = 0
  let over = false
  stream.on('data', (chunk: Buffer) => {
    if (over) return
    size += chunk.length
    if (size > max) {
      over = true
      chunks.length = 0
      onOverflow()
      return
    }
    chunks.push(chunk)
  })
  return () => Buffer.concat(chunks).toString('utf8')
}

/** An interceptor's stderr, line by line into the gateway's log (masked there), bounded. */
function logStderr(stream: Readable, spec: InterceptorSpec, logger: Logger): void {
  let logged = 0
  let partial = ''
  const write = (line: string) => {
    if (logged > MAX_STDERR_LOG_BYTES) return
    logged += line.length
    if (logged > MAX_STDERR_LOG_BYTES)
      logger.warn(`  - ${spec.label}: more stderr than ${MAX_STDERR_LOG_BYTES} bytes, not logged`)
    else if (line.trim() !== '') logger.warn(`  - ${spec.label}: ${line}`)
  }
  stream.setEncoding('utf8')
  stream.on('data', (chunk: string) => {
    const lines = (partial + chunk).split('\n')
    partial = lines.pop() ?? ''
    for (const line of lines) write(line)
  })
  stream.on('end', () => partial && write(partial))
}

function runExec(
  spec: InterceptorSpec,
  payload: string,
  options: RunnerOptions,
): Promise<InterceptorOutcome> {
  const max = options.maxOutputBytes ?? DEFAULT_MAX_OUTPUT_BYTES
  return new Promise((resolve, reject) => {
    // Its own process group: a timeout kills the shell and whatever it started (`sleep` would otherwise
    // keep stdout open, and the call waiting).
    // node:child_process on the first exec run: the gateway loads this module at start.
    const child = lateChildProcess().spawn('/bin/sh', ['-c', spec.arg], {
      env: options.env ?? process.env,
      stdio: ['pipe', 'pipe', 'pipe'],
      detached: true,
    })
    let failure: string | undefined
    const kill = (why: string) => {
      failure ??= why
      try {
        process.kill(-child.pid!, 'SIGKILL')
      } catch {
        child.kill('SIGKILL')
      }
    }
    const timer = setTimeout(
      () => kill(`did not answer within ${seconds(options.timeoutMs)} (--interceptor-timeout)`),
      options.timeoutMs,
    )
    const stdout = collect(child.stdout, max, () => kill(`wrote more than ${max} bytes`))
    logStderr(child.stderr, spec, options.logger)
    child.on('error', (err) => {
      failure ??= `could not be started: ${err.message}`
    })
    child.on('close', (code, signal) => {
      clearTimeout(timer)
      if (failure) return reject(new InterceptorFailure(failure))
      if (code === 0) return resolve({kind: 'output', text: stdout()})
      if (code === REFUSE_EXIT_CODE) return resolve({kind: 'refused', text: stdout()})
      reject(new InterceptorFailure(code === null ? `was killed (${signal})` : `exited with code ${code}`))
    })
    // A command that does not read its input is fine: its stdin closing early is not a failure.
    child.stdin.on('error', () => {})
    child.stdin.end(payload)
  })
}

async function runHttp(
  spec: InterceptorSpec,
  payload: string,
  options: RunnerOptions,
): Promise<InterceptorOutcome> {
  const max = options.maxOutputBytes ?? DEFAULT_MAX_OUTPUT_BYTES
  const url = new URL(spec.url!.href)
  const headers: Record<string, string> = {'content-type': 'application/json', accept: 'application/json'}
  // fetch refuses URLs with credentials: they become a Basic authorization header (and stay out of logs).
  if (url.username || url.password) {
    const user = decodeURIComponent(url.username)
    const password = decodeURIComponent(url.password)
    headers.authorization = `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`
    url.username = ''
    url.password = ''
  }
  const signal = AbortSignal.timeout(options.timeoutMs)
  const timedOut = () =>
    new InterceptorFailure(`did not answer within ${seconds(options.timeoutMs)} (--interceptor-timeout)`)
  let response: Response
  try {
    // Only the URL given: no redirect is followed, and no proxy from the environment is used (fetch reads none).
    response = await fetch(url, {method: 'POST', body: payload, headers, redirect: 'manual', signal})
  } catch (err) {
    if (signal.aborted) throw timedOut()
    const cause = (err as {cause?: {code?: string; message?: string}}).cause
    throw new InterceptorFailure(
      `could not be reached: ${cause?.code ?? cause?.message ?? (err as Error).message}`,
    )
  }
  let body: string
  try {
    body = await readBody(response, max)
  } catch (err) {
    if (signal.aborted) throw timedOut()
    throw err
  }
  if (response.status === REFUSE_HTTP_STATUS) return {kind: 'refused', text: body}
  if (response.status < 200 || response.status > 299)
    throw new InterceptorFailure(
      `answered HTTP ${response.status}${response.status >= 300 && response.status < 400 ? ' (redirects are not followed)' : ''}`,
    )
  return {kind: 'output', text: body}
}

async function readBody(response: Response, max: number): Promise<string> {
  if (!response.body) return ''
  const reader = response.body.getReader()
  const chunks: Uint8Array[] = []
  let size = 0
  for (;;) {
    const {done, value} = await reader.read()
    if (done) break
    size += value.length
    if (size > max) {
      await reader.cancel().catch(() => {})
      throw new InterceptorFailure(`answered more than ${max} bytes`)
    }
    chunks.push(value)
  }
  return Buffer.concat(chunks).toString('utf8')
}

/**
 * A docker interceptor's container: hardened as our server containers are (init, no-new-privileges, every
 * capability dropped, a pids limit, one CPU, a memory limit, a read-only root with a tmpfs /tmp), no
 * network unless its argument says `--network`, removed when it ends, and labelled with the gateway's
 * labels so that the gateway's cleanup (and the orphan sweep after a crash) finds it.
 */
export function interceptorContainerSpec(
  spec: InterceptorSpec,
  docker: DockerInterceptorArg,
  gatewayLabels: Record<string, string>,
): ContainerSpec {
  const memory = parseMemory(docker.memory ?? DEFAULT_DOCKER_MEMORY)
  const hostConfig: ContainerSpec['HostConfig'] = {
    Init: true,
    AutoRemove: true,
    SecurityOpt: ['no-new-privileges'],
    NetworkMode: docker.network,
    CapDrop: ['ALL'],
    PidsLimit: DEFAULT_PIDS_LIMIT,
    ReadonlyRootfs: true,
    Tmpfs: {...READ_ONLY_TMPFS},
    NanoCpus: 1e9,
  }
  if (memory > 0) hostConfig.Memory = memory
  return {
    Image: docker.image,
    Cmd: docker.args,
    Env: [],
    Labels: {
      ...gatewayLabels,
      [LABEL_MANAGED]: 'true',
      'docker-mcp-tool-type': 'interceptor',
      [LABEL_INTERCEPTOR]: String(spec.index),
    },
    ...ATTACHED_STDIO,
    HostConfig: hostConfig,
  }
}

async function runDocker(
  spec: InterceptorSpec,
  payload: string,
  options: RunnerOptions,
): Promise<InterceptorOutcome> {
  const start = options.startContainer
  if (!start) throw new InterceptorFailure('cannot run: no Docker engine is configured')
  let timer: NodeJS.Timeout | undefined
  const deadline = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), options.timeoutMs)
  })
  try {
    const started = start(interceptorContainerSpec(spec, spec.docker!, options.gatewayLabels ?? {}))
    const container = await Promise.race([started, deadline]).catch((err: unknown) => {
      throw startFailure(err, spec.docker!.image)
    })
    if (container === 'timeout') {
      void started.then(
        (c) => c.remove(),
        () => {},
      )
      throw new InterceptorFailure(
        `did not start within ${seconds(options.timeoutMs)} (--interceptor-timeout)`,
      )
    }
    return await awaitContainer(container, spec, payload, options, deadline)
  } finally {
    clearTimeout(timer)
  }
}

function startFailure(err: unknown, image: string): InterceptorFailure {
  const e = err as {cause?: {statusCode?: number}; statusCode?: number; message?: string}
  if ((e.cause?.statusCode ?? e.statusCode) === 404)
    return new InterceptorFailure(
      `cannot run: image ${image} is not in the Docker engine (interceptor images are never pulled: build or pull it first)`,
    )
  return new InterceptorFailure(`cannot run: ${e.message ?? String(err)}`)
}

async function awaitContainer(
  container: RunningContainer & {exitCode: Promise<number>},
  spec: InterceptorSpec,
  payload: string,
  options: RunnerOptions,
  deadline: Promise<'timeout'>,
): Promise<InterceptorOutcome> {
  const max = options.maxOutputBytes ?? DEFAULT_MAX_OUTPUT_BYTES
  let overflow = false
  const stdout = collect(container.stdout, max, () => {
    overflow = true
    void container.remove()
  })
  logStderr(container.stderr, spec, options.logger)
  container.stdin.on('error', () => {})
  container.stdin.end(payload)
  const ended = await Promise.race([
    Promise.all([container.exitCode, container.exited]).then(([code]) => code),
    deadline,
  ])
  if (ended === 'timeout') {
    await container.remove()
    throw new InterceptorFailure(
      `did not answer within ${seconds(options.timeoutMs)} (--interceptor-timeout)`,
    )
  }
  if (overflow) throw new InterceptorFailure(`wrote more than ${max} bytes`)
  if (ended === 0) return {kind: 'output', text: stdout()}
  if (ended === REFUSE_EXIT_CODE) return {kind: 'refused', text: stdout()}
  throw new InterceptorFailure(`exited with code ${ended}`)
}
