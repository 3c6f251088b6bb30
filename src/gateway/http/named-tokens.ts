import {createHash, randomBytes, timingSafeEqual} from 'node:crypto'
import {readFileSync, statSync} from 'node:fs'
import {readFile} from 'node:fs/promises'

import {DockerMcpError, FileFormatError, UsageError} from '../../errors.js'
import {writeFileAtomic} from '../../fs/atomic.js'
import {withFileLock} from '../../fs/lock.js'
import type {McpPaths} from '../../paths.js'

/**
 * Named gateway tokens (`docker mcp gateway token create|ls|rm NAME`): each one a caller of its own,
 * `token:<name>`, for access policy, rate limits and the audit log. The file
 * (`~/.docker/mcp/gateway-tokens.json`, 0600) holds only each token's SHA-256: a token is 256 random bits,
 * so a fast hash is enough (no password to stretch), and a copy of the file lets nobody in. The token
 * itself is shown once, by `create`.
 */
export interface StoredToken {
  name: string
  /** Hex SHA-256 of the token. */
  sha256: string
  /** ISO 8601, when it was created. */
  created: string
}

/** What `token ls` shows: never the token or its hash. */
export interface TokenListing {
  name: string
  created: string
}

interface TokenFile {
  version: 1
  tokens: StoredToken[]
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/
/** Tokens begin so (a scanner can tell what leaked: a docker-mcp gateway token). */
export const TOKEN_PREFIX = 'dmcp_'

export function checkTokenName(name: string): void {
  if (!NAME.test(name))
    throw new UsageError(
      `invalid token name "${name}": use letters, digits, ".", "_" and "-" (at most 63, starting with a letter or digit)`,
    )
  if (name === 'default')
    throw new UsageError(
      'the name "default" is the gateway\'s own token (MCP_GATEWAY_AUTH_TOKEN, caller token:default): choose another',
    )
}

function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex')
}

function parseTokenFile(file: string, text: string): TokenFile {
  let data: unknown
  try {
    data = JSON.parse(text)
  } catch (err) {
    throw new FileFormatError(file, `not JSON: ${(err as Error).message}`)
  }
  const tokens = (data as {tokens?: unknown} | null)?.tokens
  if (!Array.isArray(tokens)) throw new FileFormatError(file, 'expected {"version": 1, "tokens": [...]}')
  tokens.forEach((t: Partial<StoredToken>, i) => {
    if (typeof t?.name !== 'string' || typeof t.sha256 !== 'string' || !/^[0-9a-f]{64}$/.test(t.sha256))
      throw new FileFormatError(file, `tokens[${i}]: expected {"name", "sha256" (64 hex digits), "created"}`)
  })
  return {version: 1, tokens: tokens as StoredToken[]}
}

async function readTokens(file: string): Promise<TokenFile> {
  try {
    return parseTokenFile(file, await readFile(file, 'utf8'))
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return {version: 1, tokens: []}
    throw err
  }
}

async function writeTokens(paths: McpPaths, data: TokenFile): Promise<void> {
  await writeFileAtomic(paths.gatewayTokens, `${JSON.stringify(data, null, 2)}\n`, {
    privateRoot: paths.mcpDir,
  })
}

/** Create a token: the only time it exists outside the caller's hands. */
export async function createToken(
  paths: McpPaths,
  name: string,
  now: Date = new Date(),
): Promise<{name: string; token: string; created: string}> {
  checkTokenName(name)
  const token = TOKEN_PREFIX + randomBytes(32).toString('base64url')
  const created = now.toISOString()
  await withFileLock(paths.gatewayTokens, async () => {
    const data = await readTokens(paths.gatewayTokens)
    if (data.tokens.some((t) => t.name === name))
      throw new DockerMcpError(`a gateway token named "${name}" exists`, {
        suggestions: [`Remove it first to replace it: docker mcp gateway token rm ${name}`],
      })
    data.tokens.push({name, sha256: hashToken(token), created})
    await writeTokens(paths, data)
  })
  return {name, token, created}
}

export async function listTokens(paths: McpPaths): Promise<TokenListing[]> {
  const {tokens} = await readTokens(paths.gatewayTokens)
  return tokens.map(({name, created}) => ({name, created})).sort((a, b) => (a.name < b.name ? -1 : 1))
}

/** Remove tokens by name; a running gateway stops accepting them at its next request. */
export async function removeTokens(paths: McpPaths, names: readonly string[]): Promise<void> {
  await withFileLock(paths.gatewayTokens, async () => {
    const data = await readTokens(paths.gatewayTokens)
    const missing = names.filter((n) => !data.tokens.some((t) => t.name === n))
    if (missing.length > 0)
      throw new DockerMcpError(`no gateway token named ${missing.map((n) => `"${n}"`).join(', ')}`, {
        suggestions: ['List them with: docker mcp gateway token ls'],
      })
    data.tokens = data.tokens.filter((t) => !names.includes(t.name))
    await writeTokens(paths, data)
  })
}

/**
 * The named tokens as the gateway checks them. The file is looked at (one stat) on each request and read
 * again when it changed, so `token create` and `token rm` take effect on a running gateway at once.
 */
export class NamedTokens {
  private stamp = ''
  private hashes: Array<{name: string; hash: Buffer}> = []

  constructor(
    readonly file: string,
    private readonly warn: (message: string) => void = () => {},
  ) {}

  private refresh(): void {
    let stamp: string
    try {
      const s = statSync(this.file)
      stamp = `${s.mtimeMs}:${s.size}:${s.ino}`
    } catch {
      stamp = 'none'
    }
    if (stamp === this.stamp) return
    this.stamp = stamp
    if (stamp === 'none') {
      this.hashes = []
      return
    }
    try {
      this.hashes = parseTokenFile(this.file, readFileSync(this.file, 'utf8')).tokens.map((t) => ({
        name: t.name,
        hash: Buffer.from(t.sha256, 'hex'),
      }))
    } catch (err) {
      // Half a file never reaches here (writes are atomic); a hand-edited broken one admits nobody.
      this.hashes = []
      this.warn(`- ${(err as Error).message}: no named token is accepted until it is fixed`)
    }
  }

  /**
   * The name of the token `presented` is, or undefined. Every stored hash is compared, in constant time,
   * whichever matches: the time taken says nothing about which token, or how much of one, was right.
   */
  match(presented: string): string | undefined {
    this.refresh()
    if (this.hashes.length === 0) return undefined
    const hash = createHash('sha256').update(presented).digest()
    let found: string | undefined
    for (const t of this.hashes) if (timingSafeEqual(hash, t.hash) && found === undefined) found = t.name
    return found
  }
}
