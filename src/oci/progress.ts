/**
 * Push and pull progress on stderr, drawn the way image pulls are (`src/docker/pull-progress.ts`): on a
 * terminal one line per blob redrawn in place (`a1b2c3d4e5f6: Pushing [===>   ] 1.2kB/4.5kB`), anywhere else
 * one plain line per blob state change. stdout is left to the command's result.
 */
import {
  applyPullEvent,
  LiveTerminal,
  plainLine,
  pullDisplay,
  ttyLines,
  type PullState,
  type TerminalStream,
} from '../docker/pull-progress.js'
import type {TransferProgress} from './artifact.js'

export interface TransferReporter {
  progress(event: TransferProgress): void
  /** The transfer is over (done or failed): the terminal block stays on screen as it last was. */
  end(): void
}

export function createTransferReporter(options: {
  stream: TerminalStream & {isTTY?: boolean}
  env: NodeJS.ProcessEnv
  direction: 'push' | 'pull'
}): TransferReporter {
  const display = pullDisplay(options.stream, options.env)
  let state: PullState = []
  const header = options.direction === 'push' ? 'Pushing' : undefined
  if (display.mode === 'plain') {
    return {
      progress(event) {
        const line = plainLine(state, event)
        state = applyPullEvent(state, event)
        if (line) options.stream.write(`${line}\n`)
      },
      end() {},
    }
  }
  const terminal = new LiveTerminal(options.stream)
  const frame = () =>
    ttyLines(header ? state.map((s) => ({...s, header: s.header ?? header})) : state, {
      columns: terminal.columns,
      color: display.color,
    })
  return {
    progress(event) {
      state = applyPullEvent(state, event)
      terminal.update(frame())
    },
    end() {
      if (state.length) terminal.print(frame().join('\n'), [])
      state = []
    },
  }
}
