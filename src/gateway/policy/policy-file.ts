import * as z from 'zod'

import {FileFormatError} from '../../errors.js'
import type {YamlFile} from '../../catalog/yaml-file.js'

/**
 * The access policy file of `gateway run --policy FILE`: who sees and may call which tools, and how often.
 *
 * ```yaml
 * rules:
 *   - who: [token:ci, group:developers]   # identities this rule is for (see IDENTITY_KINDS)
 *     servers: [dice, "git*"]             # every tool of these servers
 *     tools: [fetch, "github:get_*"]      # tools: exposed name, or server:tool (the server's own name)
 *     deny: ["github:delete_*"]           # refused even when an entry above (or another rule) allows it
 *     limits: {callsPerMinute: 60, burst: 10, concurrentCalls: 4, requestsPerMinute: 600}
 * limits:                                 # per identity, for identities no matching rule sets limits for
 *   callsPerMinute: 600
 *   tools:                                # per identity and tool
 *     "dice:roll_dice": {callsPerMinute: 10}
 * ```
 *
 * Default deny: a caller no rule matches sees no tools. A tool is allowed when a rule that matches the
 * caller allows it (`servers` or `tools`) and no rule that matches denies it. Limits come from the first
 * matching rule that has `limits`, else the top-level `limits`.
 */

/** What `who` entries may name: `token:<name>`, `oauth:<sub>`, `client:<client_id>`, … */
export const IDENTITY_KINDS = ['token', 'oauth', 'client', 'group', 'role', 'scope'] as const
/** `who` entries that are whole identities. */
export const IDENTITY_WORDS = ['local', 'anonymous', '*'] as const

const positive = z.number().int().positive()

const limitsSchema = z
  .object({
    callsPerMinute: positive.optional(),
    burst: positive.optional(),
    concurrentCalls: positive.optional(),
    requestsPerMinute: positive.optional(),
  })
  .strict()

const toolLimitsSchema = z
  .object({
    callsPerMinute: positive.optional(),
    burst: positive.optional(),
    concurrentCalls: positive.optional(),
  })
  .strict()

const patterns = z.array(z.string().min(1))

const ruleSchema = z
  .object({
    name: z.string().optional(),
    who: z.array(z.string().min(1)).min(1),
    servers: patterns.optional(),
    tools: patterns.optional(),
    deny: patterns.optional(),
    limits: limitsSchema.optional(),
  })
  .strict()

const fileSchema = z
  .object({
    version: z.literal(1).optional(),
    rules: z.array(ruleSchema).nullable().optional(),
    limits: limitsSchema.extend({tools: z.record(z.string().min(1), toolLimitsSchema).optional()}).optional(),
  })
  .strict()

export interface Limits {
  callsPerMinute?: number | undefined
  burst?: number | undefined
  concurrentCalls?: number | undefined
  requestsPerMinute?: number | undefined
}

export interface PolicyRule {
  /** `rules[i]` or the rule's name: how errors and logs name it. */
  label: string
  who: string[]
  servers: string[]
  tools: string[]
  deny: string[]
  limits?: Limits | undefined
}

/** A policy file as read: plain data, checked. Compiled by `compilePolicy`. */
export interface PolicyDocument {
  file: string
  rules: PolicyRule[]
  limits: Limits
  toolLimits: Array<{pattern: string; limits: Limits}>
}

/** Whether a `who` entry names something a caller can be: errors say which kinds exist. */
function identityProblem(entry: string): string | undefined {
  if ((IDENTITY_WORDS as readonly string[]).includes(entry)) return undefined
  const colon = entry.indexOf(':')
  const kind = colon > 0 ? entry.slice(0, colon) : ''
  if ((IDENTITY_KINDS as readonly string[]).includes(kind) && colon < entry.length - 1) return undefined
  return `unknown identity "${entry}": use ${IDENTITY_KINDS.map((k) => `${k}:<${k === 'oauth' ? 'sub' : k === 'client' ? 'client_id' : 'name'}>`).join(', ')}, ${IDENTITY_WORDS.map((w) => `"${w}"`).join(', ')}`
}

/**
 * Check a parsed policy file. Every problem is reported with its line (FileFormatError), in one error: a
 * policy that silently did not apply would deny or allow what nobody intended.
 */
export async function readPolicy(y: YamlFile): Promise<PolicyDocument> {
  const {validate, locate, formatPath} = await import('../../catalog/yaml-file.js')
  const data = validate(y, fileSchema, y.data ?? {})
  const problems: Array<{detail: string; position: {line: number; column: number}}> = []
  const problem = (path: PropertyKey[], detail: string) =>
    problems.push({detail: `${formatPath(path)}: ${detail}`, position: locate(y, path)})
  const rules = (data.rules ?? []).map((rule, i): PolicyRule => {
    rule.who.forEach((entry, j) => {
      const why = identityProblem(entry)
      if (why) problem(['rules', i, 'who', j], why)
    })
    if (!rule.servers?.length && !rule.tools?.length && !rule.deny?.length && !rule.limits)
      problem(['rules', i], 'the rule allows nothing: give it "servers", "tools", "deny" or "limits"')
    rule.tools?.forEach((t, j) => checkToolPattern(t, ['rules', i, 'tools', j], problem))
    rule.deny?.forEach((t, j) => checkToolPattern(t, ['rules', i, 'deny', j], problem))
    return {
      label: rule.name ? `rule "${rule.name}"` : `rules[${i}]`,
      who: rule.who,
      servers: rule.servers ?? [],
      tools: rule.tools ?? [],
      deny: rule.deny ?? [],
      limits: rule.limits,
    }
  })
  const {tools: toolLimits = {}, ...limits} = data.limits ?? {}
  for (const pattern of Object.keys(toolLimits))
    checkToolPattern(pattern, ['limits', 'tools', pattern], problem)
  if (problems.length > 0) {
    problems.sort((a, b) => a.position.line - b.position.line)
    throw FileFormatError.of(y.file, problems)
  }
  return {
    file: y.file,
    rules,
    limits,
    toolLimits: Object.entries(toolLimits).map(([pattern, l]) => ({pattern, limits: l})),
  }
}

function checkToolPattern(
  pattern: string,
  path: PropertyKey[],
  problem: (path: PropertyKey[], detail: string) => void,
): void {
  const colon = pattern.indexOf(':')
  if (colon === 0 || colon === pattern.length - 1)
    problem(path, `"${pattern}": a tool is "<tool>" (its name as clients see it) or "<server>:<tool>"`)
}
