import path from 'node:path'

let self: string[] | undefined

/**
 * The command line that starts this program again (`docker mcp tools …` runs the gateway as a child):
 * node and bin/run.js from the package root, or the single executable alone, which says so at start.
 */
export function selfCommand(root: string): {command: string; args: string[]} {
  const [command, ...args] = self ?? [process.execPath, path.join(root, 'bin/run.js')]
  return {command: command!, args}
}

/** Called by the single executable's entry point: it is its own launcher. */
export function setSelfCommand(argv: string[]): void {
  self = argv
}

/** The single executable's own file, or undefined for an npm install (node runs bin/run.js). */
export function selfExecutable(): string | undefined {
  return self?.length === 1 ? self[0] : undefined
}
