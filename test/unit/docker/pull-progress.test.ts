import assert from 'node:assert/strict'
import {describe, test} from 'node:test'

import {
  applyPullEvent,
  createPullReporter,
  humanSize,
  LiveTerminal,
  plainLine,
  progressBar,
  pullDisplay,
  repaint,
  ttyLines,
  type PullState,
} from '../../../src/docker/pull-progress.js'
import type {PullProgress} from '../../../src/docker/runtime.js'

const A = 'registry.local/a:1'
const B = 'registry.local/b:2'

/** What dockerd sends for a one-layer pull, as ContainerRuntime.pull hands it over. */
function pullEvents(image: string, layer: string, size = 4_500_000): PullProgress[] {
  return [
    {image, id: image.split(':').pop()!, status: `Pulling from ${image.split('/')[1]!.split(':')[0]}`},
    {image, id: layer, status: 'Pulling fs layer'},
    {image, id: layer, status: 'Waiting'},
    {image, id: layer, status: 'Downloading', current: 65_536, total: size},
    {image, id: layer, status: 'Downloading', current: 1_200_000, total: size},
    {image, id: layer, status: 'Downloading', current: size, total: size},
    {image, id: layer, status: 'Verifying Checksum'},
    {image, id: layer, status: 'Download complete'},
    {image, id: layer, status: 'Extracting', current: 32_768, total: 3 * size},
    {image, id: layer, status: 'Extracting', current: 3 * size, total: 3 * size},
    {image, id: layer, status: 'Pull complete'},
    {image, status: 'Digest: sha256:abc'},
    {image, status: `Status: Downloaded newer image for ${image}`},
  ]
}

const fold = (events: PullProgress[], state: PullState = []) => events.reduce(applyPullEvent, state)

/**
 * A tiny terminal: enough of VT100 (CR, LF, cursor up, erase line, erase below, SGR ignored) to show what a
 * user would see after the bytes we write. Guards the cursor arithmetic, which is what breaks in practice.
 */
function screenAfter(bytes: string): string[] {
  const screen: string[] = ['']
  let row = 0
  let col = 0
  for (let i = 0; i < bytes.length; i++) {
    const ch = bytes[i]!
    if (ch === '\x1b') {
      const m = /^\[(\d*)([A-Za-z])/.exec(bytes.slice(i + 1))!
      const n = Number(m[1] || '1')
      if (m[2] === 'A') row = Math.max(0, row - n)
      else if (m[2] === 'B') row = Math.min(screen.length - 1, row + n)
      else if (m[2] === 'K') screen[row] = ''
      else if (m[2] === 'J') {
        screen[row] = screen[row]!.slice(0, col)
        screen.length = row + 1
      }
      i += m[0].length
    } else if (ch === '\n') {
      row++
      col = 0
      screen[row] ??= ''
    } else if (ch === '\r') {
      col = 0
    } else {
      const line = screen[row]!.padEnd(col)
      screen[row] = line.slice(0, col) + ch + line.slice(col + 1)
      col++
    }
  }
  return screen.slice(0, screen.at(-1) === '' ? -1 : undefined)
}

describe('pullDisplay', () => {
  const cases: Array<[string, boolean | undefined, NodeJS.ProcessEnv, {mode: string; color: boolean}]> = [
    ['terminal', true, {TERM: 'xterm'}, {mode: 'tty', color: true}],
    ['pipe (an MCP client reading stderr)', false, {}, {mode: 'plain', color: false}],
    ['no isTTY at all', undefined, {}, {mode: 'plain', color: false}],
    ['CI=true on a terminal', true, {CI: 'true'}, {mode: 'plain', color: false}],
    ['CI=1', true, {CI: '1'}, {mode: 'plain', color: false}],
    ['CI=false is not CI', true, {CI: 'false'}, {mode: 'tty', color: true}],
    ['TERM=dumb cannot move the cursor', true, {TERM: 'dumb'}, {mode: 'plain', color: false}],
    ['NO_COLOR keeps the redraw, drops colour', true, {NO_COLOR: '1'}, {mode: 'tty', color: false}],
    ['empty NO_COLOR is ignored (no-color.org)', true, {NO_COLOR: ''}, {mode: 'tty', color: true}],
  ]
  for (const [name, isTTY, env, want] of cases) {
    test(name, () => assert.deepEqual(pullDisplay({isTTY}, env), want))
  }
})

test('humanSize prints sizes as docker does (decimal units, 4 significant digits)', () => {
  const cases: Array<[number, string]> = [
    [0, '0B'],
    [999, '999B'],
    [1000, '1kB'],
    [65_536, '65.54kB'],
    [1_200_000, '1.2MB'],
    [4_500_000, '4.5MB'],
    [35_212_345, '35.21MB'],
    [105_431_040, '105.4MB'],
    [2_000_000_000, '2GB'],
  ]
  for (const [bytes, want] of cases) assert.equal(humanSize(bytes), want, String(bytes))
})

test('progressBar draws docker progress columns', () => {
  const cases: Array<[number, number | undefined, number, string]> = [
    [0, 100, 10, '[>          ]       0B/100B'],
    [1_200_000, 4_500_000, 10, '[==>        ]    1.2MB/4.5MB'],
    [4_500_000, 4_500_000, 10, '[==========>]    4.5MB/4.5MB'],
    [1_200_000, 4_500_000, 50, `[${'='.repeat(13)}>${' '.repeat(37)}]    1.2MB/4.5MB`],
    // No room for a bar: the numbers alone.
    [1_200_000, 4_500_000, 0, '   1.2MB/4.5MB'],
    // Unknown total, or past a wrong total: the current size alone, never a bar overflowing its box.
    [1_200_000, undefined, 10, '   1.2MB'],
    [1_200_000, 0, 10, '   1.2MB'],
    [5_000_000, 4_500_000, 10, '[==========>]      5MB'],
  ]
  for (const [current, total, width, want] of cases) {
    assert.equal(progressBar(current, total, width), want, `${current}/${total} in ${width}`)
  }
})

describe('applyPullEvent', () => {
  test('a pull folds into a header, one entry per layer with its last state, and the closing notes', () => {
    const state = fold(pullEvents(A, 'aaaa'))
    assert.deepEqual(state, [
      {
        image: A,
        header: 'Pulling from a',
        layers: [{id: 'aaaa', status: 'Pull complete'}],
        notes: ['Digest: sha256:abc', `Status: Downloaded newer image for ${A}`],
      },
    ])
  })

  test('byte counts belong to the state that reported them: a later state without counts drops them', () => {
    const downloading = fold(pullEvents(A, 'aaaa').slice(0, 5))
    assert.deepEqual(downloading[0]!.layers, [
      {id: 'aaaa', status: 'Downloading', current: 1_200_000, total: 4_500_000},
    ])
    const verified = applyPullEvent(downloading, {image: A, id: 'aaaa', status: 'Verifying Checksum'})
    assert.deepEqual(verified[0]!.layers, [{id: 'aaaa', status: 'Verifying Checksum'}])
  })

  test('never mutates the state it is given', () => {
    const before = fold(pullEvents(A, 'aaaa').slice(0, 3))
    const copy = structuredClone(before)
    applyPullEvent(before, {image: A, id: 'aaaa', status: 'Downloading', current: 1, total: 2})
    applyPullEvent(before, {image: B, id: 'bbbb', status: 'Pulling fs layer'})
    assert.deepEqual(before, copy)
  })

  test('layers keep the order in which they first appeared, images too', () => {
    const state = fold([
      {image: B, id: 'b1', status: 'Pulling fs layer'},
      {image: A, id: 'a1', status: 'Pulling fs layer'},
      {image: B, id: 'b2', status: 'Pulling fs layer'},
      {image: B, id: 'b1', status: 'Download complete'},
    ])
    assert.deepEqual(
      state.map((s) => [s.image, s.layers.map((l) => `${l.id}=${l.status}`)]),
      [
        [B, ['b1=Download complete', 'b2=Pulling fs layer']],
        [A, ['a1=Pulling fs layer']],
      ],
    )
  })
})

describe('plainLine (stderr is not a terminal)', () => {
  /** Every line printed for these events, as createPullReporter prints them. */
  function plainLines(events: PullProgress[]): string[] {
    const lines: string[] = []
    events.reduce<PullState>((state, event) => {
      const line = plainLine(state, event)
      if (line) lines.push(line)
      return applyPullEvent(state, event)
    }, [])
    return lines
  }

  test('one line per layer state change, Downloading once with its size, never the byte counts', () => {
    assert.deepEqual(plainLines(pullEvents(A, 'aaaa')), [
      `  - ${A}: Pulling from a`,
      `  - ${A} aaaa: Pulling fs layer`,
      `  - ${A} aaaa: Waiting`,
      `  - ${A} aaaa: Downloading (4.5MB)`,
      `  - ${A} aaaa: Verifying Checksum`,
      `  - ${A} aaaa: Download complete`,
      `  - ${A} aaaa: Extracting (13.5MB)`,
      `  - ${A} aaaa: Pull complete`,
      `  - ${A}: Digest: sha256:abc`,
      `  - ${A}: Status: Downloaded newer image for ${A}`,
    ])
  })

  test('two pulls interleaved: every line names its image, so they stay apart', () => {
    const a = pullEvents(A, 'aaaa')
    const b = pullEvents(B, 'aaaa')
    const interleaved = a.flatMap((e, i) => [e, b[i]!])
    const lines = plainLines(interleaved)
    assert.equal(lines.length, 20)
    assert.deepEqual(
      lines.filter((l) => l.includes(`${A} `) || l.includes(`${A}:`)),
      plainLines(a),
    )
    // Same layer id in both images: the state is per image, so B's layer is not "already Downloading".
    assert.ok(lines.includes(`  - ${B} aaaa: Downloading (4.5MB)`))
  })

  test('an event with no status prints nothing', () => {
    assert.equal(plainLine([], {image: A, id: 'x', status: ''}), undefined)
  })
})

describe('ttyLines (stderr is a terminal)', () => {
  test('docker-like lines: header, layers with a progress bar while moving, notes', () => {
    const events = pullEvents(A, 'aaaa')
    assert.deepEqual(ttyLines(fold(events.slice(0, 5)), {columns: 80}), [
      `${A}: Pulling from a`,
      `  aaaa: Downloading [=====>               ]    1.2MB/4.5MB`,
    ])
    assert.deepEqual(ttyLines(fold(events), {columns: 80}), [
      `${A}: Pulling from a`,
      '  aaaa: Pull complete',
      '  Digest: sha256:abc',
      `  Status: Downloaded newer image for ${A}`,
    ])
  })

  test('bar width follows the terminal width, like docker (50 past 110 columns, none when narrow)', () => {
    const state = fold(pullEvents(A, 'aaaa').slice(0, 5))
    assert.match(ttyLines(state, {columns: 120})[1]!, /\[={13}> {37}\]/)
    assert.equal(ttyLines(state, {columns: 60})[1], '  aaaa: Downloading    1.2MB/4.5MB')
  })

  test('lines never wrap: cut to one less than the terminal width', () => {
    const long = `${'x'.repeat(100)}/image:tag`
    const lines = ttyLines(fold(pullEvents(long, 'aaaa').slice(0, 5)), {columns: 40})
    for (const line of lines) assert.ok(line.length <= 39, JSON.stringify(line))
  })

  test('two images: one block each, in order of first appearance, however the events interleave', () => {
    const a = pullEvents(A, 'a1')
    const b = pullEvents(B, 'b1')
    const state = fold([b[0]!, a[0]!, a[1]!, b[1]!, b[2]!, a[4]!])
    assert.deepEqual(ttyLines(state, {columns: 80}), [
      `${B}: Pulling from b`,
      '  b1: Waiting',
      `${A}: Pulling from a`,
      '  a1: Downloading [=====>               ]    1.2MB/4.5MB',
    ])
  })

  test('colour only when asked: the image in bold, finished layers in green', () => {
    const state = fold(pullEvents(A, 'aaaa').slice(0, 11))
    assert.deepEqual(ttyLines(state, {columns: 80, color: true}), [
      `\x1b[1m${A}\x1b[22m: Pulling from a`,
      '  aaaa: \x1b[32mPull complete\x1b[39m',
    ])
    assert.ok(!ttyLines(state, {columns: 80}).join('').includes('\x1b'))
  })
})

describe('repaint', () => {
  const cases: Array<[string, string[], string[], string]> = [
    ['first frame: just the lines', [], ['a', 'b'], '\r\x1b[2Ka\n\r\x1b[2Kb\n'],
    ['nothing changed: no bytes', ['a', 'b'], ['a', 'b'], ''],
    ['last line changed: up one, rewrite it', ['a', 'b'], ['a', 'B'], '\x1b[1A\r\x1b[2KB\n'],
    [
      'first of three changed: up three, rewrite it, back down',
      ['a', 'b', 'c'],
      ['A', 'b', 'c'],
      '\x1b[3A\r\x1b[2KA\n\x1b[2B',
    ],
    [
      'two lines changed: only those two are written',
      ['a', 'b', 'c', 'd'],
      ['a', 'B', 'c', 'D'],
      '\x1b[3A\r\x1b[2KB\n\x1b[1B\r\x1b[2KD\n',
    ],
    ['a line added at the end: no movement', ['a'], ['a', 'b'], '\r\x1b[2Kb\n'],
    ['a line changed and one added', ['a', 'b'], ['A', 'b', 'c'], '\x1b[2A\r\x1b[2KA\n\x1b[1B\r\x1b[2Kc\n'],
    ['fewer lines: erase what is left below', ['a', 'b', 'c'], ['a'], '\x1b[2A\r\x1b[J'],
    ['fewer lines, one changed', ['a', 'b', 'c'], ['A'], '\x1b[3A\r\x1b[2KA\n\r\x1b[J'],
  ]
  for (const [name, previous, next, want] of cases) {
    test(name, () => assert.equal(repaint(previous, next), want))
  }

  test('any sequence of frames leaves exactly the last frame on screen', () => {
    const frames = [
      ['a'],
      ['a', 'b'],
      ['A', 'b', 'c'],
      ['A', 'b2', 'c'],
      ['A', 'b2', 'c3', 'd'],
      ['A1', 'b2', 'c3', 'd4', 'e'],
      ['x'],
      ['x', 'y', 'z', 'w'],
      ['x', 'Y', 'z', 'W'],
      [],
      ['again'],
    ]
    let bytes = 'above\n'
    let previous: string[] = []
    for (const frame of frames) {
      bytes += repaint(previous, frame)
      previous = frame
      assert.deepEqual(screenAfter(bytes), ['above', ...frame], JSON.stringify(frame))
    }
  })
})

describe('LiveTerminal', () => {
  function fakeTerminal(columns = 80) {
    let bytes = ''
    return {out: {columns, write: (s: string) => void (bytes += s)}, bytes: () => bytes}
  }

  test('a log line written during a pull prints above the live region, which is drawn again below it', () => {
    const fake = fakeTerminal()
    const terminal = new LiveTerminal(fake.out)
    terminal.write('- Pulling 1 image(s)\n')
    terminal.update(['img: Pulling from x', '  l1: Downloading'])
    terminal.write('> Start stdio server\n')
    terminal.update(['img: Pulling from x', '  l1: Pull complete'])
    assert.deepEqual(screenAfter(fake.bytes()), [
      '- Pulling 1 image(s)',
      '> Start stdio server',
      'img: Pulling from x',
      '  l1: Pull complete',
    ])
  })

  test('print moves finished lines out of the region and keeps them on screen', () => {
    const fake = fakeTerminal()
    const terminal = new LiveTerminal(fake.out)
    terminal.update(['a: Pulling', '  a1: Downloading', 'b: Pulling', '  b1: Downloading'])
    terminal.print('a: done\n  a1: Pull complete', ['b: Pulling', '  b1: Extracting'])
    terminal.write('log\n')
    terminal.update(['b: Pulling', '  b1: Pull complete'])
    assert.deepEqual(screenAfter(fake.bytes()), [
      'a: done',
      '  a1: Pull complete',
      'log',
      'b: Pulling',
      '  b1: Pull complete',
    ])
  })
})

describe('createPullReporter', () => {
  test('plain: lines go to the line sink, none with byte counts', () => {
    const lines: string[] = []
    const reporter = createPullReporter({line: (l) => lines.push(l)})
    for (const event of pullEvents(A, 'aaaa')) reporter.progress(event)
    reporter.end(A)
    assert.equal(lines.length, 10)
    assert.ok(
      lines.every((l) => !/\d\/\d|\[=*>/.test(l)),
      lines.join('\n'),
    )
  })

  test('terminal: two parallel pulls end with both blocks on screen, each whole, and nothing else', () => {
    const fake = {bytes: '', columns: 80, write: (s: string) => void (fake.bytes += s)}
    const terminal = new LiveTerminal(fake)
    const lines: string[] = []
    const reporter = createPullReporter({terminal, line: (l) => lines.push(l)})
    const a = pullEvents(A, 'a1')
    const b = pullEvents(B, 'b1')
    // B finishes first, while A is still downloading.
    for (let i = 0; i < a.length; i++) {
      if (i <= 6) reporter.progress(b[i]!)
      reporter.progress(a[i]!)
      if (i === 6) {
        for (const e of b.slice(7)) reporter.progress(e)
        reporter.end(B)
        terminal.write(`  > ${B} pulled in 1ms\n`)
      }
    }
    reporter.end(A)
    assert.deepEqual(lines, [], 'nothing goes through the plain sink on a terminal')
    assert.deepEqual(screenAfter(fake.bytes), [
      `${B}: Pulling from b`,
      '  b1: Pull complete',
      '  Digest: sha256:abc',
      `  Status: Downloaded newer image for ${B}`,
      `  > ${B} pulled in 1ms`,
      `${A}: Pulling from a`,
      '  a1: Pull complete',
      '  Digest: sha256:abc',
      `  Status: Downloaded newer image for ${A}`,
    ])
    // It was redrawn in place: the bar was on screen at some point.
    assert.match(fake.bytes, /a1: Downloading \[=+> *\]/)
  })
})
