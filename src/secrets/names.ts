import {DockerMcpError, UsageError} from '../errors.js'

/**
 * Secret names as the original validates them (its Secrets Engine's `ParseID`): parts of letters, digits,
 * ".", "_", ":" and "-", joined by single "/" (`github.personal_access_token`, `team/db.password`).
 */
export const SECRET_NAME_PATTERN = /^[A-Za-z0-9._:-]+(\/[A-Za-z0-9._:-]+)*$/

/** Is `name` a valid secret name? */
export function isSecretName(name: string): boolean {
  return SECRET_NAME_PATTERN.test(name)
}

/** Why `name` is not a valid secret name, pointing at the first offending place without repeating it. */
function whyInvalid(name: string): string {
  if (name === '') return 'the name is empty'
  const bad = [...name].findIndex((c) => !/[A-Za-z0-9._:/-]/.test(c))
  if (bad !== -1) return `character ${bad + 1} is not allowed`
  if (name.startsWith('/') || name.endsWith('/')) return 'it starts or ends with "/"'
  return 'it has an empty part between two "/"'
}

/**
 * Throw a usage error unless `name` is a valid secret name. The message never repeats the name: a bare
 * argument to `secret set` may well be a value pasted by mistake, and values never appear in output.
 */
export function assertSecretName(name: string): void {
  if (isSecretName(name)) return
  throw new UsageError(
    `invalid secret name (${whyInvalid(name)}): use letters, digits, ".", "_", ":" and "-", with "/" between parts, e.g. github.personal_access_token or team/db.password`,
  )
}

/**
 * Split the argument of `secret set`: `NAME=VALUE` at the first "=" (the value may contain "=" and may be
 * empty), or a bare `NAME` whose value comes from stdin (`value` undefined). The name is validated here;
 * an invalid name never echoes the value part.
 */
export function parseSetArgument(arg: string): {name: string; value: string | undefined} {
  const eq = arg.indexOf('=')
  const name = eq === -1 ? arg : arg.slice(0, eq)
  if (name === '')
    throw new UsageError('missing secret name before "=": use docker mcp secret set NAME=VALUE')
  assertSecretName(name)
  return {name, value: eq === -1 ? undefined : arg.slice(eq + 1)}
}

/**
 * The value typed or piped into `secret set NAME`: exactly one trailing line break ("\n" or "\r\n") is
 * removed, because `echo token | docker mcp secret set NAME` must store `token`, not `token\n`. Anything
 * else is kept as is, so a value that really ends in a newline can be given with two (`printf 'a\n\n'`).
 */
export function stripOneTrailingNewline(text: string): string {
  if (text.endsWith('\r\n')) return text.slice(0, -2)
  if (text.endsWith('\n')) return text.slice(0, -1)
  return text
}

/**
 * Linux caps one environment string ("NAME=value" and its NUL) at 128 KiB (MAX_ARG_STRLEN, 32 pages), and
 * secrets reach servers as environment variables: a longer value is stored fine and then every container
 * of the server fails to start with "argument list too long". 256 bytes are kept for the variable's name.
 */
export const MAX_SECRET_VALUE_BYTES = 128 * 1024 - 256

/** Refuse a value no container environment variable can hold, before it is stored. */
export function assertSecretValueFits(name: string, value: string): void {
  const bytes = Buffer.byteLength(value, 'utf8')
  if (bytes <= MAX_SECRET_VALUE_BYTES) return
  throw new DockerMcpError(
    `the value for secret ${name} is ${bytes} bytes, more than a container environment variable can hold (128 KiB on Linux, ${MAX_SECRET_VALUE_BYTES} bytes for the value): the server would fail to start with "argument list too long"; nothing was stored`,
    {
      suggestions: [
        'Store the data in a file instead and give the server access to it (a volume in its catalog entry or config).',
      ],
    },
  )
}
