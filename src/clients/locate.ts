import path from 'node:path'

import type {ClientDef, PathCandidate, Platform} from './table.js'

/**
 * Where a client's config file is, as pure functions of (OS, environment, home, project root, which paths
 * exist): the table tests run every OS on any OS. The caller probes the file system first
 * (`pathsToProbe`) and hands the answers in.
 */

export interface LocateContext {
  platform: Platform
  env: NodeJS.ProcessEnv
  /** The user's home directory (from src/paths.ts `homeDir`). */
  home: string
  /** The project root (nearest ancestor with `.git`), for project-scope paths. */
  projectRoot?: string
}

export type Scope = 'global' | 'project'

/** The path module of the target OS (win32 paths can be computed on Linux). */
export function pathFor(platform: Platform): path.PlatformPath {
  return platform === 'win32' ? path.win32 : path.posix
}

/** The current OS as a table key (BSDs and others read the Linux paths). */
export function currentPlatform(platform: string = process.platform): Platform {
  return platform === 'win32' || platform === 'darwin' ? platform : 'linux'
}

/** An environment variable, empty counting as unset; names are case-insensitive on Windows. */
export function envValue(env: NodeJS.ProcessEnv, name: string, platform: Platform): string | undefined {
  let value = env[name]
  if (value === undefined && platform === 'win32') {
    const key = Object.keys(env).find((k) => k.toUpperCase() === name.toUpperCase())
    value = key === undefined ? undefined : env[key]
  }
  return value === '' ? undefined : value
}

/**
 * Expand `~`, `${VAR}` and `${VAR:-fallback}` (nestable). Undefined when a variable without fallback is
 * unset or empty: that candidate does not apply on this machine.
 */
export function expandTemplate(template: string, ctx: LocateContext): string | undefined {
  let out = ''
  let i = 0
  if (template === '~' || template.startsWith('~/')) {
    out = ctx.home
    i = 1
  }
  while (i < template.length) {
    if (template.startsWith('${', i)) {
      const nameMatch = /^[A-Za-z_][A-Za-z0-9_]*/.exec(template.slice(i + 2))
      if (!nameMatch) throw new Error(`bad path template: ${template}`)
      const name = nameMatch[0]
      let j = i + 2 + name.length
      let fallback: string | undefined
      if (template.startsWith(':-', j)) {
        // Find the matching brace, allowing nested ${...} in the fallback.
        let depth = 1
        let k = j + 2
        for (; k < template.length && depth > 0; k++) {
          if (template.startsWith('${', k)) {
            depth++
            k++
          } else if (template[k] === '}') depth--
        }
        fallback = template.slice(j + 2, k - 1)
        j = k
      } else {
        if (template[j] !== '}') throw new Error(`bad path template: ${template}`)
        j++
      }
      const value =
        envValue(ctx.env, name, ctx.platform) ??
        (fallback === undefined ? undefined : expandTemplate(fallback, ctx))
      if (value === undefined) return undefined
      out += value
      i = j
    } else {
      out += template[i]
      i++
    }
  }
  return out
}

interface Candidate {
  path: string
  /** Matches when this path exists; undefined for `always` candidates. */
  when: string | undefined
  always: boolean
  /** May be created when nothing matches. */
  creatable: boolean
}

function resolve(template: string, ctx: LocateContext, scope: Scope): string | undefined {
  const expanded = expandTemplate(template, ctx)
  if (expanded === undefined) return undefined
  const p = pathFor(ctx.platform)
  if (scope === 'project') {
    if (!ctx.projectRoot) return undefined
    return p.resolve(ctx.projectRoot, expanded)
  }
  // A relative result means a variable held a relative path; such a candidate is not usable.
  return p.isAbsolute(expanded) ? p.normalize(expanded) : undefined
}

function candidateTemplates(def: ClientDef, scope: Scope, platform: Platform): readonly PathCandidate[] {
  return scope === 'global' ? def.global[platform] : (def.project?.paths ?? [])
}

/** The candidates that apply here (variables set), expanded, in table order. */
export function candidates(def: ClientDef, scope: Scope, ctx: LocateContext): Candidate[] {
  const out: Candidate[] = []
  for (const c of candidateTemplates(def, scope, ctx.platform)) {
    const spec = typeof c === 'string' ? {path: c} : c
    const file = resolve(spec.path, ctx, scope)
    if (!file) continue
    const always = 'always' in spec && spec.always === true
    if ('when' in spec && spec.when !== undefined) {
      const when = resolve(spec.when, ctx, scope)
      if (when) out.push({path: file, when, always: false, creatable: false})
      continue
    }
    out.push({path: file, when: always ? undefined : file, always, creatable: true})
  }
  return out
}

/** Every path whose existence `selectConfigPath` looks at. */
export function pathsToProbe(def: ClientDef, scope: Scope, ctx: LocateContext): string[] {
  const set = new Set<string>()
  for (const c of candidates(def, scope, ctx)) {
    set.add(c.path)
    if (c.when) set.add(c.when)
  }
  return [...set]
}

/**
 * The config file `connect` edits: the first candidate that matches (its file exists, its install marker
 * exists, or it is an explicit override), else the first one that may be created. Undefined when no
 * candidate applies (e.g. APPDATA unset on Windows).
 */
export function selectConfigPath(
  def: ClientDef,
  scope: Scope,
  ctx: LocateContext,
  exists: (file: string) => boolean,
): string | undefined {
  const list = candidates(def, scope, ctx)
  for (const c of list) if (c.always || (c.when !== undefined && exists(c.when))) return c.path
  return list.find((c) => c.creatable)?.path
}

/** Other candidate files (not the selected one) that exist: `ls` reports them too. */
export function otherExistingPaths(
  def: ClientDef,
  scope: Scope,
  ctx: LocateContext,
  exists: (file: string) => boolean,
  selected: string | undefined,
): string[] {
  const seen = new Set<string>(selected ? [selected] : [])
  const out: string[] = []
  for (const c of candidates(def, scope, ctx)) {
    if (seen.has(c.path)) continue
    seen.add(c.path)
    if (exists(c.path)) out.push(c.path)
  }
  return out
}

/** Paths whose existence means the client is installed. */
export function installMarkers(def: ClientDef, ctx: LocateContext): string[] {
  return def.installed[ctx.platform].flatMap((t) => {
    const p = resolve(t, ctx, 'global')
    return p ? [p] : []
  })
}
