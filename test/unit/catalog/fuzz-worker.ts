/**
 * The fuzz loop of fuzz.test.ts, run in a worker thread so that the test can stop a case that never ends
 * (an infinite loop in a parser cannot be interrupted from the same thread). Posts `{case}` before each
 * case and `{bad}` for each failure; deterministic from the seed.
 */
import {parentPort, workerData} from 'node:worker_threads'

import {diffCatalogs} from '../../../src/catalog/diff.js'
import {evaluateTemplate, TemplateExpansionError, TemplateSyntaxError} from '../../../src/catalog/template.js'
import {catalogIndexData, parseCatalogText} from '../../../src/catalog/validate.js'
import {parseYaml} from '../../../src/catalog/yaml-file.js'
import {DockerMcpError} from '../../../src/errors.js'

const {seed, catalogCases, templateCases, fixture} = workerData as {
  seed: number
  catalogCases: number
  templateCases: number
  fixture: string
}

/** mulberry32: small, fast, deterministic. */
function prng(s: number): () => number {
  return () => {
    s = (s + 0x6d2b79f5) | 0
    let t = Math.imul(s ^ (s >>> 15), 1 | s)
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}
const rand = prng(seed)
const int = (n: number) => Math.floor(rand() * n)
const pick = <T>(xs: readonly T[]): T => xs[int(xs.length)]!

/** Tokens that matter to YAML, JSON and our templates. */
const TOKENS = [
  ': ',
  '- ',
  '{',
  '}',
  '[',
  ']',
  ',',
  '&a ',
  '*a',
  '<<: *a\n',
  '!!binary ',
  '!!js/function ',
  '!custom ',
  '"',
  "'",
  '\n',
  '  ',
  '    ',
  '\t',
  '#',
  '|\n',
  '>-\n',
  '? ',
  '---\n',
  '...\n',
  '%YAML 1.2\n',
  '%TAG ! x\n',
  '{{',
  '}}',
  '{{a.b}}',
  '{{fs.paths|volume}}',
  '{{x|or:[a,b]}}',
  '{{|}}',
  '{{a..b}}',
  '|mount_as:',
  'null',
  '~',
  'true',
  '0x1F',
  '1e999',
  '-0',
  '.nan',
  '__proto__',
  'constructor',
  'registry',
  'volumes',
  'image',
  'secrets',
  'env',
  'command',
  '\u0000',
  '\uFEFF',
  '\u2028',
  '😀',
  '\\u0000',
  '\\',
  '=',
  '$TOKEN',
  '${A}',
]

function mutateText(text: string): string {
  let out = text
  const steps = 1 + int(4)
  for (let i = 0; i < steps; i++) {
    const at = int(out.length + 1)
    switch (int(6)) {
      case 0: // insert a token
        out = out.slice(0, at) + pick(TOKENS) + out.slice(at)
        break
      case 1: // delete a range
        out = out.slice(0, at) + out.slice(at + 1 + int(20))
        break
      case 2: {
        // duplicate a line (duplicate keys, repeated entries)
        const lines = out.split('\n')
        const l = int(lines.length)
        lines.splice(l, 0, lines[l] ?? '')
        out = lines.join('\n')
        break
      }
      case 3: {
        // swap two lines (indentation goes wrong)
        const lines = out.split('\n')
        const a = int(lines.length)
        const b = int(lines.length)
        ;[lines[a], lines[b]] = [lines[b]!, lines[a]!]
        out = lines.join('\n')
        break
      }
      case 4: // a random byte
        out = out.slice(0, at) + String.fromCharCode(int(0x250)) + out.slice(at)
        break
      default: // truncate
        out = out.slice(0, at)
    }
  }
  return out
}

/** A random JSON value, to put where the schema expects something else. */
function randomValue(depth = 0): unknown {
  switch (int(depth > 2 ? 5 : 8)) {
    case 0:
      return null
    case 1:
      return rand() < 0.5
    case 2:
      return pick([0, -1, 1e308, 3.5, 2 ** 53 + 1])
    case 3:
      return pick(['', 'x', '{{a.b}}', '{{', '/:/host', 'a'.repeat(1000), '__proto__'])
    case 4:
      return pick(TOKENS)
    case 5:
      return Array.from({length: int(4)}, () => randomValue(depth + 1))
    default:
      return Object.fromEntries(
        Array.from({length: int(4)}, () => [
          pick(['name', 'image', 'value', 'env', '__proto__', 'x']),
          randomValue(depth + 1),
        ]),
      )
  }
}

/** Replace the value at a random path of a valid catalog with a random value (a wrong shape). */
function mutateShape(data: unknown): unknown {
  const copy = JSON.parse(JSON.stringify(data)) as Record<string, unknown>
  let node: unknown = copy
  for (let depth = 0; depth < 6; depth++) {
    if (node === null || typeof node !== 'object') break
    const keys = Object.keys(node)
    if (keys.length === 0) break
    const key = pick(keys)
    const child = (node as Record<string, unknown>)[key]
    if (rand() < 0.3 || child === null || typeof child !== 'object') {
      ;(node as Record<string, unknown>)[key] = randomValue()
      break
    }
    node = child
  }
  return copy
}

/** Errors we throw on purpose; anything else escaping a loader is a crash. */
const typed = (err: unknown) =>
  err instanceof DockerMcpError || err instanceof TemplateSyntaxError || err instanceof TemplateExpansionError

const configs = [
  {},
  {
    fs: {paths: ['/a', '/b', ''], one: '/x', win: ['C:\\src', 'D:/']},
    a: {b: 'c'},
    x: {list: Array.from({length: 20}, (_, i) => `${i}`)},
    e: {empty: [], blank: '', nul: null},
    n: {num: 5, yes: true, obj: {k: 'v'}, nested: [[1, 2], {a: 1}]},
  },
  {fs: {paths: Array.from({length: 40}, (_, i) => `/p${i}`)}, a: {b: ['1', '2']}, 'a.b': {c: 'dotted'}},
]
const PATHS = [
  'fs.paths',
  'fs.one',
  'fs.win',
  'a.b',
  'a.b.c',
  'x.list',
  'e.empty',
  'e.blank',
  'e.nul',
  'n.num',
  'n.yes',
  'n.obj',
  'n.nested',
  'missing.key',
  '__proto__.x',
  'constructor',
  'a',
  ' fs . paths ',
]
const FNS = [
  'volume',
  'volume-target',
  'into',
  'first',
  'last',
  'safe',
  'or:[a,b]',
  'or:[]',
  'or:x',
  'or:',
  'mount_as:/m',
  'mount_as:/m:ro',
  'unknown',
  'or',
  'first:1',
  '',
]

/** A placeholder: a config path and a chain of functions, some of them wrong. */
function placeholder(): string {
  const fns = Array.from({length: int(4)}, () => `|${pick(FNS)}`).join('')
  return `{{${pick(PATHS)}${fns}}}`
}

function randomTemplate(): string {
  let out = ''
  const parts = 1 + int(6)
  for (let i = 0; i < parts; i++)
    out += rand() < 0.6 ? placeholder() : pick(['--root=', ':', '/', 'x', '', '{{', '}}', '|', '.', ' '])
  return out
}

function run(kind: string, input: string, fn: () => void): void {
  try {
    fn()
  } catch (err) {
    if (!typed(err))
      parentPort!.postMessage({
        bad: {kind, input: input.slice(0, 2000), error: String((err as Error)?.stack ?? err)},
      })
  }
}

const base = parseCatalogText('base.yaml', fixture)
const baseJson = JSON.stringify(base.yaml.data, null, 2)
let n = 0
for (let i = 0; i < catalogCases; i++) {
  parentPort!.postMessage({case: n++})
  const choice = i % 4
  const text =
    choice === 0
      ? mutateText(fixture)
      : choice === 1
        ? mutateText(baseJson)
        : JSON.stringify(mutateShape(base.yaml.data))
  run(choice === 3 ? 'catalog.json' : 'catalog', text, () => {
    if (choice === 3) {
      catalogIndexData(parseYaml('catalog.json', text))
      return
    }
    const loaded = parseCatalogText('fuzz.yaml', text)
    // What the loader accepted must go through the rest: the diff and every template it holds.
    diffCatalogs(base.registry, loaded.registry)
    for (const entry of Object.values(loaded.registry))
      for (const expr of [
        ...(entry.command ?? []),
        ...(entry.volumes ?? []),
        ...(entry.env ?? []).map((e) => e.value ?? ''),
      ])
        if (expr.includes('{{')) evaluateTemplate(expr, pick(configs))
  })
}
for (let i = 0; i < templateCases; i++) {
  parentPort!.postMessage({case: n++})
  const expr = rand() < 0.5 ? randomTemplate() : mutateText(randomTemplate())
  run('template', expr, () => void evaluateTemplate(expr, pick(configs)))
}
parentPort!.postMessage({done: n})
