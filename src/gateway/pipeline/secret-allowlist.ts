import {existsSync} from 'node:fs'

import * as z from 'zod'

import {FileFormatError} from '../../errors.js'
import {SECRET_RULES} from './secret-rules.js'
import {STORED_SECRET_RULE, type AllowEntry} from './secret-scan.js'

/**
 * The allowlist of `--block-secrets`: what is not a secret although it looks like one. A YAML file,
 * `~/.docker/mcp/secret-allowlist.yaml` (McpPaths.secretAllowlist):
 *
 * ```yaml
 * allow:
 *   - rule: jwt-token                      # this rule is off
 *   - rule: aws-access-key-id
 *     regex: 'EXAMPLE$'                    # the keys of AWS's documentation end so
 *   - regex: '^sk_test_'                   # any rule: credentials this expression matches
 *   - literal: '0123456789abcdef0123'      # this one string, whichever rule finds it
 *   - secret: github.personal_access_token # the value of this stored secret may pass
 *     reason: the GitHub server echoes it back in its own error messages
 * ```
 *
 * An entry allows a finding when every field it gives fits (`rule` the rule id, or `stored-secret` for
 * the values of stored secrets; `literal` equal to the credential found; `regex` matching it; `secret`
 * the stored secret's name). `reason` is for people. Errors name the file and the line.
 */

const entrySchema = z
  .object({
    rule: z.string().min(1).optional(),
    literal: z.string().min(1).optional(),
    regex: z.string().min(1).optional(),
    secret: z.string().min(1).optional(),
    reason: z.string().optional(),
  })
  .strict()
  .refine((e) => Boolean(e.rule ?? e.literal ?? e.regex ?? e.secret), {
    error: 'an entry needs at least one of "rule", "literal", "regex" or "secret"',
  })

const fileSchema = z.object({allow: z.array(entrySchema).nullable().optional()}).strict()

/** The rule ids an entry may name: every rule's, and `stored-secret`. */
export function knownRuleIds(): string[] {
  return [...SECRET_RULES.map((r) => r.id), STORED_SECRET_RULE]
}

/**
 * Read the allowlist file; no file allows nothing. A mistake in it stops the gateway with the file and
 * line: an entry that silently did not apply would leave calls failing for reasons nobody can see.
 */
export async function loadSecretAllowlist(file: string): Promise<AllowEntry[]> {
  // Most people have no allowlist: the YAML parser is loaded only for one that exists.
  if (!existsSync(file)) return []
  const {readYamlFile, validate, locate} = await import('../../catalog/yaml-file.js')
  const y = await readYamlFile(file)
  if (!y || y.data === null || y.data === undefined) return []
  const data = validate(y, fileSchema, y.data)
  const known = new Set(knownRuleIds())
  return (data.allow ?? []).map((entry, i) => {
    if (entry.rule !== undefined && !known.has(entry.rule))
      throw new FileFormatError(
        file,
        `allow[${i}].rule: unknown rule "${entry.rule}" (the rules are listed in README.md, "Secret blocking"; "${STORED_SECRET_RULE}" is a stored secret's value)`,
        locate(y, ['allow', i, 'rule']),
      )
    if (entry.secret !== undefined && entry.rule !== undefined && entry.rule !== STORED_SECRET_RULE)
      throw new FileFormatError(
        file,
        `allow[${i}]: "secret" names a stored secret, so "rule" can only be "${STORED_SECRET_RULE}"`,
        locate(y, ['allow', i, 'secret']),
      )
    let regex: RegExp | undefined
    if (entry.regex !== undefined) {
      try {
        regex = new RegExp(entry.regex)
      } catch (err) {
        throw new FileFormatError(
          file,
          `allow[${i}].regex: not a valid regular expression: ${(err as Error).message}`,
          locate(y, ['allow', i, 'regex']),
        )
      }
    }
    return {rule: entry.rule, literal: entry.literal, regex, secret: entry.secret}
  })
}
