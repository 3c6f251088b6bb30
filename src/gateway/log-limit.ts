/**
 * A log that lets `burst` lines through per `windowMs` and counts the rest, reporting how many were
 * dropped when the next window opens. Why: a server that writes garbage to stdout in a loop must not turn
 * the gateway's log (and its CPU) into a copy of it; the first lines are what explains the problem.
 */
export function rateLimitedLog(
  write: (line: string) => void,
  options: {burst: number; windowMs: number; now?: () => number},
): (line: string) => void {
  const now = options.now ?? Date.now
  let windowStart = -Infinity
  let written = 0
  let dropped = 0
  return (line) => {
    const t = now()
    if (t - windowStart >= options.windowMs) {
      if (dropped > 0) write(`(${dropped} more such line(s) not shown)`)
      windowStart = t
      written = 0
      dropped = 0
    }
    if (written < options.burst) {
      written++
      write(line)
    } else {
      dropped++
    }
  }
}
