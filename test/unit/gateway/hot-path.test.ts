import assert from 'node:assert/strict'
import {PassThrough, Writable} from 'node:stream'
import {test} from 'node:test'

import {demux} from '../../../src/docker/demux.js'
import {leadingId, StreamTransport, withIdAt} from '../../../src/gateway/stdio-transport.js'
import {connectUpstream, type RawReply} from '../../../src/gateway/upstream.js'

// The gateway's hot path (#21): what the speed-ups must not change.

/** One frame of the engine's multiplexed attach stream. */
function frame(type: number, payload: string): Buffer {
  const body = Buffer.from(payload)
  const head = Buffer.alloc(8)
  head[0] = type
  head.writeUInt32BE(body.length, 4)
  return Buffer.concat([head, body])
}

async function collect(stream: NodeJS.ReadableStream): Promise<string> {
  let text = ''
  for await (const chunk of stream) text += String(chunk)
  return text
}

test('demux: stdout and stderr come out whole, however the engine chunked the frames', async () => {
  const wire = Buffer.concat([
    frame(1, '{"jsonrpc":"2.0","id":1}\n'),
    frame(2, 'a log line\n'),
    frame(1, ''),
    frame(1, 'x'.repeat(70_000)),
    frame(2, 'more\n'),
    frame(1, 'end\n'),
  ])
  // Every chunk size, from one byte (headers split everywhere) to the whole stream at once.
  for (const size of [1, 3, 7, 8, 9, 13, 4096, wire.length]) {
    const source = new PassThrough()
    const {stdout, stderr} = demux(source)
    const out = collect(stdout)
    const err = collect(stderr)
    for (let at = 0; at < wire.length; at += size) source.write(wire.subarray(at, at + size))
    source.end()
    assert.equal(await out, `{"jsonrpc":"2.0","id":1}\n${'x'.repeat(70_000)}end\n`, `chunks of ${size}`)
    assert.equal(await err, 'a log line\nmore\n', `chunks of ${size}`)
  }
})

test('demux: a stream that is not multiplexed (a TTY) is passed on as stdout', async () => {
  const source = new PassThrough()
  const {stdout, stderr} = demux(source)
  const out = collect(stdout)
  const err = collect(stderr)
  source.write('{"jsonrpc"')
  source.end(':"2.0"}\n')
  assert.equal(await out, '{"jsonrpc":"2.0"}\n')
  assert.equal(await err, '')
})

test('messages sent in one turn leave in one write, in order', async () => {
  const {writes, output} = recordingOutput()
  const transport = new StreamTransport(new PassThrough(), output)
  await transport.start()
  // Sent from promise callbacks, as the raw path answers.
  await Promise.all(
    [1, 2, 3].map((id) => Promise.resolve().then(() => transport.send({jsonrpc: '2.0', id, result: {}}))),
  )
  await new Promise((r) => setImmediate(r))
  // One write of one string: the turn's lines joined (one encoding, one system call).
  assert.deepEqual(writes, [
    [
      '{"jsonrpc":"2.0","id":1,"result":{}}\n' +
        '{"jsonrpc":"2.0","id":2,"result":{}}\n' +
        '{"jsonrpc":"2.0","id":3,"result":{}}\n',
    ],
  ])
  // A later turn writes again.
  await transport.send({jsonrpc: '2.0', id: 4, result: {}})
  await new Promise((r) => setImmediate(r))
  assert.equal(writes.length, 2)
})

test('lines as text and as bytes sent in one turn leave in one write, in the order they were sent', async () => {
  const {writes, output} = recordingOutput()
  const transport = new StreamTransport(new PassThrough(), output)
  await transport.start()
  await Promise.resolve().then(() => {
    void transport.sendText('{"id":1}', 'response')
    void transport.sendText([Buffer.from('{"id":'), Buffer.from('2}')], 'response')
    void transport.sendText('{"id":3}', 'response')
    void transport.sendText('{"id":4}', 'response')
  })
  await new Promise((r) => setImmediate(r))
  assert.equal(writes.length, 1)
  assert.equal(writes[0]!.join(''), '{"id":1}\n{"id":2}\n{"id":3}\n{"id":4}\n')
})

/** An output that records each write it gets: one entry a write, the chunks of a writev in it. */
function recordingOutput(): {writes: string[][]; output: Writable} {
  const writes: string[][] = []
  const output = new Writable({
    write(chunk: Buffer, _enc, done) {
      writes.push([String(chunk)])
      done()
    },
    writev(chunks, done) {
      writes.push(chunks.map((c) => String(c.chunk)))
      done()
    },
  })
  return {writes, output}
}

test('leadingId: only an id member that opens the message is taken', () => {
  assert.deepEqual(leadingId('{"jsonrpc":"2.0","id":"gw-12","result":{}}'), {id: 'gw-12', at: 17, end: 29})
  assert.deepEqual(leadingId('{"id":"gw-3","jsonrpc":"2.0","result":{}}'), {id: 'gw-3', at: 1, end: 12})
  assert.equal(leadingId('{"jsonrpc":"2.0","id":7,"result":{}}'), undefined)
  assert.equal(leadingId('{"result":{"id":"gw-1"},"jsonrpc":"2.0","id":"gw-2"}'), undefined)
  assert.equal(leadingId('{"jsonrpc":"2.0","id":"gw-1x","result":{}}'), undefined)
  const text = '{"jsonrpc":"2.0","id":"gw-12","result":{"content":[]}}'
  const at = leadingId(text)!
  assert.equal(
    withIdAt(text, at.at, 'client-1', at.end),
    '{"jsonrpc":"2.0","id":"client-1","result":{"content":[]}}',
  )
})

test('a large answer with its id first (Python-style servers) passes unparsed, and only its own id is swapped', async () => {
  const toServer = new PassThrough()
  const fromServer = new PassThrough()
  const big = 'y'.repeat(200_000)
  let buffer = ''
  toServer.setEncoding('utf8').on('data', (chunk: string) => {
    buffer += chunk
    for (let nl = buffer.indexOf('\n'); nl !== -1; nl = buffer.indexOf('\n')) {
      const m = JSON.parse(buffer.slice(0, nl)) as {
        id?: unknown
        method: string
        params?: {protocolVersion?: string}
      }
      buffer = buffer.slice(nl + 1)
      if (m.id === undefined) continue
      const result =
        m.method === 'initialize'
          ? {
              protocolVersion: m.params!.protocolVersion,
              capabilities: {tools: {}},
              serverInfo: {name: 's', version: '1'},
            }
          : {content: [{type: 'text', text: big}], echo: {id: 'gw-999'}}
      fromServer.write(`${JSON.stringify({jsonrpc: '2.0', id: m.id, result})}\n`)
    }
  })
  const upstream = await connectUpstream({
    server: 's',
    transport: new StreamTransport(fromServer, toServer),
    version: '0.0.0',
    negotiation: 'legacy',
    startTimeoutMs: 5000,
    onListChanged: () => {},
    rawForwarding: true,
  })
  try {
    const reply = await new Promise<RawReply | Error>((resolve) =>
      upstream.sendRaw({method: 'tools/call', params: {name: 'big', arguments: {}}}, resolve),
    )
    assert.ok(!(reply instanceof Error) && 'text' in reply, 'the answer arrived as text, unparsed')
    const swapped = withIdAt(reply.text, reply.idMemberAt, 41, reply.idMemberEnd)
    const parsed = JSON.parse(swapped) as {
      id: unknown
      result: {content: Array<{text: string}>; echo: unknown}
    }
    assert.equal(parsed.id, 41)
    assert.equal(parsed.result.content[0]!.text, big)
    assert.deepEqual(parsed.result.echo, {id: 'gw-999'})
  } finally {
    await upstream.close()
  }
})

test('a small answer passes as text only when it is plainly a result: errors, tool errors and server requests are parsed', async () => {
  const toServer = new PassThrough()
  const fromServer = new PassThrough()
  let buffer = ''
  // What the server answers for each tool: a plain result, a JSON-RPC error, a tool error (isError).
  const answers: Record<string, (id: unknown) => object> = {
    plain: (id) => ({result: {content: [{type: 'text', text: 'ok'}]}, jsonrpc: '2.0', id}),
    failed: (id) => ({jsonrpc: '2.0', id, error: {code: -32000, message: 'no'}}),
    toolError: (id) => ({
      result: {content: [{type: 'text', text: 'bad'}], isError: true},
      jsonrpc: '2.0',
      id,
    }),
  }
  toServer.setEncoding('utf8').on('data', (chunk: string) => {
    buffer += chunk
    for (let nl = buffer.indexOf('\n'); nl !== -1; nl = buffer.indexOf('\n')) {
      const m = JSON.parse(buffer.slice(0, nl)) as {
        id?: unknown
        method: string
        params?: {protocolVersion?: string; name?: string}
      }
      buffer = buffer.slice(nl + 1)
      if (m.id === undefined) continue
      const reply =
        m.method === 'initialize'
          ? {
              jsonrpc: '2.0',
              id: m.id,
              result: {
                protocolVersion: m.params!.protocolVersion,
                capabilities: {tools: {}},
                serverInfo: {name: 's', version: '1'},
              },
            }
          : answers[m.params!.name!]!(m.id)
      fromServer.write(`${JSON.stringify(reply)}\n`)
    }
  })
  const upstream = await connectUpstream({
    server: 's',
    transport: new StreamTransport(fromServer, toServer),
    version: '0.0.0',
    negotiation: 'legacy',
    startTimeoutMs: 5000,
    onListChanged: () => {},
    rawForwarding: true,
  })
  const call = (name: string) =>
    new Promise<RawReply | Error>((resolve) =>
      upstream.sendRaw({method: 'tools/call', params: {name, arguments: {}}}, resolve),
    )
  try {
    const plain = await call('plain')
    assert.ok(!(plain instanceof Error) && 'text' in plain, 'a plain result arrived as text')
    const swapped = JSON.parse(withIdAt(plain.text, plain.idMemberAt, 7, plain.idMemberEnd)) as object
    assert.deepEqual(swapped, {result: {content: [{type: 'text', text: 'ok'}]}, jsonrpc: '2.0', id: 7})
    // The call log, metrics and audit read an error's code and a tool error's reason from the parsed answer.
    const failed = await call('failed')
    assert.ok(!(failed instanceof Error) && !('text' in failed), 'an error response is parsed')
    assert.deepEqual(failed.error, {code: -32000, message: 'no'})
    const toolError = await call('toolError')
    assert.ok(!(toolError instanceof Error) && !('text' in toolError), 'a tool error is parsed')
    assert.equal((toolError.result as {isError?: unknown}).isError, true)
  } finally {
    await upstream.close()
  }
})

test('a stage that throws instead of rejecting still ends in the pipeline promise', async () => {
  const {CallPipeline, guardStage} = await import('../../../src/gateway/pipeline/pipeline.js')
  const {toolCall} = await import('../../../src/gateway/pipeline/call.js')
  const {LOCAL_CALLER} = await import('../../../src/gateway/session/caller.js')
  const call = toolCall({
    session: 's',
    caller: LOCAL_CALLER,
    name: 't',
    server: 's',
    tool: 't',
    arguments: {},
    via: 'raw',
  })
  const refusing = guardStage({
    name: 'refuses',
    before: () => {
      throw new Error('refused before')
    },
  })
  const answer = {kind: 'result' as const, result: {content: []}}
  let running: Promise<unknown> | undefined
  assert.doesNotThrow(() => (running = new CallPipeline([refusing]).run(call, async () => answer)))
  await assert.rejects(running!, /refused before/)
  const afterThrows = guardStage({
    name: 'after',
    after: () => {
      throw new Error('refused after')
    },
  })
  await assert.rejects(
    new CallPipeline([afterThrows]).run(call, async () => answer),
    /refused after/,
  )
  const throwingForward = () => {
    throw new Error('forward threw')
  }
  let forwarding: Promise<unknown> | undefined
  assert.doesNotThrow(() => (forwarding = new CallPipeline([]).run(call, throwingForward)))
  await assert.rejects(forwarding!, /forward threw/)
})
