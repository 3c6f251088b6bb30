import type http from 'node:http'

/** The request body exceeds `--max-body-size`. */
export class BodyTooLarge extends Error {}

/**
 * Read a request body, refusing it past `max` bytes. A declared Content-Length over the cap is refused
 * before reading; a chunked body (no Content-Length) is counted as it arrives and refused at the first
 * chunk that crosses the cap, so neither form can make the gateway buffer more than `max`.
 */
export async function readBody(req: http.IncomingMessage, max: number): Promise<Buffer> {
  const declared = Number(req.headers['content-length'])
  if (Number.isFinite(declared) && declared > max) throw new BodyTooLarge()
  const chunks: Buffer[] = []
  let size = 0
  for await (const chunk of req) {
    size += (chunk as Buffer).length
    if (size > max) throw new BodyTooLarge()
    chunks.push(chunk as Buffer)
  }
  return Buffer.concat(chunks)
}

/**
 * Read and throw away what is left of a refused request body, at most `maxBytes` or `ms`: a client still
 * sending when the connection closes sees EPIPE instead of our answer (a 413 it could act on). Nothing is
 * kept, so the cost is bounded bandwidth, never memory.
 */
export function discardBody(req: http.IncomingMessage, maxBytes: number, ms: number): Promise<void> {
  return new Promise((resolve) => {
    if (req.readableEnded || req.destroyed) return resolve()
    let seen = 0
    const done = () => {
      clearTimeout(timer)
      req.off('data', onData).off('end', done).off('error', done)
      req.pause()
      resolve()
    }
    const onData = (chunk: Buffer) => {
      seen += chunk.length
      if (seen > maxBytes) done()
    }
    const timer = setTimeout(done, ms)
    req.on('data', onData).once('end', done).once('error', done)
    req.resume()
  })
}

export const NOT_JSON = Symbol('not JSON')

/** The request body as JSON, or NOT_JSON; BodyTooLarge past the cap. */
export async function readJsonBody(req: http.IncomingMessage, max: number): Promise<unknown> {
  const body = await readBody(req, max)
  try {
    return JSON.parse(body.toString('utf8'))
  } catch {
    return NOT_JSON
  }
}
