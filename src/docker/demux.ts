import {Readable} from 'node:stream'

/** The engine's multiplexed attach stream: an 8-byte header (stream type, 3 zero bytes, length), then the payload. */
const HEADER_BYTES = 8

/** Streams read from a container's attach stream, split by the engine's frame headers (see `demux`). */
export interface Demuxed {
  stdout: Readable
  stderr: Readable
}

/**
 * Split a container's attach stream (stdin open, no TTY) into its stdout and stderr, as the docker CLI
 * does (stdcopy). Unlike dockerode's `demuxStream` it copies nothing: each frame's payload is handed on as
 * a view of the chunk it arrived in (that one concatenated the unread rest of every chunk, then copied it
 * again per frame), and the outputs are plain readables fed with `push`, not PassThrough streams (no
 * writable side, no transform per chunk). This is on the gateway's hot path: every answer of every server
 * passes here. A stream whose first byte is no stream type (a TTY's) is passed on as stdout, as dockerode
 * does.
 */
export function demux(source: NodeJS.ReadableStream): Demuxed {
  // Nothing to do when asked for more: the engine's socket is read as fast as it writes (as dockerode did).
  const stdout = new Readable({read() {}})
  const stderr = new Readable({read() {}})
  const header = Buffer.alloc(HEADER_BYTES)
  let headerHave = 0
  /** Payload bytes of the current frame still to come, and where they go. */
  let remaining = 0
  let target: Readable = stdout
  let raw = false
  let ended = false

  const onData = (chunk: Buffer) => {
    if (raw) {
      stdout.push(chunk)
      return
    }
    let at = 0
    while (at < chunk.length) {
      if (remaining > 0) {
        const end = Math.min(chunk.length, at + remaining)
        target.push(chunk.subarray(at, end))
        remaining -= end - at
        at = end
        continue
      }
      // A header, whole in this chunk (the usual case) or split across chunks.
      let bytes = chunk
      let offset = at
      if (headerHave === 0 && chunk.length - at >= HEADER_BYTES) {
        at += HEADER_BYTES
      } else {
        const take = Math.min(HEADER_BYTES - headerHave, chunk.length - at)
        chunk.copy(header, headerHave, at, at + take)
        headerHave += take
        at += take
        if (headerHave < HEADER_BYTES) return
        headerHave = 0
        bytes = header
        offset = 0
      }
      // Docker's stdcopy: 0 (stdin) and 1 go to stdout, 2 to stderr; anything else is no frame header.
      const type = bytes[offset]!
      if (type > 2) {
        // Not a multiplexed stream (a TTY's): everything from the supposed header on is output.
        raw = true
        stdout.push(Buffer.concat([bytes.subarray(offset, offset + HEADER_BYTES), chunk.subarray(at)]))
        return
      }
      target = type === 2 ? stderr : stdout
      remaining = bytes.readUInt32BE(offset + 4)
    }
  }
  const end = () => {
    if (ended) return
    ended = true
    source.removeListener('data', onData)
    stdout.push(null)
    stderr.push(null)
  }
  source.on('data', onData)
  source.once('end', end)
  source.once('close', end)
  source.once('error', end)
  return {stdout, stderr}
}
