import {DockerMcpError} from '../errors.js'
import {MAX_FILE_BYTES} from './yaml-file.js'

/** Downloads are short: the catalog is small, and an offline machine should get its answer quickly. */
export const FETCH_TIMEOUT_MS = 10_000

function causeText(err: unknown): string {
  const e = err as {name?: string; message?: string; cause?: {code?: string; message?: string}}
  if (e.name === 'TimeoutError' || e.name === 'AbortError') return 'timed out'
  if (e.cause?.code) return `${e.cause.code}${e.cause.message ? ` (${e.cause.message})` : ''}`
  return e.cause?.message ?? e.message ?? String(err)
}

/**
 * Download a text file with a timeout and a size cap. Errors say what failed and that nothing was changed:
 * callers only write after a successful, validated download.
 */
export async function fetchText(url: string, options: {timeoutMs?: number} = {}): Promise<string> {
  const fail = (detail: string) =>
    new DockerMcpError(`could not download ${url}: ${detail}; nothing was changed`, {
      suggestions: ['Check the network connection (and proxy settings), or import a local file instead.'],
    })
  let response: Response
  try {
    response = await fetch(url, {
      signal: AbortSignal.timeout(options.timeoutMs ?? FETCH_TIMEOUT_MS),
      headers: {accept: 'application/yaml, text/yaml, application/json, text/plain, */*'},
    })
  } catch (err) {
    throw fail(causeText(err))
  }
  if (!response.ok) throw fail(`HTTP ${response.status} ${response.statusText}`.trim())
  const declared = Number(response.headers.get('content-length') ?? '0')
  if (declared > MAX_FILE_BYTES) throw fail(`the file is too large (${declared} bytes)`)
  // Read incrementally so a server that lies about (or omits) the length cannot make us buffer gigabytes.
  const reader = response.body?.getReader()
  if (!reader) return ''
  const chunks: Uint8Array[] = []
  let total = 0
  try {
    for (;;) {
      const {done, value} = await reader.read()
      if (done) break
      total += value.byteLength
      if (total > MAX_FILE_BYTES) {
        await reader.cancel()
        throw fail(`the file is larger than ${MAX_FILE_BYTES} bytes`)
      }
      chunks.push(value)
    }
  } catch (err) {
    if (err instanceof DockerMcpError) throw err
    throw fail(causeText(err))
  }
  return Buffer.concat(chunks).toString('utf8')
}
