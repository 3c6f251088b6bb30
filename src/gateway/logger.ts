import type {Writable} from 'node:stream'

/** The gateway's log: always stderr, because in stdio mode stdout belongs to JSON-RPC. */
export interface Logger {
  info(message: string): void
  warn(message: string): void
  /** Only with --verbose. */
  debug(message: string): void
}

export function createLogger(options: {verbose: boolean; stream?: Writable; quiet?: boolean}): Logger {
  const out = options.stream ?? process.stderr
  const write = (line: string) => void out.write(line.endsWith('\n') ? line : `${line}\n`)
  return {
    info: (m) => (options.quiet ? undefined : write(m)),
    warn: (m) => write(m),
    debug: (m) => (options.verbose ? write(m) : undefined),
  }
}

/** A logger that drops everything (tests, library callers that do not care). */
export const silentLogger: Logger = {info() {}, warn() {}, debug() {}}
