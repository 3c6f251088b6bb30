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

/** One problem in a file: what is wrong, and where when known. */
export interface FileProblem {
  detail: string
  position?: {line: number; column?: number} | undefined
}

function where(file: string, position?: {line: number; column?: number}): string {
  return position ? `${file}:${position.line}${position.column ? `:${position.column}` : ''}` : file
}

/**
 * A file we could not read or parse. Names the file and, where known, line and column. A file with several
 * problems lists every one, one `file:line:column: detail` line each (the first is `detail`/`position`):
 * fixing a catalog one error per run took as many runs as it had mistakes.
 */
export class FileFormatError extends DockerMcpError {
  /** Every problem, the first one included. */
  readonly problems: FileProblem[]

  constructor(
    readonly file: string,
    readonly detail: string,
    readonly position?: {line: number; column?: number},
    options: {suggestions?: string[]; more?: FileProblem[]} = {},
  ) {
    const problems = [{detail, position}, ...(options.more ?? [])]
    super(problems.map((p) => `${where(file, p.position)}: ${p.detail}`).join('\n'), options)
    this.problems = problems
  }

  /** One error for all of `problems` (at least one), in the order given. */
  static of(file: string, problems: FileProblem[], options: {suggestions?: string[]} = {}): FileFormatError {
    const [first, ...more] = problems
    return new FileFormatError(file, first!.detail, first!.position, {...options, more})
  }
}

/** Is this an error we raised on purpose (as opposed to a bug)? */
export function isDockerMcpError(err: unknown): err is DockerMcpError {
  return err instanceof DockerMcpError
}
