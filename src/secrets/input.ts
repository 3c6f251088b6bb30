import {DockerMcpError, UsageError} from '../errors.js'
import {stripOneTrailingNewline} from './names.js'

/** More than any keychain takes; stops `secret set NAME < /dev/urandom` from eating memory. */
export const MAX_SECRET_BYTES = 1024 * 1024

type Input = NodeJS.ReadableStream & {isTTY?: boolean; setRawMode?: (raw: boolean) => unknown}

function tooLong(): DockerMcpError {
  return new DockerMcpError(`the secret value is longer than ${MAX_SECRET_BYTES} bytes`)
}

function decode(bytes: Buffer): string {
  try {
    return new TextDecoder('utf-8', {fatal: true}).decode(bytes)
  } catch {
    throw new DockerMcpError('the secret value on stdin is not valid UTF-8 text')
  }
}

/** All of a piped stdin, minus exactly one trailing line break (see `stripOneTrailingNewline`). */
async function readPiped(input: Input): Promise<string> {
  const chunks: Buffer[] = []
  let size = 0
  for await (const chunk of input) {
    const buf = typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer)
    size += buf.length
    if (size > MAX_SECRET_BYTES) throw tooLong()
    chunks.push(buf)
  }
  const value = stripOneTrailingNewline(decode(Buffer.concat(chunks)))
  // Nothing piped in is most often `secret set <value>` by mistake (or a script whose input got lost):
  // refuse, without naming the "name". An empty value is still possible, and explicit, with NAME=.
  if (value === '')
    throw new UsageError(
      'no value on stdin: pipe the value in, or use NAME=VALUE (NAME= stores an empty value)',
    )
  return value
}

/** One line typed at a terminal, not echoed. Backspace edits, Enter ends, Ctrl-C cancels. */
function readHidden(input: Input, prompt: (text: string) => void, label: string): Promise<string> {
  // Raw mode before the prompt: keys typed as soon as it shows must not be echoed (or ^C turned into
  // SIGINT) by the terminal's line discipline.
  input.setRawMode?.(true)
  prompt(label)
  return new Promise((resolve, reject) => {
    const bytes: number[] = []
    const finish = (err: Error | undefined) => {
      input.removeListener('data', onData)
      input.setRawMode?.(false)
      input.pause()
      prompt('\n')
      if (err) return reject(err)
      try {
        resolve(decode(Buffer.from(bytes)))
      } catch (decodeError) {
        reject(decodeError as Error)
      }
    }
    const onData = (chunk: Buffer | string) => {
      const buf = typeof chunk === 'string' ? Buffer.from(chunk) : chunk
      for (const byte of buf) {
        if (byte === 0x0d || byte === 0x0a) return finish(undefined)
        if (byte === 0x03)
          return finish(new DockerMcpError('cancelled: no secret was stored', {exitCode: 130}))
        if (byte === 0x04 && bytes.length === 0) return finish(undefined)
        if (byte === 0x7f || byte === 0x08) {
          // Drop one whole UTF-8 character: its continuation bytes are 10xxxxxx, then its lead byte.
          while (bytes.length > 0 && (bytes.at(-1)! & 0xc0) === 0x80) bytes.pop()
          bytes.pop()
          continue
        }
        bytes.push(byte)
        if (bytes.length > MAX_SECRET_BYTES) return finish(tooLong())
      }
    }
    input.on('data', onData)
    input.resume()
  })
}

/**
 * The value for `secret set NAME` (no "="): read from stdin so it stays out of shell history and `ps`.
 * Piped input is read to its end and loses exactly one trailing line break, and must not end up empty;
 * at a terminal the value is typed on one hidden line after `prompt` (written by the caller, to stderr).
 */
export async function readSecretValue(
  input: Input,
  options: {prompt: (text: string) => void; name: string},
): Promise<string> {
  const value =
    input.isTTY && input.setRawMode
      ? await readHidden(input, options.prompt, `Value for secret ${options.name} (input hidden): `)
      : await readPiped(input)
  // Nothing given is most often `secret set <value>` by mistake (or a script whose input got lost):
  // refuse, without naming the "name". An empty value is still possible, and explicit, with NAME=.
  if (value === '')
    throw new UsageError(
      'no value on stdin: pipe the value in, or use NAME=VALUE (NAME= stores an empty value)',
    )
  return value
}
