/**
 * A short, deterministic fuzz run of the catalog loaders and the template evaluator: malformed YAML and
 * JSON catalogs (random text mutations of a valid catalog), wrong shapes (a random field replaced by a
 * random value), malformed catalog.json, and random templates against real config maps. Every case must
 * end in success or one of our typed errors (DockerMcpError, TemplateSyntaxError, TemplateExpansionError):
 * a TypeError or RangeError escaping a loader is a crash, and a case that never ends is a hang.
 *
 * The loop runs in a worker thread, reporting each case before it starts: a case still running after
 * CASE_LIMIT_MS is a hang (the worker is terminated and the case named). That is a safety net for a
 * loop that never ends, not a timing assertion; the whole run takes a few seconds.
 */
import assert from 'node:assert/strict'
import {readFileSync} from 'node:fs'
import path from 'node:path'
import {test} from 'node:test'
import {Worker} from 'node:worker_threads'

import {ROOT} from '../../helpers/sandbox.js'

const SEED = Number(process.env.DOCKER_MCP_FUZZ_SEED ?? 0x5eed12)
const CASE_LIMIT_MS = 20_000

test(`catalogs, catalog.json and templates: no crash, no hang (seed ${SEED})`, async () => {
  const fixture = readFileSync(path.join(ROOT, 'test/fixtures/catalogs/team.yaml'), 'utf8')
  // The worker needs the TypeScript loader the test runs under (a Node 20 worker does not inherit it, and
  // `--import tsx` in its execArgv registers too late for its entry module): register it, then import.
  const entry = new URL('./fuzz-worker.ts', import.meta.url).href
  const boot = `import('tsx/esm/api').then(({register}) => { register(); return import(${JSON.stringify(entry)}) })`
  const worker = new Worker(boot, {
    eval: true,
    workerData: {seed: SEED, catalogCases: 600, templateCases: 2000, fixture},
  })
  const bad: Array<{kind: string; input: string; error: string}> = []
  let current = -1
  let timer: NodeJS.Timeout | undefined
  const result = await new Promise<{done?: number; hang?: number; error?: Error}>((resolve) => {
    const arm = () => {
      clearTimeout(timer)
      timer = setTimeout(() => resolve({hang: current}), CASE_LIMIT_MS)
    }
    arm()
    worker.on('message', (m: {case?: number; bad?: (typeof bad)[number]; done?: number}) => {
      if (m.case !== undefined) {
        current = m.case
        arm()
      }
      if (m.bad) bad.push(m.bad)
      if (m.done !== undefined) resolve({done: m.done})
    })
    worker.on('error', (error) => resolve({error}))
  })
  clearTimeout(timer)
  await worker.terminate()
  assert.equal(result.error, undefined, String(result.error?.stack))
  assert.equal(result.hang, undefined, `case ${result.hang} did not finish (seed ${SEED}): a hang`)
  assert.equal(result.done, 2600)
  assert.deepEqual(
    bad.slice(0, 3),
    [],
    `${bad.length} case(s) crashed with an untyped error (seed ${SEED}); first: ${JSON.stringify(bad[0], null, 2)}`,
  )
})
