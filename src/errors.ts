/**
 * Errors the library throws for things the user can fix. Only the CLI edge renders them (once, no stack
 * trace); the gateway turns them into MCP errors. `suggestions` are next steps, shown under "Try this:".
 */
export class DockerMcpError extends Error {
  readonly suggestions: string[]
  /** Process exit code when this error ends a command: 1 like docker, 125 for usage errors. */
  readonly exitCode: number

  constructor(message: string, options: {suggestions?: string[]; exitCode?: number; cause?: unknown} = {}) {
    super(message, options.cause === undefined ? undefined : {cause: options.cause})
    this.name = new.target.name
    this.suggestions = options.suggestions ?? []
    this.exitCode = options.exitCode ?? 1
  }
}

/** Wrong arguments or flags: exit code 125 as docker's own flag errors. */
export class UsageError extends DockerMcpError {
  constructor(message: string, options: {suggestions?: string[]} = {}) {
    super(message, {...options, exitCode: 125})
  }
}

/** A file we could not read or parse. Names the file and, where known, line and column. */
export class FileFormatError extends DockerMcpError {
  constructor(
    readonly file: string,
    readonly detail: string,
    readonly position?: {line: number; column?: number},
    options: {suggestions?: string[]} = {},
  ) {
    const where = position ? `${file}:${position.line}${position.column ? `:${position.column}` : ''}` : file
    super(`${where}: ${detail}`, options)
  }
}

/** Is this an error we raised on purpose (as opposed to a bug)? */
export function isDockerMcpError(err: unknown): err is DockerMcpError {
  return err instanceof DockerMcpError
}
