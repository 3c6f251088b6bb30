import assert from 'node:assert/strict'
import {test} from 'node:test'

import {
  answerText,
  CallRefusedError,
  parsedAnswer,
  toolCall,
  type CallAnswer,
  type ToolCall,
} from '../../../src/gateway/pipeline/call.js'
import {observeStage} from '../../../src/gateway/pipeline/observe.js'
import {CallPipeline, guardStage, type CallStage} from '../../../src/gateway/pipeline/pipeline.js'
import type {Logger} from '../../../src/gateway/logger.js'
import {LOCAL_CALLER} from '../../../src/gateway/session/caller.js'

const call = (over: Partial<Parameters<typeof toolCall>[0]> = {}): ToolCall =>
  toolCall({
    session: 's1',
    caller: LOCAL_CALLER,
    name: 'dice__roll',
    server: 'dice',
    tool: 'roll',
    arguments: {n: 1},
    via: 'sdk',
    ...over,
  })

const ok = (text: string): CallAnswer => ({kind: 'result', result: {content: [{type: 'text', text}]}})

/** A stage that records when it sees the call go in and the answer come out. */
function recorder(name: string, seen: string[]): CallStage {
  return {
    name,
    async run(c, next) {
      seen.push(`${name} in`)
      const answer = await next(c)
      seen.push(`${name} out`)
      return answer
    },
  }
}

test('stages nest in their order: the first sees the call first and the answer last', async () => {
  const seen: string[] = []
  const pipeline = new CallPipeline([recorder('a', seen), recorder('b', seen)])
  const answer = await pipeline.run(call(), async () => {
    seen.push('forward')
    return ok('6')
  })
  assert.deepEqual(seen, ['a in', 'b in', 'forward', 'b out', 'a out'])
  assert.deepEqual(answer, ok('6'))
})

test('a guard that refuses before the call stops it: nothing is forwarded, outer stages see the refusal', async () => {
  const seen: string[] = []
  const pipeline = new CallPipeline([
    recorder('outer', seen),
    guardStage({
      name: 'no',
      before: () => {
        throw new CallRefusedError('no', 'refused: arguments carry a secret')
      },
    }),
  ])
  await assert.rejects(
    pipeline.run(call(), async () => {
      seen.push('forward')
      return ok('x')
    }),
    (err: Error) => err instanceof CallRefusedError && err.guard === 'no',
  )
  assert.deepEqual(seen, ['outer in'])
})

test('a guard may rewrite the arguments: the forward gets the new call, the client text is dropped', async () => {
  const source =
    '{"method":"tools/call","params":{"name":"dice__roll","arguments":{"n":1}},"jsonrpc":"2.0","id":1}'
  const pipeline = new CallPipeline([guardStage({name: 'double', before: (c) => c.withArguments({n: 2})})])
  let forwarded: ToolCall | undefined
  await pipeline.run(call({via: 'raw', sourceText: source}), async (c) => {
    forwarded = c
    return ok('')
  })
  assert.deepEqual(forwarded!.arguments, {n: 2})
  assert.equal(forwarded!.requestText(), '{"name":"dice__roll","arguments":{"n":2}}')
  assert.equal(call({sourceText: source}).requestText(), source, 'the client text is scanned as it is')
})

test('a guard after the call may replace or refuse the answer; a round asking for input passes untouched', async () => {
  const afterSaw: CallAnswer[] = []
  const guard = guardStage({
    name: 'redact',
    after: (_c, answer) => {
      afterSaw.push(answer)
      return ok('[redacted]')
    },
  })
  const pipeline = new CallPipeline([guard])
  assert.deepEqual(await pipeline.run(call(), async () => ok('secret')), ok('[redacted]'))
  const input: CallAnswer = {kind: 'input', value: {resultType: 'input_required'}}
  assert.deepEqual(await pipeline.run(call(), async () => input), input)
  assert.equal(afterSaw.length, 1)
})

test('a resumed call (a 2026-07-28 retry with input) skips "before" unless the guard asks for every round', async () => {
  let once = 0
  let every = 0
  const pipeline = new CallPipeline([
    guardStage({name: 'once', before: () => void once++}),
    guardStage({name: 'every', before: () => void every++, beforeEachRound: true}),
  ])
  await pipeline.run(call(), async () => ok(''))
  await pipeline.run(call({resumed: true}), async () => ok(''))
  assert.deepEqual({once, every}, {once: 1, every: 2})
})

test('answers read as text without parsing a raw one, and parse when a stage needs the result', () => {
  const text = '{"result":{"content":[{"type":"text","text":"hi"}]},"jsonrpc":"2.0","id":"gw-1"}'
  const raw: CallAnswer = {kind: 'text', text, idMemberAt: text.indexOf('"id"')}
  assert.equal(answerText(raw), text)
  assert.deepEqual(parsedAnswer(raw), ok('hi'))
  assert.deepEqual(
    parsedAnswer({kind: 'text', text: '{"error":{"code":-1,"message":"m"},"id":"gw-2"}', idMemberAt: 0}),
    {
      kind: 'error',
      error: {code: -1, message: 'm'},
    },
  )
  assert.equal(answerText(ok('x')), '{"content":[{"type":"text","text":"x"}]}')
})

test('the observe stage logs and measures every outcome, refusals included, without argument values', async () => {
  const lines: string[] = []
  const logger = {info: (l: string) => lines.push(l), warn: (l: string) => lines.push(l)} as unknown as Logger
  const observed: Array<[string, string, boolean]> = []
  const pipeline = new CallPipeline([
    observeStage({logCalls: true, logger, observeCall: (s, t, _sec, ok) => observed.push([s, t, ok])}),
    guardStage({
      name: 'g',
      before: (c) => {
        if (c.arguments?.refuse) throw new CallRefusedError('g', 'refused by g')
      },
    }),
  ])
  await pipeline.run(call({arguments: {value: 'hunter2'}}), async () => ok('fine'))
  await assert.rejects(pipeline.run(call({arguments: {refuse: true}}), async () => ok('never')))
  await pipeline.run(call(), async () => ({kind: 'error', error: {code: -32603, message: 'boom'}}))
  assert.deepEqual(observed, [
    ['dice', 'roll', true],
    ['dice', 'roll', false],
    ['dice', 'roll', false],
  ])
  assert.ok(lines.some((l) => l.includes('failed after') && l.includes('refused by g')))
  assert.ok(lines.some((l) => l.includes('with arguments: object with 1 field(s)')))
  assert.ok(!lines.join('\n').includes('hunter2'))
})
