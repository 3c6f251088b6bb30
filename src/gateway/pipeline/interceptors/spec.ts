/**
 * `--interceptor when:type:arg`, the original's syntax: `when` is `before` or `after`, `type` is `exec`,
 * `docker` or `http`, and `arg` is everything after the second colon (it may hold colons itself: a URL, an
 * image tag). Parsing is pure and happens when the flags are read, so a bad value is a usage error before
 * the gateway starts anything.
 */
import {UsageError} from '../../../errors.js'

export type InterceptorWhen = 'before' | 'after'
export type InterceptorType = 'exec' | 'docker' | 'http'

/** Default `--interceptor-timeout`, in seconds. */
export const DEFAULT_INTERCEPTOR_TIMEOUT_SECONDS = 10

/** What a `docker` interceptor runs: an image, a few `docker run` options we allow, and its arguments. */
export interface DockerInterceptorArg {
  image: string
  args: string[]
  /** `--network=NAME`: none unless the user says otherwise. */
  network: string
  /** `--memory=SIZE` as written (parsed by the runner with the gateway's own `--memory` rules). */
  memory: string | undefined
}

export interface InterceptorSpec {
  when: InterceptorWhen
  type: InterceptorType
  /** The flag's third part, as written. */
  arg: string
  /** 1-based position among the `--interceptor` flags: stages run in this order. */
  index: number
  /**
   * How errors and logs name it: position, when, type and what it runs, without anything that may hold a
   * secret (an exec command's arguments, a URL's user, password, query or fragment, a docker argument).
   */
  label: string
  /** For `docker`: the parsed argument. */
  docker?: DockerInterceptorArg
  /** For `http`: the URL (validated: http or https). */
  url?: URL
}

const FORM =
  'expected when:type:arg, e.g. before:exec:/path/to/check.sh, after:http:http://127.0.0.1:9000/after or before:docker:my-image arg'

/** Parse one `--interceptor` value (1-based `index`), or throw a UsageError naming the value. */
export function parseInterceptor(value: string, index: number): InterceptorSpec {
  const first = value.indexOf(':')
  const second = first === -1 ? -1 : value.indexOf(':', first + 1)
  if (second === -1) throw new UsageError(`invalid --interceptor "${value}": ${FORM}`)
  const when = value.slice(0, first).trim().toLowerCase()
  const type = value
    .slice(first + 1, second)
    .trim()
    .toLowerCase()
  const arg = value.slice(second + 1)
  if (when !== 'before' && when !== 'after')
    throw new UsageError(
      `invalid --interceptor "${value}": when must be "before" or "after", not "${when}"; ${FORM}`,
    )
  if (type !== 'exec' && type !== 'docker' && type !== 'http')
    throw new UsageError(
      `invalid --interceptor "${value}": type must be "exec", "docker" or "http", not "${type}"; ${FORM}`,
    )
  if (arg.trim() === '')
    throw new UsageError(`invalid --interceptor "${value}": nothing after "${when}:${type}:"; ${FORM}`)
  const spec: InterceptorSpec = {when, type, arg, index, label: ''}
  let what: string
  if (type === 'exec') {
    // The program only: its arguments may carry a token.
    what = (arg.trim().split(/\s+/)[0] ?? '').slice(0, 80)
  } else if (type === 'http') {
    let url: URL
    try {
      url = new URL(arg.trim())
    } catch {
      throw new UsageError(
        `invalid --interceptor "${safeValue(value)}": "${safeUrlText(arg)}" is not a URL; ${FORM}`,
      )
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:')
      throw new UsageError(
        `invalid --interceptor "${safeValue(value)}": the URL must start with http:// or https://, not ${url.protocol}//`,
      )
    spec.url = url
    what = `${url.origin}${url.pathname}`
  } else {
    try {
      spec.docker = parseDockerArg(arg)
    } catch (err) {
      throw new UsageError(`invalid --interceptor "${value}": ${(err as Error).message}`)
    }
    what = spec.docker.image
  }
  spec.label = `interceptor ${index} (${when}:${type} ${what})`
  return spec
}

/** Parse every `--interceptor` value, in order. */
export function parseInterceptors(values: readonly string[] | undefined): InterceptorSpec[] {
  return (values ?? []).map((v, i) => parseInterceptor(v, i + 1))
}

/**
 * A docker interceptor's argument: `[--network=NAME] [--memory=SIZE] IMAGE [ARGS...]`. The original runs
 * `docker run --rm --init IMAGE ARGS`, the image being the first word and the rest split like a shell
 * would; we add the two options a least-privileged container may need relaxed, and refuse any other
 * `docker run` option (the original passed them through to the CLI unchecked).
 */
export function parseDockerArg(arg: string): DockerInterceptorArg {
  const words = shellSplit(arg)
  let network = 'none'
  let memory: string | undefined
  while (words.length > 0 && words[0]!.startsWith('-')) {
    const word = words.shift()!
    const eq = word.indexOf('=')
    const name = eq === -1 ? word : word.slice(0, eq)
    const value = eq === -1 ? words.shift() : word.slice(eq + 1)
    if (name !== '--network' && name !== '--memory')
      throw new Error(`"${name}" is not a docker option an interceptor may set (only --network and --memory)`)
    if (!value) throw new Error(`${name} needs a value`)
    if (name === '--network') network = value
    else memory = value
  }
  const image = words.shift()
  if (!image) throw new Error('no image: expected [--network=NAME] [--memory=SIZE] IMAGE [ARGS...]')
  return {image, args: words, network, memory}
}

/**
 * Split a command line into words the way a POSIX shell does for quoting (single quotes, double quotes
 * with backslash escapes, backslash outside quotes), without expansion: what the original's shlex does.
 */
export function shellSplit(text: string): string[] {
  const words: string[] = []
  let word = ''
  let inWord = false
  let quote: "'" | '"' | undefined
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!
    if (quote === "'") {
      if (c === "'") quote = undefined
      else word += c
    } else if (quote === '"') {
      if (c === '"') quote = undefined
      else if (c === '\\' && i + 1 < text.length && '\\"$`\n'.includes(text[i + 1]!)) word += text[++i]
      else word += c
    } else if (c === "'" || c === '"') {
      quote = c
      inWord = true
    } else if (c === '\\') {
      if (i + 1 < text.length) word += text[++i]
      inWord = true
    } else if (/\s/.test(c)) {
      if (inWord) words.push(word)
      word = ''
      inWord = false
    } else {
      word += c
      inWord = true
    }
  }
  if (quote) throw new Error(`unterminated ${quote === "'" ? 'single' : 'double'} quote`)
  if (inWord) words.push(word)
  return words
}

/** A URL as it may be shown: no user, password, query or fragment. */
function safeUrlText(text: string): string {
  return text.replace(/\/\/[^/@]*@/, '//').replace(/[?#].*$/, '')
}

function safeValue(value: string): string {
  return safeUrlText(value)
}
