import path from 'node:path'

import {mcpPaths, type McpPaths} from './paths.js'

/**
 * What every library call needs to know about its surroundings, built once at the edge. Nothing in
 * src/ reads `process.env` or locates files on its own: tests hand in a temp environment.
 */
export interface Context {
  env: NodeJS.ProcessEnv
  paths: McpPaths
  /** The package root (oclif's `config.root`): shipped catalogs live in `<root>/catalogs`. */
  root: string
  /** Directory of the shipped catalogs. */
  shippedCatalogsDir: string
  cwd: string
}

export function createContext(options: {env?: NodeJS.ProcessEnv; root: string; cwd?: string}): Context {
  const env = options.env ?? process.env
  return {
    env,
    paths: mcpPaths(env),
    root: options.root,
    shippedCatalogsDir: path.join(options.root, 'catalogs'),
    cwd: options.cwd ?? process.cwd(),
  }
}
