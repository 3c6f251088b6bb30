import {constants, promises as fs} from 'node:fs'
import path from 'node:path'

import type {Context} from '../context.js'
import {DockerMcpError, isDockerMcpError} from '../errors.js'
import {homeDir} from '../paths.js'
import {closestMatches} from '../text/suggest.js'
import {readServers, removeEntry, setEntry, type ConfigTarget} from './edit/index.js'
import {buildEntry, describeEntry, entryName, launchSpecOf, profileOfArgs} from './entry.js'
import {launchEnvironment} from './launch-env.js'
import {
  currentPlatform,
  envValue,
  installMarkers,
  otherExistingPaths,
  pathsToProbe,
  selectConfigPath,
  type LocateContext,
  type Scope,
} from './locate.js'
import {findProjectRoot, probe, readConfigText, writeConfigText} from './store.js'
import {CLIENTS, type ClientDef, type Platform} from './table.js'
import {verifyLaunch, type VerifyResult} from './verify.js'

/**
 * `docker mcp client ls|connect|disconnect|doctor`: status of every known client's config, and the edits
 * that add or remove our gateway entry. Decisions are pure (./locate, ./entry, ./edit); this module probes
 * the file system, reads, and hands writes to the one writer (./store).
 */

export {CLIENTS, type ClientDef, type Platform} from './table.js'
export {buildEntry, COMMAND_OVERRIDE_VAR, describeEntry, launchSpecOf, type LaunchSpec} from './entry.js'
export {readServers, removeEntry, setEntry, type ConfigTarget} from './edit/index.js'
export type {Scope} from './locate.js'
export type {VerifyResult} from './verify.js'

export interface ClientsOptions {
  /** Whose paths and entry shape to use; defaults to the OS we run on. */
  platform?: Platform
}

/** One server entry found in a client's config. */
export interface ServerSummary {
  name: string
  /** Is this our gateway entry? */
  ours: boolean
  /** Its command line or URL. */
  summary: string
}

/** What `client ls` shows for one client. */
export interface ClientStatus {
  id: string
  displayName: string
  scope: Scope
  /** False in project scope for clients without a project-level file. */
  supported: boolean
  /** The app's config or install directory exists. */
  installed: boolean
  /** The file `connect` edits (undefined when it cannot be located on this system). */
  path?: string
  exists: boolean
  /** Our entry is in `path`. */
  connected: boolean
  /** The profile our entry serves (`--profile <id>`); absent: the default profile. */
  profile?: string
  servers: ServerSummary[]
  /** Why the file could not be read (it is never written then). */
  error?: string
  /** Other files this client may read that exist on disk, and whether our entry is in them. */
  otherFiles: Array<{path: string; connected: boolean}>
}

export interface ClientList {
  scope: Scope
  /** The project root in project scope. */
  projectRoot?: string
  /** Set when project scope was asked for outside of a project, and global was shown instead. */
  note?: string
  clients: ClientStatus[]
}

/** The result of `connect` or `disconnect`. */
export interface ClientChange {
  action: 'connect' | 'disconnect'
  /** False when the file already was as asked (nothing written). */
  changed: boolean
  /** The file did not exist before. */
  created: boolean
  /** A backup of the original file, made by this change (only the first change of a file makes one). */
  backup?: string
  /** Connect replaced an MCP_DOCKER entry that differed from ours: what it ran. */
  replaced?: string
  restart: {needed: boolean; hint: string}
  /** Something the user must know about this client's project files. */
  note?: string
  client: ClientStatus
  /** With `--verify`. */
  verify?: VerifyResult
}

/** Ids and aliases, for help and errors. */
export function clientIds(): string[] {
  return CLIENTS.map((c) => c.id)
}

/** Find a client by id or alias (case-insensitive), or throw with the known ids and the closest ones. */
export function findClient(id: string): ClientDef {
  const wanted = id.toLowerCase()
  const def = CLIENTS.find((c) => c.id === wanted || c.aliases?.includes(wanted))
  if (def) return def
  const names = [...CLIENTS.map((c) => c.id), ...CLIENTS.flatMap((c) => c.aliases ?? [])]
  const close = [...new Set(closestMatches(wanted, names).map((n) => findClient(n).id))]
  throw new DockerMcpError(`unknown client "${id}"`, {
    suggestions: [...close.map((c) => `did you mean "${c}"?`), `Known clients: ${clientIds().join(', ')}.`],
  })
}

/** Where our entry lives in this client's file, and how a new file starts: the input of the pure edits. */
export function configTarget(def: ClientDef): ConfigTarget {
  return {
    format: def.format,
    container: def.container,
    kind: def.kind ?? 'map',
    name: entryName(def),
    ...(def.skeleton ? {skeleton: def.skeleton} : {}),
  }
}

function locateContext(ctx: Context, platform: Platform, projectRoot?: string): LocateContext {
  return {platform, env: ctx.env, home: homeDir(ctx.env), ...(projectRoot ? {projectRoot} : {})}
}

/** The scope a command works in: `--global`, else the project around the current directory. */
async function chooseScope(
  ctx: Context,
  def: ClientDef,
  global: boolean,
  verb: string,
): Promise<{scope: Scope; projectRoot?: string}> {
  if (global) return {scope: 'global'}
  const again = `docker mcp client ${verb} ${def.id} --global`
  if (!def.project)
    throw new DockerMcpError(`${def.displayName} has no project-level configuration`, {
      suggestions: [`Use --global to update its user configuration: ${again}`],
    })
  const projectRoot = await findProjectRoot(ctx.cwd)
  if (!projectRoot)
    throw new DockerMcpError(`not in a project: no .git in ${ctx.cwd} or any directory above it`, {
      suggestions: [
        `Run the command inside a git repository to update its ${def.project.paths.map(String).join(' / ')},`,
        `or use --global to update ${def.displayName}'s user configuration: ${again}`,
      ],
    })
  return {scope: 'project', projectRoot}
}

/** Names of the variables a client's templates need on this OS that are unset (for "cannot locate"). */
function unsetVariables(def: ClientDef, ctx: LocateContext): string[] {
  const names = new Set<string>()
  for (const c of def.global[ctx.platform]) {
    const template = typeof c === 'string' ? c : c.path
    for (const m of template.matchAll(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g))
      if (envValue(ctx.env, m[1]!, ctx.platform) === undefined) names.add(m[1]!)
  }
  return [...names]
}

interface Inspection {
  status: ClientStatus
  text: string | undefined
}

async function inspect(
  ctx: Context,
  def: ClientDef,
  scope: Scope,
  platform: Platform,
  projectRoot?: string,
): Promise<Inspection> {
  const lctx = locateContext(ctx, platform, projectRoot)
  const markers = installMarkers(def, lctx)
  const existing = await probe([
    ...pathsToProbe(def, scope, lctx),
    ...(scope === 'project' ? pathsToProbe(def, 'global', lctx) : []),
    ...markers,
  ])
  const has = (p: string) => existing.has(p)
  const globalFile = selectConfigPath(def, 'global', lctx, has)
  const installed = markers.some(has) || (globalFile !== undefined && has(globalFile))
  const status: ClientStatus = {
    id: def.id,
    displayName: def.displayName,
    scope,
    supported: scope === 'global' || def.project !== undefined,
    installed,
    path: undefined,
    exists: false,
    connected: false,
    servers: [],
    otherFiles: [],
  }
  if (!status.supported) return {status, text: undefined}
  const file = selectConfigPath(def, scope, lctx, has)
  if (!file) {
    const unset = unsetVariables(def, lctx)
    status.error = `cannot locate the configuration on this system${unset.length ? ` (${unset.join(', ')} not set)` : ''}`
    return {status, text: undefined}
  }
  status.path = file
  const target = configTarget(def)
  let text: string | undefined
  try {
    text = await readConfigText(file)
    status.exists = text !== undefined
    if (text !== undefined) {
      const found = readServers(file, text, target)
      status.servers = found.map((s) => ({
        name: s.name,
        ours: s.name === target.name,
        summary: describeEntry(s.value),
      }))
      status.connected = status.servers.some((s) => s.ours)
      const ours = found.find((s) => s.name === target.name)
      const profile = ours ? profileOfArgs(launchSpecOf(ours.value)?.args ?? []) : undefined
      if (profile) status.profile = profile
    }
  } catch (err) {
    if (!isDockerMcpError(err)) throw err
    status.exists = has(file)
    status.error = err.message
  }
  for (const other of otherExistingPaths(def, scope, lctx, has, file)) {
    let connected = false
    try {
      const otherText = await readConfigText(other)
      connected =
        otherText !== undefined && readServers(other, otherText, target).some((s) => s.name === target.name)
    } catch {
      // A broken or unreadable alternative file is only reported as not connected.
    }
    status.otherFiles.push({path: other, connected})
  }
  return {status, text}
}

/** Status of every known client: installed or not, connected or not, and where its file is. */
export async function listClients(
  ctx: Context,
  options: ClientsOptions & {global?: boolean} = {},
): Promise<ClientList> {
  const platform = options.platform ?? currentPlatform()
  let scope: Scope = options.global ? 'global' : 'project'
  let projectRoot: string | undefined
  let note: string | undefined
  if (scope === 'project') {
    projectRoot = await findProjectRoot(ctx.cwd)
    if (!projectRoot) {
      scope = 'global'
      note = `Not in a project (no .git in ${ctx.cwd} or above): showing user-level configurations.`
    }
  }
  const clients = await Promise.all(
    CLIENTS.map(async (def) => (await inspect(ctx, def, scope, platform, projectRoot)).status),
  )
  return {scope, ...(projectRoot ? {projectRoot} : {}), ...(note ? {note} : {}), clients}
}

/** Status of one client in the scope `--global` (or its absence) selects. */
export async function clientStatus(
  ctx: Context,
  id: string,
  options: ClientsOptions & {global?: boolean} = {},
): Promise<ClientStatus> {
  const def = findClient(id)
  const {scope, projectRoot} = await chooseScope(ctx, def, options.global ?? false, 'ls')
  return (await inspect(ctx, def, scope, options.platform ?? currentPlatform(), projectRoot)).status
}

async function change(
  ctx: Context,
  id: string,
  action: 'connect' | 'disconnect',
  options: ClientsOptions & {global?: boolean; now?: Date; profile?: string | undefined},
): Promise<ClientChange> {
  const def = findClient(id)
  const platform = options.platform ?? currentPlatform()
  const {scope, projectRoot} = await chooseScope(ctx, def, options.global ?? false, action)
  const target = configTarget(def)
  const entry = buildEntry(def, {platform, env: ctx.env, profile: options.profile})
  let outcome: {changed: boolean; created: boolean; backup?: string; replaced?: string} | undefined
  // The file is re-read right before writing; if the client rewrote it in between, start over.
  for (let attempt = 1; !outcome; attempt++) {
    const {status, text} = await inspect(ctx, def, scope, platform, projectRoot)
    if (!status.path) throw new DockerMcpError(`${def.displayName}: ${status.error}`)
    if (status.error)
      throw new DockerMcpError(status.error, {suggestions: brokenFileSuggestions(status.path)})
    const previous = status.servers.find((s) => s.ours)?.summary
    const next =
      action === 'connect'
        ? setEntry(status.path, text, target, entry)
        : removeEntry(status.path, text, target)
    if (next === undefined || next === text) {
      outcome = {changed: false, created: false}
      break
    }
    try {
      const written = await writeConfigText(status.path, text, next, options.now)
      outcome = {changed: true, ...written, ...(action === 'connect' && previous ? {replaced: previous} : {})}
    } catch (err) {
      if (attempt >= 3 || !(err instanceof DockerMcpError && /changed while/.test(err.message))) throw err
    }
  }
  const after = (await inspect(ctx, def, scope, platform, projectRoot)).status
  const note = scope === 'project' ? def.project?.note : undefined
  return {
    action,
    ...outcome,
    restart: {needed: def.reload.restart, hint: def.reload.hint},
    ...(note ? {note} : {}),
    client: after,
  }
}

function brokenFileSuggestions(file: string): string[] {
  return [
    `Fix ${file} by hand (docker mcp never rewrites a file it cannot parse), then run the command again.`,
  ]
}

/**
 * Add our gateway entry (`MCP_DOCKER`: `docker mcp gateway run`) to a client's config, keeping every other
 * byte of the file. Idempotent: an identical entry means nothing is written.
 */
export function connectClient(
  ctx: Context,
  id: string,
  options: ClientsOptions & {global?: boolean; now?: Date; profile?: string | undefined} = {},
): Promise<ClientChange> {
  return change(ctx, id, 'connect', options)
}

/** Remove our entry (and nothing else) from a client's config. No file or no entry: nothing to do. */
export function disconnectClient(
  ctx: Context,
  id: string,
  options: ClientsOptions & {global?: boolean; now?: Date} = {},
): Promise<ClientChange> {
  return change(ctx, id, 'disconnect', options)
}

export const DEFAULT_VERIFY_TIMEOUT_MS = 60_000

/**
 * How the client would launch its entry: the environment it passes by its rule (table.ts `launchEnv`,
 * given the entry as written), the Docker variables that would be missing, and the directory it runs in.
 */
function launchOptions(
  ctx: Context,
  def: ClientDef,
  status: ClientStatus,
  projectRoot: string | undefined,
  platform: Platform,
  entry: unknown,
) {
  const launch = launchEnvironment(def, {platform, env: ctx.env}, entry)
  return {
    baseEnv: launch.env,
    dropped: launch.dropped,
    cwd: status.scope === 'project' && projectRoot ? projectRoot : ctx.cwd,
  }
}

/**
 * A launch that answered is still wrong when the client drops Docker variables the user set: the gateway
 * then runs without the plugin, against another engine or with another configuration. Say so, and how to fix.
 */
function withDroppedEnv(def: ClientDef, scope: Scope, verify: VerifyResult, dropped: string[]): VerifyResult {
  if (dropped.length === 0) return verify
  const names = dropped.join(', ')
  const again = `docker mcp client connect ${def.id}${scope === 'global' ? ' --global' : ''}`
  const trap = `${def.displayName} does not pass ${names} (set in your environment) to the servers it starts: run "${again}" to write ${dropped.length > 1 ? 'them' : 'it'} into its entry`
  return {
    ...verify,
    ok: false,
    droppedEnv: dropped,
    error: verify.ok ? `the gateway answered, but without ${names}. ${trap}` : `${verify.error}. ${trap}`,
  }
}

/** One line of `client doctor`. */
export interface ClientCheck {
  id: string
  displayName: string
  scope: Scope
  path?: string
  status: 'ok' | 'failed' | 'not-connected' | 'broken'
  message: string
  verify?: VerifyResult
}

export interface ClientDoctorReport {
  ok: boolean
  checks: ClientCheck[]
}

/**
 * Start the entry the client's config holds, exactly as written (command, args, env), and talk MCP to
 * it. With a client: its entries in the user and (inside a project) project files; without: every
 * connected client. Identical launches are verified once.
 */
export async function doctorClientConnections(
  ctx: Context,
  options: ClientsOptions & {client?: string; global?: boolean; timeoutMs?: number} = {},
): Promise<ClientDoctorReport> {
  const platform = options.platform ?? currentPlatform()
  const defs = options.client ? [findClient(options.client)] : [...CLIENTS]
  const projectRoot = options.global ? undefined : await findProjectRoot(ctx.cwd)
  const timeoutMs = options.timeoutMs ?? DEFAULT_VERIFY_TIMEOUT_MS
  const cache = new Map<string, Promise<VerifyResult>>()
  const checks: ClientCheck[] = []
  for (const def of defs) {
    const scopes: Scope[] = ['global', ...(projectRoot && def.project ? (['project'] as const) : [])]
    for (const scope of scopes) {
      const {status} = await inspect(ctx, def, scope, platform, projectRoot)
      const base = {
        id: def.id,
        displayName: def.displayName,
        scope,
        ...(status.path ? {path: status.path} : {}),
      }
      if (status.error) {
        checks.push({...base, status: 'broken', message: status.error})
        continue
      }
      if (!status.connected) {
        if (options.client) checks.push({...base, status: 'not-connected', message: 'no MCP_DOCKER entry'})
        continue
      }
      const text = await readConfigText(status.path!)
      const entry = readServers(status.path!, text ?? '', configTarget(def)).find(
        (s) => s.name === entryName(def),
      )
      const spec = launchSpecOf(entry?.value)
      if (!spec) {
        checks.push({...base, status: 'failed', message: 'the MCP_DOCKER entry has no command to start'})
        continue
      }
      const {dropped, ...launch} = launchOptions(ctx, def, status, projectRoot, platform, entry?.value)
      const key = JSON.stringify([spec, launch.cwd, Object.keys(launch.baseEnv).sort()])
      if (!cache.has(key)) cache.set(key, verifyLaunch(spec, {...launch, timeoutMs}))
      const verify = withDroppedEnv(def, scope, await cache.get(key)!, dropped)
      checks.push({...base, status: verify.ok ? 'ok' : 'failed', message: verifySummary(verify), verify})
    }
  }
  const ok = checks.every((c) => c.status === 'ok') && (options.client === undefined || checks.length > 0)
  return {ok, checks}
}

/** Verify one client's entry right after `connect --verify`. */
export async function verifyClient(
  ctx: Context,
  id: string,
  options: ClientsOptions & {global?: boolean; timeoutMs?: number} = {},
): Promise<VerifyResult> {
  const def = findClient(id)
  const platform = options.platform ?? currentPlatform()
  const {scope, projectRoot} = await chooseScope(ctx, def, options.global ?? false, 'connect')
  const {status, text} = await inspect(ctx, def, scope, platform, projectRoot)
  if (!status.connected || !status.path || text === undefined)
    throw new DockerMcpError(
      `${def.displayName} is not connected: no MCP_DOCKER entry in ${status.path ?? 'its config'}`,
    )
  const entry = readServers(status.path, text, configTarget(def)).find((s) => s.name === entryName(def))
  const spec = launchSpecOf(entry?.value)
  if (!spec) throw new DockerMcpError(`the MCP_DOCKER entry in ${status.path} has no command to start`)
  const {dropped, ...launch} = launchOptions(ctx, def, status, projectRoot, platform, entry?.value)
  const verify = await verifyLaunch(spec, {
    ...launch,
    timeoutMs: options.timeoutMs ?? DEFAULT_VERIFY_TIMEOUT_MS,
  })
  return withDroppedEnv(def, scope, verify, dropped)
}

/** One line for a verification: what answered, or what went wrong. */
export function verifySummary(v: VerifyResult): string {
  const secs = (v.durationMs / 1000).toFixed(1)
  if (v.ok)
    return `${v.server!.name}${v.server!.version ? ` ${v.server!.version}` : ''} answered with ${v.tools} tool(s) in ${secs} s`
  return `${v.error ?? 'failed'}`
}

async function onPath(command: string, env: NodeJS.ProcessEnv, platform: Platform): Promise<boolean> {
  const p = platform === 'win32' ? path.win32 : path.posix
  const exts =
    platform === 'win32' ? ['', ...(envValue(env, 'PATHEXT', platform) ?? '.EXE;.CMD;.BAT').split(';')] : ['']
  const executable = async (file: string) => {
    try {
      await fs.access(file, platform === 'win32' ? constants.F_OK : constants.X_OK)
      return (await fs.stat(file)).isFile()
    } catch {
      return false
    }
  }
  if (p.isAbsolute(command) || command.includes(p.sep)) return executable(command)
  for (const dir of (envValue(env, 'PATH', platform) ?? '').split(platform === 'win32' ? ';' : ':')) {
    if (!dir) continue
    for (const ext of exts) if (await executable(p.join(dir, command + ext))) return true
  }
  return false
}

/** A finding for `docker mcp doctor` (the shape of its Check). */
export interface DoctorFinding {
  area: 'clients'
  status: 'ok' | 'warn' | 'fail'
  message: string
  fix?: string
}

/**
 * Quick static checks of client configs for `docker mcp doctor` (nothing is started: `docker mcp client
 * doctor` does that): connected clients and whether their command can be found, broken config files, and
 * a hint when no client is connected at all.
 */
export async function doctorClients(ctx: Context, options: ClientsOptions = {}): Promise<DoctorFinding[]> {
  const platform = options.platform ?? currentPlatform()
  const list = await listClients(ctx, {global: true, platform})
  const findings: DoctorFinding[] = []
  for (const c of list.clients) {
    if (c.error && c.exists) {
      findings.push({
        area: 'clients',
        status: 'warn',
        message: `${c.displayName}: ${c.error}`,
        fix: 'fix the file by hand; docker mcp leaves files it cannot parse untouched',
      })
      continue
    }
    if (!c.connected || !c.path) continue
    const text = await readConfigText(c.path)
    const def = findClient(c.id)
    const entry = readServers(c.path, text ?? '', configTarget(def)).find((s) => s.name === entryName(def))
    const spec = launchSpecOf(entry?.value)
    const dropped = launchEnvironment(def, {platform, env: ctx.env}, entry?.value).dropped
    if (spec && !(await onPath(spec.command, ctx.env, platform))) {
      findings.push({
        area: 'clients',
        status: 'warn',
        message: `${c.displayName} is connected, but its command "${spec.command}" ${
          path.isAbsolute(spec.command) || path.win32.isAbsolute(spec.command)
            ? 'does not exist or is not executable'
            : 'is not found on PATH'
        }`,
        fix: 'install the Docker CLI, or connect again with DOCKER_MCP_CLIENT_COMMAND set to the absolute path of docker',
      })
    } else if (dropped.length) {
      findings.push({
        area: 'clients',
        status: 'warn',
        message: `${c.displayName} is connected, but does not pass ${dropped.join(', ')} (set in your environment) to the gateway it starts`,
        fix: `docker mcp client connect ${c.id} --global`,
      })
    } else {
      findings.push({area: 'clients', status: 'ok', message: `${c.displayName} is connected (${c.path})`})
    }
  }
  if (!list.clients.some((c) => c.connected)) {
    const installed = list.clients.filter((c) => c.installed).map((c) => c.id)
    findings.push({
      area: 'clients',
      status: 'warn',
      message: 'no MCP client is connected to the gateway',
      fix: `docker mcp client connect <client> --global${installed.length ? ` (installed: ${installed.join(', ')})` : ''}`,
    })
  }
  return findings
}

/**
 * The clients whose gateway entry serves this profile (`--profile <id>`), user-level files and, inside a
 * project, the project's files: `profile rm` names them before removing what they run.
 */
export async function clientsUsingProfile(
  ctx: Context,
  profile: string,
  options: ClientsOptions = {},
): Promise<Array<{id: string; scope: Scope; path: string}>> {
  const lists = [await listClients(ctx, {...options, global: true})]
  const project = await listClients(ctx, {...options, global: false})
  if (project.scope === 'project') lists.push(project)
  return lists.flatMap((l) =>
    l.clients
      .filter((c) => c.connected && c.profile === profile && c.path)
      .map((c) => ({id: c.id, scope: c.scope, path: c.path!})),
  )
}
