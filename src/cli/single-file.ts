import {getAsset} from 'node:sea'

import type {Command, Hook, Interfaces, Plugin} from '@oclif/core'

import {mcpPaths} from '../paths.js'
import {pluginMetadata} from '../plugin/metadata.js'
import {setSelfCommand} from '../plugin/self.js'

/** A command module, imported on demand (`() => import('../../commands/server/ls.js')`). */
export type CommandLoader = () => Promise<{default: Command.Class}>

/**
 * Entry point of the single executable (`npm run build:binary`), the same steps as bin/run.js: answer
 * docker's metadata probe before loading anything, then completion, the gateway's oclif-free path, or
 * oclif. Every command module is bundled in: oclif gets them from `commands` instead of from files.
 */
export async function main(commands: Record<string, CommandLoader>): Promise<void> {
  const argv = process.argv.slice(2)
  const pkg = JSON.parse(getAsset('package.json', 'utf8')) as {version: string; homepage?: string}
  if (argv.length === 1 && argv[0] === 'docker-cli-plugin-metadata') {
    process.stdout.write(JSON.stringify(pluginMetadata(pkg)) + '\n')
    return
  }
  const {normalizeArgv, dockerOptionsToEnv} = await import('../plugin/argv.js')
  if (argv[0] !== '__complete' && argv[0] !== '__completeNoDesc') {
    for (const [key, value] of Object.entries(dockerOptionsToEnv(normalizeArgv(argv).docker))) {
      if (value === '') delete process.env[key]
      else process.env[key] = value
    }
  }
  const {ensureRoot} = await import('../single-file/runtime.js')
  const root = ensureRoot(mcpPaths(process.env))
  setSelfCommand([process.execPath])

  if (argv[0] === '__complete' || argv[0] === '__completeNoDesc') {
    const {runCompletion} = await import('./completion.js')
    const words = argv[1] === 'mcp' ? argv.slice(2) : argv.slice(1)
    const out = await runCompletion(words, {root, noDescriptions: argv[0] === '__completeNoDesc'})
    process.stderr.write(out.stderr)
    process.stdout.write(out.stdout, () => process.exit(0))
    return
  }
  const {args} = normalizeArgv(argv)
  if (args[0] === 'gateway' && args[1] === 'run' && !args.includes('--help') && !args.includes('-h')) {
    const {runGatewayFast} = await import('./gateway-fast-path.js')
    if (await runGatewayFast(args.slice(2), root)) return
  }
  // oclif's engine check require()s its package.json from disk, which is not there: skipped (the build's
  // node is the runtime), without leaving the variable to the processes we start.
  const engineCheck = process.env.OCLIF_DISABLE_ENGINE_WARNING
  process.env.OCLIF_DISABLE_ENGINE_WARNING = '1'
  const [{Plugin}, {helpPjson, runOclif}] = await Promise.all([
    import('@oclif/core'),
    import('./run-oclif.js'),
  ])
  if (engineCheck === undefined) delete process.env.OCLIF_DISABLE_ENGINE_WARNING
  else process.env.OCLIF_DISABLE_ENGINE_WARNING = engineCheck
  const pjson = helpPjson(JSON.parse(getAsset('package.json', 'utf8')))
  // oclif loads hooks and commands from files; ours are in this bundle instead.
  pjson.oclif.hooks = {}
  const plugin = new Plugin({isRoot: true, pjson, root})
  await plugin.load()
  bundledCommands(plugin, commands)
  const plugins = new Map([[plugin.name, plugin]])
  if (await commandNotFound(args, plugin, {root, pjson, plugins})) return
  await runOclif(args, {root, pjson, plugins})
}

/** Serve `plugin.findCommand` (which every command's `load()` calls) from the bundle. */
function bundledCommands(plugin: Plugin, commands: Record<string, CommandLoader>): void {
  plugin.findCommand = async (id: string, opts: {must?: boolean} = {}) => {
    const load = commands[id]
    if (!load) {
      if (opts.must) throw new Error(`command ${id} is not bundled into docker-mcp`)
      return undefined as unknown as Command.Class
    }
    const cmd = (await load()).default
    cmd.id = id
    cmd.plugin = plugin
    return cmd
  }
}

/**
 * oclif runs the `command_not_found` hook (src/cli/not-found.ts) from a file; here the command id is
 * worked out from the manifest as oclif does (the longest run of words that names a command or topic,
 * stopping at a flag or at the arguments of a command), and the hook is called directly when the id
 * names neither.
 */
async function commandNotFound(
  args: string[],
  plugin: Plugin,
  loadOptions: {root: string; pjson: Interfaces.PJSON; plugins: Map<string, Interfaces.Plugin>},
): Promise<boolean> {
  if (args.length === 0 || args[0]!.startsWith('-') || args[0] === 'help') return false
  const commands = new Map<string, Command.Loadable>()
  for (const c of plugin.commands) for (const id of [c.id, ...(c.aliases ?? [])]) commands.set(id, c)
  const usable = new Set<string>()
  for (const id of commands.keys()) {
    const parts = id.split(':')
    for (let i = 1; i <= parts.length; i++) usable.add(parts.slice(0, i).join(':'))
  }
  const final: string[] = []
  for (const arg of args) {
    const cmd = commands.get(final.join(':'))
    if (usable.has([...final, arg].join(':'))) final.push(arg)
    else if (arg.startsWith('-') || (cmd && (cmd.strict === false || Object.keys(cmd.args ?? {}).length > 0)))
      break
    else final.push(arg)
  }
  const id = final.join(':')
  if (commands.has(id) || usable.has(id)) return false
  const [{Config, handle}, {default: hook}] = await Promise.all([
    import('@oclif/core'),
    import('./not-found.js'),
  ])
  const config = await Config.load(loadOptions)
  try {
    await (hook as Hook.CommandNotFound).call(
      {config} as unknown as Hook.Context,
      {
        id,
        argv: args.slice(final.length),
        config,
        context: {config},
      } as unknown as Parameters<Hook.CommandNotFound>[0],
    )
  } catch (err) {
    await handle(err as Error)
  }
  return true
}
