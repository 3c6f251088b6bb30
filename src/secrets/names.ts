import {UsageError} from '../errors.js'

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
