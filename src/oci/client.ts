/**
 * A session with one repository of a registry, over the Registry HTTP API v2 (OCI distribution spec):
 * requests, and the authentication a registry asks for. A 401 names the scheme in `WWW-Authenticate`:
 * `Basic` takes the stored credentials as they are; `Bearer realm=…,service=…,scope=…` sends them (or
 * nothing, for anonymous access) to the token service and uses the token it gives. Credentials are looked up
 * only when a registry asks, and never sent to a token service over plain http off this machine.
 */
import {DockerMcpError} from '../errors.js'
import type {Credentials} from './credentials.js'
import {isLoopbackRegistry, registryUrl, type ArtifactReference} from './reference.js'

const TIMEOUT_MS = 60_000
const MAX_TOKEN_BYTES = 1024 * 1024
const MAX_REDIRECTS = 5

/** The registry answered, but not what was asked: `status` and the registry's error codes. */
export class RegistryApiError extends DockerMcpError {
  constructor(
    message: string,
    readonly status: number,
    readonly codes: string[],
    options: {suggestions?: string[]} = {},
  ) {
    super(message, options)
  }
}

export interface SessionOptions {
  /** `pull`, or `pull,push` for a push (the scope asked of a token service). */
  actions: 'pull' | 'pull,push'
  /** Looked up the first time the registry asks for credentials. */
  credentials: () => Promise<Credentials | undefined>
  fetch?: typeof fetch
}

export interface RequestOptions {
  headers?: Record<string, string>
  body?: Buffer
  /** Statuses handed back to the caller rather than turned into an error (404 for "is it there?"). */
  accept?: number[]
}

interface Challenge {
  scheme: string
  params: Map<string, string>
}

/** `Bearer realm="https://auth",service="registry",scope="a,b"` → scheme and parameters. */
export function parseChallenge(header: string): Challenge | undefined {
  const m = /^\s*(\w+)\s*(.*)$/s.exec(header)
  if (!m) return undefined
  const params = new Map<string, string>()
  for (const p of m[2]!.matchAll(/(\w+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^,\s]*))/g))
    params.set(p[1]!.toLowerCase(), (p[2] ?? p[3] ?? '').replace(/\\(.)/g, '$1'))
  return {scheme: m[1]!.toLowerCase(), params}
}

export class RegistrySession {
  private authorization: string | undefined
  private credentialsLoaded = false
  private credentials: Credentials | undefined
  private readonly fetchImpl: typeof fetch
  readonly base: string

  constructor(
    readonly ref: ArtifactReference,
    private readonly options: SessionOptions,
  ) {
    this.fetchImpl = options.fetch ?? fetch
    this.base = `${registryUrl(ref)}/v2/${ref.repository}/`
  }

  /** `what` for messages: `127.0.0.1:5000/team/catalog`. */
  get name(): string {
    return `${this.ref.registry}/${this.ref.repository}`
  }

  /**
   * One request (`path` relative to `/v2/<repository>/`, or an absolute upload URL the registry gave).
   * Authenticates when asked and retries once; a status not ok and not in `accept` is an error.
   */
  async request(method: string, path: string, options: RequestOptions = {}): Promise<Response> {
    const url = new URL(path, this.base)
    let res = await this.send(method, url, options)
    if (res.status === 401) {
      const challenge = res.headers.get('www-authenticate')
      await res.body?.cancel()
      await this.authenticate(challenge)
      res = await this.send(method, url, options)
      if (res.status === 401 || res.status === 403) throw await this.unauthorized(res)
    }
    if (res.status === 403) throw await this.unauthorized(res)
    if (res.ok || options.accept?.includes(res.status)) return res
    throw await this.apiError(res, `${method} ${url.pathname}`)
  }

  /** The registry's error for an unexpected status: its codes and messages, which name no secret. */
  async apiError(res: Response, what: string): Promise<RegistryApiError> {
    const {codes, messages} = await readErrors(res)
    const detail = messages.length ? `: ${messages.join('; ')}` : ''
    return new RegistryApiError(
      `${this.ref.registry} answered ${res.status} to ${what}${detail}`,
      res.status,
      codes,
    )
  }

  private async unauthorized(res: Response): Promise<RegistryApiError> {
    const {codes, messages} = await readErrors(res)
    const how = this.credentials
      ? `with the credentials from ${this.credentials.from}`
      : 'without credentials'
    const push = this.options.actions.includes('push')
    return new RegistryApiError(
      `${this.ref.registry} refused to let you ${push ? 'push to' : 'pull from'} ${this.ref.repository} ${how} (${res.status}${messages.length ? `: ${messages.join('; ')}` : ''})`,
      res.status,
      codes,
      {
        suggestions: [
          `Log in: docker login ${this.ref.registry === 'docker.io' ? '' : this.ref.registry}`.trimEnd(),
          'Check that the repository exists and that your account may access it.',
        ],
      },
    )
  }

  private async loadCredentials(): Promise<Credentials | undefined> {
    if (!this.credentialsLoaded) {
      this.credentials = await this.options.credentials()
      this.credentialsLoaded = true
    }
    return this.credentials
  }

  private async authenticate(header: string | null): Promise<void> {
    const challenge = header ? parseChallenge(header) : undefined
    if (challenge?.scheme === 'basic') {
      const creds = await this.loadCredentials()
      if (!creds)
        throw new RegistryApiError(
          `${this.ref.registry} requires credentials, and none are stored for it`,
          401,
          [],
          {
            suggestions: [`Log in first: docker login ${this.ref.registry}`],
          },
        )
      if (creds.kind !== 'basic')
        throw new RegistryApiError(
          `${this.ref.registry} asks for a password, but ${creds.from} holds an identity token`,
          401,
          [],
        )
      this.authorization = `Basic ${Buffer.from(`${creds.username}:${creds.password}`).toString('base64')}`
      return
    }
    if (challenge?.scheme === 'bearer') {
      this.authorization = `Bearer ${await this.token(challenge.params)}`
      return
    }
    throw new RegistryApiError(
      `${this.ref.registry} asks for authentication this client does not speak (${header ?? 'no WWW-Authenticate header'})`,
      401,
      [],
    )
  }

  /** A token from the service named by a Bearer challenge, for this repository and these actions. */
  private async token(params: Map<string, string>): Promise<string> {
    const realm = params.get('realm')
    let url: URL
    try {
      url = new URL(realm ?? '')
    } catch {
      throw new RegistryApiError(
        `${this.ref.registry} names an unusable token service "${realm ?? ''}"`,
        401,
        [],
      )
    }
    const insecure = url.protocol !== 'https:' && !(url.protocol === 'http:' && isLoopbackRegistry(url.host))
    if (insecure)
      throw new RegistryApiError(
        `${this.ref.registry} names a token service over plain http (${url.origin}): refused, it would see your credentials`,
        401,
        [],
      )
    const service = params.get('service')
    const scope = `repository:${this.ref.repository}:${this.options.actions}`
    const creds = await this.loadCredentials()
    let res: Response
    try {
      if (creds?.kind === 'identity-token') {
        // docker's OAuth2 exchange of an identity (refresh) token: a POSTed form.
        const form = new URLSearchParams({
          grant_type: 'refresh_token',
          refresh_token: creds.token,
          client_id: 'docker-mcp',
          scope,
          ...(service ? {service} : {}),
        })
        res = await this.fetchImpl(url, {
          method: 'POST',
          headers: {'content-type': 'application/x-www-form-urlencoded'},
          body: form.toString(),
          signal: AbortSignal.timeout(TIMEOUT_MS),
        })
      } else {
        if (service) url.searchParams.set('service', service)
        url.searchParams.set('scope', scope)
        const headers: Record<string, string> = {}
        if (creds?.kind === 'basic')
          headers.authorization = `Basic ${Buffer.from(`${creds.username}:${creds.password}`).toString('base64')}`
        res = await this.fetchImpl(url, {headers, signal: AbortSignal.timeout(TIMEOUT_MS)})
      }
    } catch (err) {
      throw new DockerMcpError(
        `cannot reach the token service of ${this.ref.registry} (${url.origin}): ${networkMessage(err)}`,
      )
    }
    if (res.status === 401 || res.status === 403) throw await this.unauthorized(res)
    if (!res.ok) throw await this.apiError(res, `the token request to ${url.origin}`)
    const body = await readLimitedText(res, MAX_TOKEN_BYTES, `the token service's answer`)
    let token: unknown
    try {
      const parsed = JSON.parse(body) as {token?: unknown; access_token?: unknown}
      token = parsed.token ?? parsed.access_token
    } catch {
      token = undefined
    }
    if (typeof token !== 'string' || !token)
      throw new DockerMcpError(`the token service of ${this.ref.registry} gave no token`)
    return token
  }

  private async send(method: string, url: URL, options: RequestOptions): Promise<Response> {
    let target = url
    for (let hop = 0; ; hop++) {
      const sameOrigin = target.origin === url.origin
      const headers: Record<string, string> = {...options.headers}
      // Credentials go to the registry only, never to where it redirects (blob storage, a CDN).
      if (this.authorization && sameOrigin) headers.authorization = this.authorization
      let res: Response
      try {
        res = await this.fetchImpl(target, {
          method,
          headers,
          ...(options.body ? {body: options.body} : {}),
          redirect: 'manual',
          signal: AbortSignal.timeout(TIMEOUT_MS),
        })
      } catch (err) {
        throw new DockerMcpError(`cannot reach registry ${this.ref.registry}: ${networkMessage(err)}`, {
          suggestions: [
            `Check the address (${this.ref.registry}), that the registry is running, and your network or proxy.`,
          ],
        })
      }
      const location = res.headers.get('location')
      if (
        [301, 302, 303, 307, 308].includes(res.status) &&
        location &&
        (method === 'GET' || method === 'HEAD')
      ) {
        await res.body?.cancel()
        if (hop >= MAX_REDIRECTS)
          throw new DockerMcpError(`${this.ref.registry}: too many redirects for ${url.pathname}`)
        const next = new URL(location, target)
        if (
          next.protocol !== 'https:' &&
          !(next.protocol === 'http:' && isLoopbackRegistry(next.host)) &&
          target.protocol === 'https:'
        )
          throw new DockerMcpError(
            `${this.ref.registry} redirected ${url.pathname} to plain http (${next.origin})`,
          )
        target = next
        continue
      }
      return res
    }
  }
}

/** The node/undici cause of a failed fetch (`connect ECONNREFUSED 127.0.0.1:1`), not "fetch failed". */
export function networkMessage(err: unknown): string {
  const e = err as Error & {cause?: {message?: string; code?: string}}
  if (e?.name === 'TimeoutError') return 'no answer in time'
  return e?.cause?.message || e?.cause?.code || e?.message || String(err)
}

async function readErrors(res: Response): Promise<{codes: string[]; messages: string[]}> {
  let text = ''
  try {
    text = await readLimitedText(res, 64 * 1024, 'error body')
  } catch {
    return {codes: [], messages: []}
  }
  try {
    const parsed = JSON.parse(text) as {errors?: Array<{code?: unknown; message?: unknown}>}
    const errors = Array.isArray(parsed.errors) ? parsed.errors : []
    return {
      codes: errors.map((e) => String(e.code ?? '')).filter(Boolean),
      messages: errors
        .map((e) => [e.code, e.message].filter((x) => typeof x === 'string' && x).join(' '))
        .filter(Boolean)
        .map((m) => m.slice(0, 300)),
    }
  } catch {
    return {codes: [], messages: []}
  }
}

/** Read a response body up to `limit` bytes; larger is an error (a registry is not trusted with our memory). */
export async function readLimited(
  res: Response,
  limit: number,
  what: string,
  onChunk?: (received: number) => void,
): Promise<Buffer> {
  const chunks: Buffer[] = []
  let size = 0
  for await (const chunk of res.body ?? []) {
    size += (chunk as Uint8Array).byteLength
    // Leaving the loop by a throw cancels the stream.
    if (size > limit) throw new DockerMcpError(`${what} is larger than ${limit} bytes`)
    chunks.push(Buffer.from(chunk as Uint8Array))
    onChunk?.(size)
  }
  return Buffer.concat(chunks)
}

async function readLimitedText(res: Response, limit: number, what: string): Promise<string> {
  return (await readLimited(res, limit, what)).toString('utf8')
}
