import {readFile} from 'node:fs/promises'
import path from 'node:path'

import {createContext, type Context} from '../context.js'

/**
 * Shell completion for `docker mcp …`, answered the way cobra programs answer it. Docker's CLI completes a
 * plugin by running `docker-mcp __complete mcp <words…> <word being completed>` (always `__complete`, even
 * when the shell asked docker for `__completeNoDesc`) and copying our stdout to the shell script. The
 * protocol (cobra's `completions.go`): one completion per line, `value\tdescription` or just `value`, then
 * `:<directive>`; a human-readable line goes to stderr, which the scripts discard.
 *
 * Everything here is read from `oclif.manifest.json` (no oclif loaded) and, for argument values, from the
 * library through lazily imported sources: completing a command name loads nothing else.
 */

/** cobra's ShellCompDirective bits. */
export const Directive = {
  Default: 0,
  Error: 1,
  NoSpace: 2,
  NoFileComp: 4,
  FilterFileExt: 8,
  FilterDirs: 16,
  KeepOrder: 32,
} as const

/** One candidate: what the shell inserts, and an optional one-line description (zsh, fish show it). */
export interface Completion {
  value: string
  description?: string | undefined
}

export interface CompletionResult {
  completions: Completion[]
  /** A sum of `Directive` bits. */
  directive: number
  /** Why there are no completions, for stderr (never shown by the shell scripts). */
  error?: string
}

/** The parts of oclif's manifest completion needs. */
export interface ManifestFlag {
  name: string
  char?: string
  description?: string
  summary?: string
  type: 'boolean' | 'option'
  options?: string[]
  multiple?: boolean
  hidden?: boolean
  allowNo?: boolean
}

export interface ManifestArg {
  name: string
  description?: string
  options?: string[]
}

export interface ManifestCommand {
  id: string
  description?: string
  summary?: string
  hidden?: boolean
  aliases?: string[]
  hiddenAliases?: string[]
  strict?: boolean
  args?: Record<string, ManifestArg>
  flags?: Record<string, ManifestFlag>
}

export interface CompletionManifest {
  /** Keyed by oclif id: topics joined by `:` (`server:add`). */
  commands: Record<string, ManifestCommand>
  /** `oclif.topics` of package.json: descriptions of `server`, `catalog`, … */
  topics?: Record<string, {description?: string}>
}

/**
 * Where argument and flag values come from. Each returns every candidate; `complete` filters them. The
 * library implementation is `librarySources`; tests may hand in their own.
 */
export interface CompletionSources {
  /** Servers defined by any configured catalog. */
  servers(): Promise<Completion[]>
  /** Servers enabled in registry.yaml. */
  enabledServers(): Promise<Completion[]>
  /** Secret names (never values), from the stores `store` selects (default: as `secret ls`). */
  secrets(store?: string): Promise<Completion[]>
  /** Client ids of `docker mcp client`. */
  clients(): Promise<Completion[]>
  /** Configured catalogs. */
  catalogs(): Promise<Completion[]>
  /** Tools the catalogs declare for the enabled servers. */
  tools(): Promise<Completion[]>
}

type SourceName = keyof CompletionSources

/** How the values of one argument or flag are completed beyond the manifest's `options`. */
interface ValueSpec {
  source?: SourceName
  /** Paths are accepted: let the shell complete files when nothing of ours matches. */
  files?: boolean
  /** A comma-separated list (`--servers a,b`): complete the item after the last comma. */
  list?: boolean
}

const servers: ValueSpec = {source: 'servers'}
const catalogs: ValueSpec = {source: 'catalogs'}
const clients: ValueSpec = {source: 'clients'}
const secrets: ValueSpec = {source: 'secrets'}
const tools: ValueSpec = {source: 'tools'}
const files: ValueSpec = {files: true}

/** Positional arguments with dynamic values, by command id and argument name. */
const ARG_VALUES: Record<string, Record<string, ValueSpec>> = {
  'server:add': {name: servers},
  'server:inspect': {name: servers},
  'server:rm': {name: {source: 'enabledServers'}},
  'secret:rm': {name: secrets},
  'secret:set': {secret: secrets},
  'client:connect': {client: clients},
  'client:disconnect': {client: clients},
  'client:doctor': {client: clients},
  'catalog:show': {name: catalogs},
  'catalog:rm': {name: catalogs},
  'catalog:update': {name: catalogs},
  'catalog:export': {name: catalogs, file: files},
  'catalog:fork': {source: catalogs},
  'catalog:add': {catalog: catalogs, file: files},
  'catalog:import': {source: files},
  'tools:call': {tool: tools},
  'tools:inspect': {tool: tools},
  'tools:enable': {tool: tools},
  'tools:disable': {tool: tools},
}

/** Flags with dynamic values, by command id and flag name. */
const FLAG_VALUES: Record<string, Record<string, ValueSpec>> = {
  'gateway:run': {
    servers: {...servers, list: true},
    catalog: {...catalogs, files: true},
    'additional-catalog': {...catalogs, files: true},
    registry: files,
    config: files,
    'tools-config': files,
    secrets: files,
  },
  'tools:enable': {server: servers},
  'tools:disable': {server: servers},
}

/**
 * Shells wait for us: a keychain that does not answer (a D-Bus activation can stall for 25 s) must not
 * hang the prompt. Generous enough for a large catalog (about 1 s for 1 MB of YAML on a small VM).
 */
export const DEFAULT_SOURCE_TIMEOUT_MS = 3000

/** First line, trimmed, no tabs: a description must fit on the completion's line. */
function oneLine(text: string | undefined): string | undefined {
  const line = text?.split('\n', 1)[0]?.replace(/\t/g, ' ').trim()
  return line ? line : undefined
}

function byValue(a: Completion, b: Completion): number {
  return a.value < b.value ? -1 : a.value > b.value ? 1 : 0
}

/** Candidates starting with `prefix`, without duplicates or values a shell line cannot carry, sorted. */
function matching(candidates: Completion[], prefix: string, exclude: readonly string[] = []): Completion[] {
  const seen = new Set(exclude)
  const out: Completion[] = []
  for (const c of candidates) {
    if (seen.has(c.value) || !c.value.startsWith(prefix) || /\s/.test(c.value)) continue
    seen.add(c.value)
    out.push({value: c.value, description: oneLine(c.description)})
  }
  return out.sort(byValue)
}

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<never>((_, reject) => {
    // Not unref'd: a source stuck on a promise that holds no handle must still end with an answer.
    timer = setTimeout(() => reject(new Error(`${what} did not answer within ${ms} ms`)), ms)
  })
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer))
}

function commandSummary(cmd: ManifestCommand): string | undefined {
  return oneLine(cmd.summary ?? cmd.description)
}

interface Index {
  /** Ids and aliases (visible or not) → command. */
  byId: Map<string, ManifestCommand>
  /** Every proper prefix of an id or alias: the topics one can walk through. */
  topics: Set<string>
}

function indexManifest(manifest: CompletionManifest): Index {
  const byId = new Map<string, ManifestCommand>()
  const topics = new Set<string>()
  for (const cmd of Object.values(manifest.commands)) {
    for (const id of [cmd.id, ...(cmd.aliases ?? []), ...(cmd.hiddenAliases ?? [])]) {
      if (!byId.has(id) || id === cmd.id) byId.set(id, cmd)
      const parts = id.split(':')
      for (let i = 1; i < parts.length; i++) topics.add(parts.slice(0, i).join(':'))
    }
  }
  return {byId, topics}
}

/** The visible subcommands and subtopics under `topic` ('' for the root), as cobra lists subcommands. */
function children(manifest: CompletionManifest, topic: string, word: string): Completion[] {
  const prefix = topic ? `${topic}:` : ''
  const found = new Map<string, Completion>()
  for (const cmd of Object.values(manifest.commands)) {
    if (cmd.hidden || !cmd.id.startsWith(prefix)) continue
    const rest = cmd.id.slice(prefix.length).split(':')
    const name = rest[0]!
    if (rest.length === 1) found.set(name, {value: name, description: commandSummary(cmd)})
    else if (!found.has(name))
      found.set(name, {value: name, description: manifest.topics?.[`${prefix}${name}`]?.description})
  }
  return matching([...found.values()], word)
}

interface ParsedLine {
  positionals: string[]
  used: Set<string>
  /** The line ends with a flag that takes a value (`--format `): the word is its value. */
  awaiting?: ManifestFlag
  /** `--` was given: every later word is positional. */
  dashdash: boolean
  help: boolean
}

function findFlag(cmd: ManifestCommand, token: string): {flag?: ManifestFlag; inline?: string} {
  const flags = Object.values(cmd.flags ?? {})
  if (token.startsWith('--')) {
    const eq = token.indexOf('=')
    const name = eq === -1 ? token.slice(2) : token.slice(2, eq)
    const inline = eq === -1 ? undefined : token.slice(eq + 1)
    const flag =
      flags.find((f) => f.name === name) ??
      (name.startsWith('no-') ? flags.find((f) => f.allowNo && f.name === name.slice(3)) : undefined)
    return {flag, inline}
  }
  // `-c`, `-cvalue`, `-c=value`.
  const flag = flags.find((f) => f.char === token[1])
  if (!flag || token.length === 2) return {flag}
  return {flag, inline: token.slice(token[2] === '=' ? 3 : 2)}
}

function parseLine(cmd: ManifestCommand, words: readonly string[]): ParsedLine {
  const line: ParsedLine = {positionals: [], used: new Set(), dashdash: false, help: false}
  for (let i = 0; i < words.length; i++) {
    const token = words[i]!
    if (line.dashdash || token === '-' || !token.startsWith('-')) {
      line.positionals.push(token)
      continue
    }
    if (token === '--') {
      line.dashdash = true
      continue
    }
    if (token === '--help' || token === '-h') line.help = true
    const {flag, inline} = findFlag(cmd, token)
    if (!flag) continue
    line.used.add(flag.name)
    if (flag.type === 'option' && inline === undefined) {
      if (i + 1 < words.length) i++
      else line.awaiting = flag
    }
  }
  return line
}

/** `--name` and `-c` of the flags not given yet (repeatable ones always), as cobra lists them. */
function flagNames(cmd: ManifestCommand, used: Set<string>, word: string): Completion[] {
  const out: Completion[] = []
  const flags = Object.values(cmd.flags ?? {}).sort((a, b) =>
    a.name < b.name ? -1 : a.name > b.name ? 1 : 0,
  )
  for (const flag of flags) {
    if (flag.hidden || (used.has(flag.name) && !flag.multiple)) continue
    const description = oneLine(flag.summary ?? flag.description)
    const names = [`--${flag.name}`]
    if (flag.char) names.push(`-${flag.char}`)
    // `--no-x` only once the user typed `--no`: listing every negation would double the list.
    if (flag.allowNo && word.startsWith('--no')) names.push(`--no-${flag.name}`)
    for (const name of names) if (name.startsWith(word)) out.push({value: name, description})
  }
  return out
}

interface Lookup {
  sources: CompletionSources
  timeoutMs: number
  /** Flag values given on the line, for sources that depend on them (`secret rm --store file`). */
  flagValues: Record<string, string>
}

async function valuesOf(
  spec: ValueSpec | undefined,
  options: string[] | undefined,
  word: string,
  exclude: readonly string[],
  lookup: Lookup,
): Promise<CompletionResult> {
  const directive = spec?.files ? Directive.Default : Directive.NoFileComp
  let head = ''
  let partial = word
  let taken = [...exclude]
  if (spec?.list) {
    const comma = word.lastIndexOf(',')
    head = word.slice(0, comma + 1)
    partial = word.slice(comma + 1)
    taken = [...taken, ...head.split(',').filter(Boolean)]
  }
  let candidates: Completion[] = (options ?? []).map((value) => ({value}))
  if (spec?.source) {
    const source = spec.source
    const call =
      source === 'secrets' ? lookup.sources.secrets(lookup.flagValues.store) : lookup.sources[source]()
    candidates = [...candidates, ...(await withTimeout(call, lookup.timeoutMs, `the ${source} lookup`))]
  }
  const found = matching(candidates, partial, taken).map((c) => ({...c, value: head + c.value}))
  return {completions: found, directive}
}

function flagValuesOf(cmd: ManifestCommand, words: readonly string[]): Record<string, string> {
  const values: Record<string, string> = {}
  for (let i = 0; i < words.length; i++) {
    const token = words[i]!
    if (token === '--') break
    if (!token.startsWith('-')) continue
    const {flag, inline} = findFlag(cmd, token)
    if (flag?.type !== 'option') continue
    const value = inline ?? words[i + 1]
    if (value !== undefined) values[flag.name] = value
  }
  return values
}

/**
 * Completions for `docker mcp <words…> <word>`: subcommands and topics, flag names, flag values (from
 * the manifest's `options`, or a source) and argument values (from a source). `words` are the words
 * before the one being completed, without `mcp`. Never throws: a failing source gives no completions and
 * the reason in `error`.
 */
export async function complete(
  manifest: CompletionManifest,
  words: readonly string[],
  word: string,
  sources: CompletionSources,
  options: {timeoutMs?: number} = {},
): Promise<CompletionResult> {
  const none = (error?: string): CompletionResult => ({
    completions: [],
    directive: Directive.NoFileComp,
    ...(error ? {error} : {}),
  })
  const {byId, topics} = indexManifest(manifest)

  // Walk the command words: `server add …` → command `server:add`, the rest are its arguments.
  const path: string[] = []
  let i = 0
  for (; i < words.length; i++) {
    const next = [...path, words[i]!].join(':')
    if (words[i]!.startsWith('-') || !(byId.has(next) || topics.has(next))) break
    path.push(words[i]!)
  }
  const id = path.join(':')
  const rest = words.slice(i)
  const cmd = byId.get(id)
  if (!cmd) {
    if (rest.length > 0) return none(`unknown command "${[...path, rest[0]].join(' ')}" for "docker mcp"`)
    if (word.startsWith('-')) return none()
    return {completions: children(manifest, id, word), directive: Directive.NoFileComp}
  }

  const line = parseLine(cmd, rest)
  if (line.help) return none()
  const lookup: Lookup = {
    sources,
    timeoutMs: options.timeoutMs ?? DEFAULT_SOURCE_TIMEOUT_MS,
    flagValues: flagValuesOf(cmd, rest),
  }
  const specs = FLAG_VALUES[cmd.id] ?? {}
  try {
    if (line.awaiting)
      return await valuesOf(specs[line.awaiting.name], line.awaiting.options, word, [], lookup)

    if (!line.dashdash && word.startsWith('-')) {
      const eq = word.indexOf('=')
      if (eq === -1) return {completions: flagNames(cmd, line.used, word), directive: Directive.NoFileComp}
      // `--format=y`: complete the value, keeping `--format=` in front as cobra does.
      const {flag} = findFlag(cmd, word)
      if (flag?.type !== 'option') return none()
      const head = word.slice(0, eq + 1)
      const result = await valuesOf(specs[flag.name], flag.options, word.slice(eq + 1), [], lookup)
      return {...result, completions: result.completions.map((c) => ({...c, value: head + c.value}))}
    }

    // A command that is also a topic lists its subcommands before any argument, as cobra does.
    const subcommands =
      rest.length === 0 && topics.has(cmd.id) ? children(manifest, cmd.id, word) : ([] as Completion[])
    const args = Object.values(cmd.args ?? {})
    const index = line.positionals.length
    const arg = args[index] ?? (cmd.strict === false ? args.at(-1) : undefined)
    if (!arg) return {completions: subcommands, directive: Directive.NoFileComp}
    // A variadic argument (`server add a b …`) does not offer what the line already names.
    const exclude = index >= args.length - 1 ? line.positionals.slice(args.length - 1) : []
    const result = await valuesOf(ARG_VALUES[cmd.id]?.[arg.name], arg.options, word, exclude, lookup)
    return {...result, completions: [...subcommands, ...result.completions]}
  } catch (err) {
    return none(err instanceof Error ? err.message : String(err))
  }
}

/** cobra's names of the directive bits, for the stderr line. */
function directiveName(directive: number): string {
  const names = Object.entries(Directive)
    .filter(([, bit]) => bit !== 0 && (directive & bit) !== 0)
    .map(([name]) => `ShellCompDirective${name}`)
  return names.length > 0 ? names.join(', ') : 'ShellCompDirectiveDefault'
}

/** Go's strconv.ParseBool, which cobra uses for `<PROGRAM>_COMPLETION_DESCRIPTIONS`. */
function parseGoBool(value: string | undefined): boolean | undefined {
  if (value === undefined) return undefined
  if (['1', 't', 'T', 'TRUE', 'true', 'True'].includes(value)) return true
  if (['0', 'f', 'F', 'FALSE', 'false', 'False'].includes(value)) return false
  return undefined
}

/**
 * The protocol text: stdout for the shell script, stderr for a human running `docker __complete` by
 * hand. Without descriptions, each line is the bare value.
 */
export function formatCompletions(
  result: CompletionResult,
  options: {descriptions: boolean},
): {stdout: string; stderr: string} {
  const lines = result.completions.map((c) =>
    options.descriptions && c.description ? `${c.value}\t${c.description}` : c.value,
  )
  const stdout = [...lines, `:${result.directive}`].join('\n') + '\n'
  const stderr =
    (result.error ? `Error: ${oneLine(result.error)}\n` : '') +
    `Completion ended with directive: ${directiveName(result.directive)}\n`
  return {stdout, stderr}
}

/** Read the command table: `oclif.manifest.json` and the topic descriptions of package.json. */
export async function loadCompletionManifest(root: string): Promise<CompletionManifest> {
  const [manifest, pkg] = await Promise.allSettled([
    readFile(path.join(root, 'oclif.manifest.json'), 'utf8').then(
      (t) => JSON.parse(t) as {commands?: Record<string, ManifestCommand>},
    ),
    readFile(path.join(root, 'package.json'), 'utf8').then(
      (t) => JSON.parse(t) as {oclif?: {topics?: Record<string, {description?: string}>}},
    ),
  ])
  // Read together, reported in order: the manifest's error first, whichever read failed first.
  if (manifest.status === 'rejected') throw manifest.reason
  if (pkg.status === 'rejected') throw pkg.reason
  return {commands: manifest.value.commands ?? {}, topics: pkg.value.oclif?.topics ?? {}}
}

/**
 * The sources backed by the library. Each imports its module on first use, so that completing a command
 * name or a flag loads neither the YAML parser, zod nor the keychain module.
 */
export function librarySources(ctx: Context): CompletionSources {
  return {
    async servers() {
      const {loadServers} = await import('../catalog/load.js')
      const {servers} = await loadServers(ctx)
      return [...servers.values()].map((s) => ({
        value: s.name,
        description: s.entry.description ?? s.entry.title,
      }))
    },
    async enabledServers() {
      const {readRegistry} = await import('../registry/index.js')
      return (await readRegistry(ctx)).map((value) => ({value}))
    },
    async secrets(store) {
      const {openSecretStores, SECRET_STORE_MODES} = await import('../secrets/sources.js')
      const mode = SECRET_STORE_MODES.find((m) => m === store)
      // Names only: listings never carry values. The auto-mode fallback warning is not ours to print here.
      const sources = await openSecretStores(ctx, {...(mode ? {store: mode} : {}), onWarning: () => {}})
      return (await sources.list()).map((s) => ({value: s.name}))
    },
    async clients() {
      const {CLIENTS} = await import('../clients/table.js')
      return CLIENTS.map((c) => ({value: c.id, description: c.displayName}))
    },
    async catalogs() {
      const {listCatalogs} = await import('../catalog/load.js')
      return (await listCatalogs(ctx)).map((c) => ({value: c.name, description: c.displayName}))
    },
    async tools() {
      const [{loadServers}, {readRegistry}] = await Promise.all([
        import('../catalog/load.js'),
        import('../registry/index.js'),
      ])
      const [{servers}, enabled] = await Promise.all([loadServers(ctx), readRegistry(ctx)])
      return enabled.flatMap((name) =>
        (servers.get(name)?.entry.tools ?? []).map((t) => ({value: t.name, description: t.description})),
      )
    },
  }
}

/**
 * Answer `docker-mcp __complete [mcp] <words…> <word>` (argv after `__complete` and `mcp`): the whole
 * protocol text, never an exception. `noDescriptions` for `__completeNoDesc`; descriptions are also
 * dropped when `DOCKER_COMPLETION_DESCRIPTIONS` is false, the variable docker's own cobra honours.
 */
export async function runCompletion(
  argv: readonly string[],
  options: {
    root: string
    env?: NodeJS.ProcessEnv
    cwd?: string
    noDescriptions?: boolean
    timeoutMs?: number
  },
): Promise<{stdout: string; stderr: string}> {
  const env = options.env ?? process.env
  const descriptions =
    !options.noDescriptions &&
    (parseGoBool(env.DOCKER_COMPLETION_DESCRIPTIONS) ??
      parseGoBool(env.DOCKER_MCP_COMPLETION_DESCRIPTIONS) ??
      true)
  let result: CompletionResult
  try {
    // The shells always send the word being completed, possibly empty; a bare `__complete` has none.
    const words = argv.slice(0, -1)
    const word = argv.at(-1) ?? ''
    const manifest = await loadCompletionManifest(options.root)
    const ctx = createContext({env, root: options.root, ...(options.cwd ? {cwd: options.cwd} : {})})
    result = await complete(manifest, words, word, librarySources(ctx), {
      ...(options.timeoutMs !== undefined ? {timeoutMs: options.timeoutMs} : {}),
    })
  } catch (err) {
    result = {
      completions: [],
      directive: Directive.NoFileComp,
      error: err instanceof Error ? err.message : String(err),
    }
  }
  return formatCompletions(result, {descriptions})
}
