import {createInterface} from 'node:readline'

/**
 * Ask a yes/no question on a terminal (the question on stderr, so stdout stays the command's output).
 * Only "y" or "yes" is a yes; an empty line, anything else or the end of input is a no.
 */
export async function confirm(
  question: string,
  input = process.stdin,
  output = process.stderr,
): Promise<boolean> {
  const rl = createInterface({input, output, terminal: true})
  try {
    const answer = await new Promise<string>((resolve) => {
      rl.once('close', () => resolve(''))
      rl.question(question, resolve)
    })
    return /^(y|yes)$/i.test(answer.trim())
  } finally {
    rl.close()
  }
}

/** Can we ask the user? Both ends must be a terminal: a script piping in or out gets no prompt. */
export function canPrompt(
  input: {isTTY?: boolean} = process.stdin,
  output: {isTTY?: boolean} = process.stderr,
): boolean {
  return input.isTTY === true && output.isTTY === true
}
