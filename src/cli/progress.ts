import ora from 'ora'

/**
 * Show that something slow is under way: an ora spinner on stderr when stderr is a terminal, one plain
 * line otherwise, nothing in --json mode. stdout is never touched (it may carry JSON or JSON-RPC).
 */
export async function withProgress<T>(
  text: string,
  fn: () => Promise<T>,
  options: {quiet?: boolean} = {},
): Promise<T> {
  if (options.quiet) return fn()
  const stream = process.stderr
  if (!stream.isTTY || process.env.CI) {
    stream.write(`${text}...\n`)
    return fn()
  }
  const spinner = ora({text, stream, discardStdin: false}).start()
  try {
    const result = await fn()
    spinner.stop()
    return result
  } catch (err) {
    spinner.stop()
    throw err
  }
}
