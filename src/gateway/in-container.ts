/**
 * What changes when the gateway runs in its own image (`DOCKER_MCP_IN_CONTAINER=1`, set by the image, as in
 * Docker's `docker/mcp-gateway`): secrets come from compose's files by default, and server containers join
 * the gateway container's networks, so a server reaches the services beside it in the same compose project
 * (a database, an API) by their service names.
 */
import {access, readFile} from 'node:fs/promises'
import {hostname} from 'node:os'

/** Compose secrets (`secrets: [mcp_secret]`) and an env file mounted at the root: the original's defaults. */
export const CONTAINER_SECRET_FILES = ['/run/secrets/mcp_secret', '/.env'] as const

export function inContainer(env: NodeJS.ProcessEnv): boolean {
  return env.DOCKER_MCP_IN_CONTAINER === '1'
}

/**
 * The `.env` files read when `--secrets` is not given: in the gateway image, those of
 * `CONTAINER_SECRET_FILES` that exist (a compose file may mount either, both or none); on a host, none.
 */
export async function defaultSecretFiles(
  env: NodeJS.ProcessEnv,
  exists: (file: string) => Promise<boolean> = fileExists,
): Promise<string[]> {
  if (!inContainer(env)) return []
  const found: string[] = []
  for (const file of CONTAINER_SECRET_FILES) if (await exists(file)) found.push(file)
  return found
}

async function fileExists(file: string): Promise<boolean> {
  try {
    await access(file)
    return true
  } catch {
    return false
  }
}

/**
 * Networks a server may join: a container's networks minus those that are not networks to share (`host`
 * would hand the server the host's network stack; `none` is no network; `ingress` is Swarm's routing-mesh
 * network, which a task joins when its service publishes a port and no container may be attached to:
 * the engine refuses). Sorted, so the first (the one given at create) is stable.
 */
export function shareableNetworks(networks: readonly string[]): string[] {
  return [...new Set(networks)].filter((n) => !NOT_SHAREABLE.has(n)).sort()
}

const NOT_SHAREABLE = new Set(['host', 'none', 'ingress'])

/**
 * How the gateway finds its own container, in order: `DOCKER_MCP_CONTAINER_ID` if set; the id in the paths of
 * the files docker bind-mounts into every container (`/var/lib/docker/containers/<id>/hostname` in
 * /proc/self/mountinfo); the hostname (docker sets it to the short id, unless compose's `hostname:` renamed
 * it; the original's only way).
 */
export async function ownContainerRefs(
  env: NodeJS.ProcessEnv,
  mountinfo: () => Promise<string> = () => readFile('/proc/self/mountinfo', 'utf8'),
): Promise<string[]> {
  const refs: string[] = []
  const fromEnv = env.DOCKER_MCP_CONTAINER_ID?.trim()
  if (fromEnv) refs.push(fromEnv)
  const text = await mountinfo().catch(() => '')
  const m = /\/containers\/([0-9a-f]{64})\/(?:hostname|hosts|resolv\.conf)/.exec(text)
  if (m) refs.push(m[1]!)
  refs.push(hostname())
  return [...new Set(refs)]
}
