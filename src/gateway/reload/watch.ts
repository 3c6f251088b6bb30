import {watch, type FSWatcher} from 'node:fs'
import path from 'node:path'

import type {Context} from '../../context.js'
import {resolveMcpFile} from '../../paths.js'
import type {GatewayFlags} from '../configuration.js'

/** A directory to watch, and which of its entries matter. */
export type WatchTargets = Map<string, (name: string) => boolean>

const CATALOG_FILE = /\.(ya?ml|json)$/i

/**
 * What a reload depends on: registry, config and tools files (the flags' files or the defaults),
 * catalog.json and every catalog file, explicit catalog files, and the `--secrets` .env files and the
 * file secret store. Directories are watched, not files: our own commands replace files atomically (a
 * rename onto the name), editors do the same, and a file created after start-up is seen too.
 */
export function watchTargets(ctx: Context, flags: GatewayFlags): WatchTargets {
  const targets: WatchTargets = new Map()
  const add = (file: string) => {
    const dir = path.dirname(file)
    const base = path.basename(file)
    const previous = targets.get(dir)
    targets.set(dir, previous ? (n) => n === base || previous(n) : (n) => n === base)
  }
  const files = (given: string[] | undefined, fallback: string) =>
    given?.length ? given.map((f) => resolveMcpFile(ctx.paths, f, ctx.cwd)) : [fallback]
  if (!flags.servers?.length) for (const f of files(flags.registry, ctx.paths.registry)) add(f)
  for (const f of files(flags.config, ctx.paths.config)) add(f)
  for (const f of files(flags.toolsConfig, ctx.paths.tools)) add(f)
  // `--profile <id>` (not `default`, which is the files above): its file, so editing the profile reloads.
  if (flags.profile && flags.profile !== 'default' && /^[A-Za-z0-9][A-Za-z0-9_.-]*$/.test(flags.profile))
    add(path.join(ctx.paths.profilesDir, `${flags.profile}.yaml`))
  add(ctx.paths.catalogIndex)
  add(ctx.paths.secretsFile)
  for (const f of flags.secrets ?? []) add(path.resolve(ctx.cwd, f))
  for (const spec of [...(flags.catalog ?? []), ...(flags.additionalCatalog ?? [])]) {
    if (/^https?:\/\//i.test(spec) || !/[/\\]/.test(spec)) continue
    add(path.isAbsolute(spec) ? spec : path.resolve(ctx.cwd, spec))
  }
  const inCatalogs = targets.get(ctx.paths.catalogsDir)
  targets.set(ctx.paths.catalogsDir, (n) => CATALOG_FILE.test(n) || (inCatalogs?.(n) ?? false))
  return targets
}

export interface ConfigWatcherOptions {
  /** Quiet time after the last event before reloading (the original drains events for 300 ms). */
  debounceMs?: number
  /** A directory that is missing (or was removed) is tried again this often. */
  retryMs?: number
}

/**
 * Watches directories and calls `onChange` with the changed paths once events stop for `debounceMs`:
 * a save that writes, renames and chmods is one reload. A directory that does not exist yet is watched
 * once it appears, and that counts as a change (files may have been created with it).
 */
export class ConfigWatcher {
  private readonly watchers = new Map<string, FSWatcher>()
  private readonly pending = new Set<string>()
  private timer: NodeJS.Timeout | undefined
  private readonly retry: NodeJS.Timeout
  private closed = false
  /** Directories tried before: one that appears (or comes back) later counts as a change. */
  private readonly tried = new Set<string>()

  constructor(
    private readonly targets: WatchTargets,
    private readonly onChange: (paths: string[]) => void,
    private readonly options: ConfigWatcherOptions = {},
  ) {
    for (const dir of targets.keys()) this.arm(dir)
    this.retry = setInterval(() => {
      for (const dir of this.targets.keys()) if (!this.watchers.has(dir)) this.arm(dir)
    }, options.retryMs ?? 2000)
    this.retry.unref()
  }

  /** Directories watched right now. */
  get watching(): string[] {
    return [...this.watchers.keys()]
  }

  private arm(dir: string): void {
    if (this.closed) return
    const again = this.tried.has(dir)
    this.tried.add(dir)
    let watcher: FSWatcher
    try {
      // Not persistent: watching never keeps the gateway running on its own.
      watcher = watch(dir, {persistent: false})
    } catch {
      return // missing (yet): tried again by the retry timer
    }
    const matches = this.targets.get(dir)!
    watcher.on('change', (_event, name) => {
      const base = typeof name === 'string' ? name : name?.toString('utf8')
      // No name (some platforms): anything may have changed.
      if (!base || matches(base)) this.schedule(base ? path.join(dir, base) : dir)
    })
    watcher.on('error', () => {
      // The directory went away (removed, or renamed by a restore): watch it again once it is back.
      watcher.close()
      if (this.watchers.get(dir) === watcher) this.watchers.delete(dir)
    })
    this.watchers.set(dir, watcher)
    if (again) this.schedule(dir)
  }

  private schedule(changed: string): void {
    if (this.closed) return
    this.pending.add(changed)
    clearTimeout(this.timer)
    this.timer = setTimeout(() => {
      const paths = [...this.pending]
      this.pending.clear()
      this.onChange(paths)
    }, this.options.debounceMs ?? 300)
    this.timer.unref()
  }

  close(): void {
    this.closed = true
    clearTimeout(this.timer)
    clearInterval(this.retry)
    for (const watcher of this.watchers.values()) watcher.close()
    this.watchers.clear()
  }
}
