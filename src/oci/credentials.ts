/**
 * Registry credentials the way docker finds them (docker/cli `configfile` and docker-credential-helpers):
 * `credHelpers[<host>]`, else `credsStore`, runs `docker-credential-<name> get` with the server address on
 * stdin; otherwise `auths[<host>]` of config.json (base64 `auth` = `user:password`, or an `identitytoken`).
 * Docker Hub's entry is keyed `https://index.docker.io/v1/`. The secret is read from a pipe or the file,
 * never passed on a command line, and no error message includes it or the helper's output.
 */
import {spawn} from 'node:child_process'
import {promises as fs} from 'node:fs'

import {DockerMcpError, FileFormatError} from '../errors.js'
import {DOCKER_HUB} from './reference.js'

/** The key docker stores Docker Hub credentials under. */
export const DOCKER_HUB_AUTH_KEY = 'https://index.docker.io/v1/'
const HELPER_TIMEOUT_MS = 30_000
const HELPER_MAX_OUTPUT = 64 * 1024

export type Credentials =
  | {kind: 'basic'; username: string; password: string; from: string}
  /** An OAuth2 refresh token (docker's `identitytoken`), exchanged at the token service. */
  | {kind: 'identity-token'; username?: string; token: string; from: string}

interface AuthEntry {
  auth?: unknown
  username?: unknown
  password?: unknown
  identitytoken?: unknown
}

interface DockerConfigFile {
  auths?: Record<string, AuthEntry>
  credsStore?: unknown
  credHelpers?: Record<string, unknown>
}

/** Where to look: config.json's path and the environment (PATH) the helpers run with. */
export interface CredentialSource {
  dockerConfigFile: string
  env: NodeJS.ProcessEnv
}

/** The address docker stores a registry's credentials under. */
export function serverAddress(registry: string): string {
  return registry === DOCKER_HUB ? DOCKER_HUB_AUTH_KEY : registry
}

/** `https://host/v1/` → `host`: how docker compares auths keys written with a scheme or path. */
export function hostnameOf(key: string): string {
  let host = key.replace(/^https?:\/\//i, '')
  host = host.split('/')[0]!
  return host
}

function sameRegistry(key: string, registry: string): boolean {
  const host = hostnameOf(key)
  if (registry === DOCKER_HUB) return ['index.docker.io', 'docker.io', 'registry-1.docker.io'].includes(host)
  return host === registry
}

async function readConfig(file: string): Promise<DockerConfigFile> {
  let text: string
  try {
    text = await fs.readFile(file, 'utf8')
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return {}
    throw new DockerMcpError(`cannot read ${file}: ${(err as Error).message}`)
  }
  if (text.trim() === '') return {}
  try {
    const data = JSON.parse(text) as unknown
    return data && typeof data === 'object' && !Array.isArray(data) ? (data as DockerConfigFile) : {}
  } catch (err) {
    // The message of JSON.parse quotes the text near the error, which may be a credential: only its position.
    const at = /position (\d+)/.exec((err as Error).message)
    const line = at ? text.slice(0, Number(at[1])).split('\n').length : undefined
    throw new FileFormatError(file, 'not valid JSON', line ? {line} : undefined)
  }
}

/** The credentials stored in an `auths` entry, if it holds any. */
export function credentialsFromEntry(entry: AuthEntry, from: string): Credentials | undefined {
  if (typeof entry.identitytoken === 'string' && entry.identitytoken) {
    return {
      kind: 'identity-token',
      token: entry.identitytoken,
      ...(typeof entry.username === 'string' ? {username: entry.username} : {}),
      from,
    }
  }
  if (typeof entry.auth === 'string' && entry.auth) {
    const decoded = Buffer.from(entry.auth, 'base64').toString('utf8')
    const colon = decoded.indexOf(':')
    if (colon <= 0) throw new DockerMcpError(`the "auth" of ${from} is not base64 of "user:password"`)
    return {kind: 'basic', username: decoded.slice(0, colon), password: decoded.slice(colon + 1), from}
  }
  if (typeof entry.username === 'string' && typeof entry.password === 'string' && entry.username)
    return {kind: 'basic', username: entry.username, password: entry.password, from}
  return undefined
}

/**
 * The credentials docker would use for `registry`, or undefined (anonymous). A credential helper that fails
 * is an error naming the helper; one that has no credentials for the registry is anonymous access.
 */
export async function findCredentials(
  registry: string,
  source: CredentialSource,
): Promise<Credentials | undefined> {
  const config = await readConfig(source.dockerConfigFile)
  const helpers = config.credHelpers && typeof config.credHelpers === 'object' ? config.credHelpers : {}
  const helperKey = Object.keys(helpers).find((k) => sameRegistry(k, registry))
  const helper = helperKey !== undefined ? helpers[helperKey] : config.credsStore
  if (typeof helper === 'string' && helper) {
    const found = await runCredentialHelper(helper, serverAddress(registry), source.env)
    if (found) return found
  }
  const auths = config.auths && typeof config.auths === 'object' ? config.auths : {}
  const key =
    serverAddress(registry) in auths
      ? serverAddress(registry)
      : Object.keys(auths).find((k) => sameRegistry(k, registry))
  const entry = key !== undefined ? auths[key] : undefined
  if (!entry || typeof entry !== 'object') return undefined
  return credentialsFromEntry(entry, `"auths" entry "${key}" of ${source.dockerConfigFile}`)
}

/**
 * `docker-credential-<name> get`, the server address on stdin, JSON `{ServerURL, Username, Secret}` on
 * stdout (`Username` `<token>` marks an identity token). "credentials not found" is not an error.
 */
export async function runCredentialHelper(
  name: string,
  server: string,
  env: NodeJS.ProcessEnv,
): Promise<Credentials | undefined> {
  if (!/^[A-Za-z0-9][A-Za-z0-9_.-]*$/.test(name))
    throw new DockerMcpError(`credential helper name ${JSON.stringify(name)} in config.json is not valid`)
  const program = `docker-credential-${name}`
  const {code, stdout, failed} = await new Promise<{code: number | null; stdout: string; failed?: Error}>(
    (resolve) => {
      const child = spawn(program, ['get'], {env, stdio: ['pipe', 'pipe', 'ignore']})
      let out = ''
      let size = 0
      const timer = setTimeout(() => child.kill('SIGKILL'), HELPER_TIMEOUT_MS)
      child.stdout.setEncoding('utf8').on('data', (d: string) => {
        size += d.length
        if (size <= HELPER_MAX_OUTPUT) out += d
      })
      child.on('error', (err) => {
        clearTimeout(timer)
        resolve({code: null, stdout: '', failed: err})
      })
      child.on('close', (exit) => {
        clearTimeout(timer)
        resolve({code: exit, stdout: out})
      })
      child.stdin.on('error', () => {})
      child.stdin.end(`${server}\n`)
    },
  )
  if (failed) {
    const missing = (failed as NodeJS.ErrnoException).code === 'ENOENT'
    throw new DockerMcpError(
      missing
        ? `config.json names the credential helper "${name}", but ${program} is not on PATH`
        : `cannot run ${program}: ${failed.message}`,
      {suggestions: [`Install ${program}, or remove "${name}" from credsStore/credHelpers in config.json`]},
    )
  }
  if (code !== 0) {
    // The helpers' own wording for "nothing stored" (docker-credential-helpers credentials.NotFound).
    if (/credentials not found/i.test(stdout)) return undefined
    // The helper's output is not quoted: a broken helper may print anything, a secret included.
    throw new DockerMcpError(`${program} get failed (exit ${code}) for ${server}`, {
      suggestions: [`Check the helper: echo ${server} | ${program} get`],
    })
  }
  let parsed: {Username?: unknown; Secret?: unknown}
  try {
    parsed = JSON.parse(stdout) as typeof parsed
  } catch {
    throw new DockerMcpError(`${program} get answered something that is not JSON for ${server}`)
  }
  const from = `credential helper ${program}`
  if (typeof parsed.Secret !== 'string' || !parsed.Secret) return undefined
  if (parsed.Username === '<token>') return {kind: 'identity-token', token: parsed.Secret, from}
  return {
    kind: 'basic',
    username: typeof parsed.Username === 'string' ? parsed.Username : '',
    password: parsed.Secret,
    from,
  }
}
