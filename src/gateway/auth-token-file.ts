/**
 * `MCP_GATEWAY_AUTH_TOKEN_FILE`: the bearer token read from a file, the `_FILE` convention of official images
 * (postgres, mysql). Docker secrets (Swarm, Compose) and Kubernetes Secret volumes hand a secret to a
 * container as a file (`/run/secrets/<name>`); an environment variable would show it in `docker inspect`,
 * `docker service inspect` and the stack file.
 */
import {readFile} from 'node:fs/promises'

import {UsageError} from '../errors.js'

/** The token the HTTP front door requires: the variable, or the file's first line; undefined when neither. */
export async function authTokenFromEnv(
  env: NodeJS.ProcessEnv,
  read: (file: string) => Promise<string> = (file) => readFile(file, 'utf8'),
): Promise<string | undefined> {
  const file = env.MCP_GATEWAY_AUTH_TOKEN_FILE?.trim()
  if (!file) return env.MCP_GATEWAY_AUTH_TOKEN
  if (env.MCP_GATEWAY_AUTH_TOKEN?.trim()) {
    throw new UsageError(
      'MCP_GATEWAY_AUTH_TOKEN and MCP_GATEWAY_AUTH_TOKEN_FILE are both set: set only one of them.',
    )
  }
  let text: string
  try {
    text = await read(file)
  } catch (err) {
    // The error names the file and the reason, never the content.
    throw new UsageError(
      `cannot read MCP_GATEWAY_AUTH_TOKEN_FILE "${file}": ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`,
    )
  }
  const token = text.split(/\r?\n/, 1)[0]!.trim()
  if (!token)
    throw new UsageError(`MCP_GATEWAY_AUTH_TOKEN_FILE "${file}" is empty: put the token on its first line.`)
  return token
}
