import yaml from 'yaml'

/**
 * `src/lazy-require.ts` in the single executable: the CommonJS packages the code loads on first use,
 * bundled in. dockerode is required lazily (the bundler keeps the require() where it is) so commands
 * that never talk to the engine do not evaluate it.
 */
const bundled: Record<string, () => unknown> = {
  yaml: () => yaml,
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  dockerode: () => require('dockerode'),
}

function lazy(id: string): unknown {
  // Node's own modules that the code loads on first use (http, https, child_process, worker_threads: issue
  // #21, what the gateway's start does not need): the executable's require has them all.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  if (id.startsWith('node:')) return require(id)
  const load = bundled[id]
  if (!load) throw new Error(`module "${id}" is not bundled into docker-mcp`)
  return load()
}

/** engine.ts stubs dockerode's BuildKit session through the cache; the build aliases that module instead. */
lazy.resolve = (id: string) => `bundled:${id}`
lazy.cache = {} as Record<string, unknown>

export const lazyRequire = lazy as unknown as NodeJS.Require
