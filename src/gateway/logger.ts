import type {Writable} from 'node:stream'

import {SecretMasker} from '../secrets/mask.js'

/** The gateway's log: always stderr, because in stdio mode stdout belongs to JSON-RPC. */
export interface Logger {
  info(message: string): void
  warn(message: string): void
  /** Only with --verbose. */
  debug(message: string): void
  /**
   * Secret values masked in every line this logger writes. Whoever resolves secrets registers them here
   * (src/gateway/configuration.ts), so that no message (a derived env value, a server's stderr, an error
   * tail) prints one in full. Absent on loggers that write nothing.
   */
  readonly secrets?: SecretMasker
}

export function createLogger(options: {
  verbose: boolean
  stream?: Writable
  /** `--log`: every line written is also appended here (masked alike). */
  tee?: {write(text: string): void}
  quiet?: boolean
  secrets?: SecretMasker
}): Logger {
  const out = options.stream ?? process.stderr
  const secrets = options.secrets ?? new SecretMasker()
  const write = (line: string) => {
    const masked = secrets.mask(line)
    const text = masked.endsWith('\n') ? masked : `${masked}\n`
    void out.write(text)
    options.tee?.write(text)
  }
  return {
    info: (m) => (options.quiet ? undefined : write(m)),
    warn: (m) => write(m),
    debug: (m) => (options.verbose ? write(m) : undefined),
    secrets,
  }
}

/** A logger that drops everything (tests, library callers that do not care). */
export const silentLogger: Logger = {info() {}, warn() {}, debug() {}}
