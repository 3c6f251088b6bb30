import type {Caller} from '../session/caller.js'
import {anyMatcher, globMatcher, type Matcher} from './glob.js'
import type {Limits, PolicyDocument} from './policy-file.js'

/** What the policy says about one caller: its tools and its limits. */
export interface CallerPolicy {
  /** The labels of the rules that match the caller (for errors and logs); empty = denied everything. */
  readonly rules: readonly string[]
  /** Whether the caller may see and call the tool `name` (as clients see it) of `server` (`tool` there). */
  allows(server: string, tool: string, name: string): boolean
  /**
   * Whether the caller sees the server's prompts and resources: a matching rule allows the whole server
   * (`servers`); a rule that allows some of its tools only does not.
   */
  allowsServer(server: string): boolean
  /** Limits on all of the caller's calls and requests. */
  readonly limits: Limits
  /** The limit on this tool, per caller, and the pattern that set it (the bucket's key): first match wins. */
  toolLimits(server: string, tool: string, name: string): {pattern: string; limits: Limits} | undefined
}

/** A policy file, compiled: globs are matchers, and each caller's answers are computed once. */
export interface Policy {
  readonly file: string
  forCaller(caller: Caller): CallerPolicy
}

/** `server:tool` or an exposed tool name, as a matcher of (server, tool, name). */
type ToolMatcher = (server: string, tool: string, name: string) => boolean

function toolMatcher(patterns: readonly string[]): ToolMatcher {
  const byName: string[] = []
  const byServer: Array<[Matcher, Matcher]> = []
  for (const p of patterns) {
    const colon = p.indexOf(':')
    if (colon < 0) byName.push(p)
    else byServer.push([globMatcher(p.slice(0, colon)), globMatcher(p.slice(colon + 1))])
  }
  const name = anyMatcher(byName)
  if (byServer.length === 0) return (_s, _t, n) => name(n)
  return (s, t, n) => name(n) || byServer.some(([ms, mt]) => ms(s) && mt(t))
}

/** The values of a claim that may hold groups or roles: a string, a list, or Keycloak's nested roles. */
function claimValues(
  claims: Readonly<Record<string, unknown>> | undefined,
  kind: 'group' | 'role',
): string[] {
  if (!claims) return []
  const out: string[] = []
  const add = (v: unknown) => {
    if (typeof v === 'string') out.push(...v.split(/\s+/).filter(Boolean))
    else if (Array.isArray(v)) for (const x of v) if (typeof x === 'string') out.push(x)
  }
  if (kind === 'group') add(claims.groups)
  else {
    add(claims.roles)
    // Keycloak: realm roles and per-client roles.
    add((claims.realm_access as {roles?: unknown} | undefined)?.roles)
    const resource = claims.resource_access
    if (resource && typeof resource === 'object')
      for (const client of Object.values(resource as Record<string, unknown>))
        add((client as {roles?: unknown} | undefined)?.roles)
  }
  return out
}

/** One `who` entry as a test of a caller (entries were checked when the file was read). */
function identityMatcher(entry: string): (caller: Caller) => boolean {
  if (entry === '*') return () => true
  if (entry === 'local') return (c) => c.via === 'local'
  if (entry === 'anonymous') return (c) => c.via === 'none'
  const colon = entry.indexOf(':')
  const kind = entry.slice(0, colon)
  const match = globMatcher(entry.slice(colon + 1))
  switch (kind) {
    case 'token':
      return (c) => c.via === 'token' && match(c.name)
    case 'oauth':
      return (c) => c.via === 'oauth' && match(c.id.startsWith('oauth:') ? c.id.slice(6) : c.name)
    case 'client':
      return (c) => c.clientId !== undefined && match(c.clientId)
    case 'scope':
      return (c) => (c.scopes ?? []).some(match)
    case 'group':
    case 'role':
      return (c) => claimValues(c.claims, kind).some(match)
    default:
      return () => false
  }
}

/** Compile a checked policy document. */
export function compilePolicy(doc: PolicyDocument): Policy {
  const rules = doc.rules.map((r) => {
    const who = r.who.map(identityMatcher)
    const servers = anyMatcher(r.servers)
    const tools = toolMatcher(r.tools)
    return {
      label: r.label,
      matches: (c: Caller) => who.some((m) => m(c)),
      servers,
      allows: (s: string, t: string, n: string) => servers(s) || tools(s, t, n),
      denies: toolMatcher(r.deny),
      limits: r.limits,
    }
  })
  const toolLimits = doc.toolLimits.map(({pattern, limits}) => ({
    pattern,
    limits,
    matches: toolMatcher([pattern]),
  }))
  // Callers are frozen objects that live as long as their session: one answer per caller object.
  const cache = new WeakMap<Caller, CallerPolicy>()
  const forCaller = (caller: Caller): CallerPolicy => {
    const mine = rules.filter((r) => r.matches(caller))
    const decided = new Map<string, boolean>()
    const limits = mine.find((r) => r.limits)?.limits ?? doc.limits
    return {
      rules: mine.map((r) => r.label),
      limits,
      allowsServer: (server) => mine.some((r) => r.servers(server)),
      allows(server, tool, name) {
        const key = `${server}\0${tool}\0${name}`
        let ok = decided.get(key)
        if (ok === undefined) {
          ok =
            mine.some((r) => r.allows(server, tool, name)) && !mine.some((r) => r.denies(server, tool, name))
          decided.set(key, ok)
        }
        return ok
      },
      toolLimits(server, tool, name) {
        const hit = toolLimits.find((l) => l.matches(server, tool, name))
        return hit && {pattern: hit.pattern, limits: hit.limits}
      },
    }
  }
  return {
    file: doc.file,
    forCaller(caller) {
      let answer = cache.get(caller)
      if (!answer) cache.set(caller, (answer = forCaller(caller)))
      return answer
    },
  }
}
