/**
 * How StreamTransport groups what it sends into writes. Messages of one turn leave in one write (fewer
 * system calls), except a response after a notification: an SDK reader that gets both in one chunk settles
 * the response first and drops the progress (seen as lost progress with a client under load).
 */
import assert from 'node:assert/strict'
import {PassThrough, Writable} from 'node:stream'
import {test} from 'node:test'

import {
  byteParts,
  leadingId,
  StreamTransport,
  trailingId,
  withIdAt,
} from '../../../src/gateway/stdio-transport.js'

/** A writable that records each write call (one for write, one for writev) as the lines it carried. */
function recorder(): {stream: Writable; writes: string[][]} {
  const writes: string[][] = []
  const lines = (chunks: Buffer[]) => Buffer.concat(chunks).toString().split('\n').filter(Boolean)
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      writes.push(lines([chunk]))
      done()
    },
    writev(chunks, done) {
      writes.push(lines(chunks.map((c) => c.chunk as Buffer)))
      done()
    },
  })
  return {stream, writes}
}

const progress = (n: number) => ({
  jsonrpc: '2.0' as const,
  method: 'notifications/progress',
  params: {progressToken: 1, progress: n},
})
const response = (id: number) => ({jsonrpc: '2.0' as const, id, result: {content: []}})
const turn = () => new Promise((r) => setImmediate(r))

test('a response sent right after a notification leaves in a later write, in order', async () => {
  const {stream, writes} = recorder()
  const transport = new StreamTransport(new PassThrough(), stream)
  await transport.start()
  void transport.send(progress(1))
  void transport.send(progress(2))
  void transport.send(response(7))
  void transport.send(progress(3))
  await turn()
  await turn()
  const parsed = writes.map((w) =>
    w.map((line) => JSON.parse(line) as {id?: number; params?: {progress: number}}),
  )
  assert.deepEqual(
    parsed.map((w) => w.map((m) => m.id ?? `p${m.params!.progress}`)),
    [
      ['p1', 'p2'],
      [7, 'p3'],
    ],
  )
})

test('responses with no notification before them still share one write (the batching stays)', async () => {
  const {stream, writes} = recorder()
  const transport = new StreamTransport(new PassThrough(), stream)
  await transport.start()
  for (let id = 1; id <= 4; id++) void transport.sendText(JSON.stringify(response(id)), 'response')
  await turn()
  assert.deepEqual(writes.length, 1)
  assert.equal(writes[0]!.length, 4)
})

test('a large line written as bytes: the same bytes as its text with the id swapped, non-ASCII text too', () => {
  const body = `"result":{"content":[{"type":"text","text":"h\u00e9llo \u{1F600} ${'x'.repeat(100)}"}]}`
  const lines = [
    {text: `{${body},"jsonrpc":"2.0","id":"gw-12"}`, at: undefined},
    {text: `{"jsonrpc":"2.0","id":"gw-12",${body}}`, at: 16},
    {text: `{"id":"gw-12",${body},"jsonrpc":"2.0"}`, at: 1},
  ]
  for (const {text} of lines) {
    const bytes = Buffer.from(text)
    const trailing = trailingId(text)
    const leading = leadingId(text)
    const at = leading?.at ?? trailing!.at
    const end = leading?.end
    for (const id of [7, 'client-\u00e9', 'x']) {
      const expected = Buffer.from(withIdAt(text, at, id, end))
      const parts = byteParts(text, bytes, at, `"id":${JSON.stringify(id)}`, end)
      assert.deepEqual(Buffer.concat(parts), expected, `${text.slice(0, 30)} with id ${id}`)
    }
  }
})

test('a message sent just before close is written before the close hook ends the output', async () => {
  // A per-call container's transport is closed right after the raw path wrote its cancellation (in the same
  // run of microtasks, as over HTTP): the cancellation, held for the turn's one write, must not be lost.
  const {stream, writes} = recorder()
  let endedWith: string[][] | undefined
  const transport = new StreamTransport(new PassThrough(), stream, {
    close: async () => {
      endedWith = writes.map((w) => [...w])
      stream.end()
    },
  })
  await transport.start()
  void transport.send(progress(1))
  await Promise.resolve().then(() => transport.close())
  assert.deepEqual(
    endedWith?.flat().map((line) => (JSON.parse(line) as {method: string}).method),
    ['notifications/progress'],
  )
})
