import path from 'node:path'

import {envValue} from './locate.js'
import type {ClientDef, Platform} from './table.js'

/**
 * The variables of the user's environment that decide which Docker `docker mcp gateway run` talks to and
 * where it finds its plugins and configuration. A client that does not pass them on starts the gateway
 * against another engine, another context, or without the plugin at all ("unknown command: docker mcp").
 * None holds a secret: they are paths, a context name and an engine address.
 */
export const DOCKER_CLI_ENV_VARS = [
  'DOCKER_CERT_PATH',
  'DOCKER_CONFIG',
  'DOCKER_CONTEXT',
  'DOCKER_HOST',
  'DOCKER_TLS_VERIFY',
] as const

export interface EnvContext {
  platform: Platform
  env: NodeJS.ProcessEnv
}

/** The names a client passes on from its environment, on this OS, given the entry it starts. */
function passedNames(def: ClientDef, platform: Platform, entry: unknown): string[] | undefined {
  const rule = def.launchEnv
  if (rule.kind === 'inherit') return undefined
  const listed = rule.passthrough
    ? (entry as Record<string, unknown> | undefined)?.[rule.passthrough]
    : undefined
  const extra = Array.isArray(listed) ? listed.filter((v): v is string => typeof v === 'string') : []
  return [...rule.names[platform], ...extra]
}

const sameName = (platform: Platform) => (a: string, b: string) =>
  platform === 'win32' ? a.toUpperCase() === b.toUpperCase() : a === b

/**
 * The Docker variables set in the user's environment that the gateway needs and this client would not
 * pass on by itself (its allowlist, before anything the entry adds). DOCKER_CONFIG naming the default
 * directory (`~/.docker`) is not needed: docker finds that one anyway. Empty for clients that inherit.
 */
export function dockerEnvNeeded(def: ClientDef, ctx: EnvContext): string[] {
  if (def.launchEnv.kind === 'inherit') return []
  const passed = def.launchEnv.names[ctx.platform]
  const same = sameName(ctx.platform)
  const p = ctx.platform === 'win32' ? path.win32 : path.posix
  const home = envValue(ctx.env, ctx.platform === 'win32' ? 'USERPROFILE' : 'HOME', ctx.platform)
  return DOCKER_CLI_ENV_VARS.filter((name) => {
    const value = envValue(ctx.env, name, ctx.platform)
    if (value === undefined || passed.some((n) => same(n, name))) return false
    if (name === 'DOCKER_CONFIG' && home && p.resolve(value) === p.join(home, '.docker')) return false
    return true
  })
}

export interface LaunchEnvironment {
  /** The environment the client gives the server, before the entry's own `env`. */
  env: Record<string, string>
  /** Docker variables the gateway needs (dockerEnvNeeded) that neither the client nor the entry passes. */
  dropped: string[]
}

/**
 * The environment a client starts an entry with, by its rule (table.ts `launchEnv`): its whole
 * environment, or only its allowlist plus what the entry names under its passthrough key. `dropped` names
 * what the gateway will miss: the trap a plain "it answered" check does not see.
 */
export function launchEnvironment(def: ClientDef, ctx: EnvContext, entry: unknown): LaunchEnvironment {
  const env: Record<string, string> = {}
  const names = passedNames(def, ctx.platform, entry)
  if (names === undefined) {
    for (const [k, v] of Object.entries(ctx.env)) if (v !== undefined) env[k] = v
    return {env, dropped: []}
  }
  for (const name of names) {
    const value = envValue(ctx.env, name, ctx.platform)
    if (value !== undefined) env[name] = value
  }
  const own = entry && typeof entry === 'object' ? (entry as Record<string, unknown>).env : undefined
  const ownKeys = own && typeof own === 'object' ? Object.keys(own) : []
  const same = sameName(ctx.platform)
  const dropped = dockerEnvNeeded(def, ctx).filter(
    (name) => !names.some((n) => same(n, name)) && !ownKeys.some((k) => same(k, name)),
  )
  return {env, dropped}
}
