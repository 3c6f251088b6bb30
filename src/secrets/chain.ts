import path from 'node:path'

/**
 * `gateway run --secrets`, as Docker's plugin writes it: a colon-separated list in which `docker-desktop`
 * names the secret store (for us: the OS keychain, and its fallback file) and anything else is a `.env`
 * file. Several flags add up, in order. Unlike the original, which used the first element that could be
 * read and nothing else, every element is a fallback for the ones before it, secret by secret.
 */
export type SecretSourceSpec = {kind: 'store'} | {kind: 'env-file'; path: string}

/** The element that names our secret store (the original's Docker Desktop secrets). */
export const STORE_ELEMENT = 'docker-desktop'

/**
 * Split one `--secrets` value at its colons. A Windows drive letter is not a separator: `C:\x\.env` and
 * `C:/x/.env` stay whole (the original split them into `C` and `\x\.env`). Empty elements are dropped.
 */
export function splitSecretsList(value: string): string[] {
  const pieces = value.split(':')
  const out: string[] = []
  for (let i = 0; i < pieces.length; i++) {
    const piece = pieces[i]!
    const next = pieces[i + 1]
    if (/^[A-Za-z]$/.test(piece) && next !== undefined && /^[\\/]/.test(next)) {
      out.push(`${piece}:${next}`)
      i++
    } else if (piece.trim() !== '') out.push(piece.trim())
  }
  return out
}

/** Every `--secrets` value, in order, as sources; `cwd` resolves relative `.env` paths. */
export function parseSecretsFlag(values: readonly string[], cwd: string): SecretSourceSpec[] {
  return values
    .flatMap(splitSecretsList)
    .map((element) =>
      element === STORE_ELEMENT ? {kind: 'store'} : {kind: 'env-file', path: path.resolve(cwd, element)},
    )
}
