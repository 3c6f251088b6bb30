#!/usr/bin/env node
// Plant realistic one-line bugs in the code that guards the trust boundary, one at a time, and check that
// the tests named for each catch it. The list lives in test/mutations.json:
//   [{"id": "…", "file": "src/…", "from": "exact text", "to": "replacement", "tests": ["test/…"]}]
// `from` must occur exactly once in `file` (the audit refuses an ambiguous mutation). A mutation whose tests
// include command or e2e tests goes through scripts/test.sh (which rebuilds dist/, since those run the built
// CLI); unit-only ones run under node's test runner directly. The file is restored after every mutation,
// and dist/ is rebuilt at the end when a mutated build was made.
// Usage: node scripts/mutation-audit.mjs [--only id,id] [--list test/mutations.json]
// Not part of the suite (it takes minutes per e2e mutation); run it after changing guarded code.
import {spawnSync} from 'node:child_process'
import {mkdirSync, readFileSync, writeFileSync} from 'node:fs'
import path from 'node:path'
import {fileURLToPath} from 'node:url'

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const args = process.argv.slice(2)
const option = (name) => {
  const i = args.indexOf(name)
  return i === -1 ? undefined : args[i + 1]
}
const listFile = path.resolve(ROOT, option('--list') ?? 'test/mutations.json')
const only = option('--only')?.split(',')
const mutations = JSON.parse(readFileSync(listFile, 'utf8')).filter((m) => !only || only.includes(m.id))

const run = (cmd, argv) =>
  spawnSync(cmd, argv, {cwd: ROOT, encoding: 'utf8', env: {...process.env, FORCE_COLOR: '0'}})
const build = () => {
  const r = run('npm', ['run', '-s', 'build'])
  if (r.status !== 0) throw new Error(`build failed:\n${r.stdout}${r.stderr}`)
}

const typeChecks = (file) => {
  const config = path.join(ROOT, '.tmp', 'tsconfig.mutation-audit.json')
  mkdirSync(path.dirname(config), {recursive: true})
  const files = [path.join(ROOT, file)]
  writeFileSync(
    config,
    JSON.stringify({extends: '../tsconfig.json', compilerOptions: {noEmit: true}, include: [], files}),
  )
  return run('npx', ['tsc', '-p', config]).status === 0
}

const results = []
let built = false
for (const m of mutations) {
  const file = path.join(ROOT, m.file)
  const original = readFileSync(file, 'utf8')
  const count = original.split(m.from).length - 1
  if (count !== 1) {
    results.push({id: m.id, outcome: `invalid (${count} matches of "from" in ${m.file})`})
    continue
  }
  // A function, so that `$&` or `$1` in `to` are not replacement patterns.
  writeFileSync(
    file,
    original.replace(m.from, () => m.to),
  )
  let outcome
  try {
    const unitOnly = m.tests.every((t) => t.startsWith('test/unit/'))
    built ||= !unitOnly
    // A mutation that does not compile proves nothing about the tests. Unit tests run under tsx, which
    // strips types without checking them, so unit-only mutations are type-checked first: the mutated file
    // and what it imports (a one-line change inside a function does not change what importers see), in a
    // few seconds. scripts/test.sh builds with tsc and ends before its summary line when that fails.
    const compiles = !unitOnly || typeChecks(m.file)
    const r = !compiles
      ? undefined
      : unitOnly
        ? run(process.execPath, ['--import', 'tsx', '--test', ...m.tests])
        : run('./scripts/test.sh', m.tests)
    if (!r || (!unitOnly && !/\d+ passed, \d+ failed/.test(r.stdout))) outcome = 'invalid (the build failed)'
    else outcome = r.status !== 0 ? 'caught' : 'MISSED'
  } finally {
    writeFileSync(file, original)
  }
  results.push({id: m.id, outcome})
  if (!outcome.startsWith('invalid')) console.log(`${outcome === 'caught' ? '✔' : '✖'} ${m.id}: ${outcome}`)
}
if (built) build()
const valid = results.filter((r) => !r.outcome.startsWith('invalid'))
const caught = valid.filter((r) => r.outcome.startsWith('caught')).length
for (const r of results.filter((r) => r.outcome.startsWith('invalid'))) console.log(`? ${r.id}: ${r.outcome}`)
console.log(
  `${caught} of ${valid.length} mutations caught (${Math.round((100 * caught) / (valid.length || 1))}%)`,
)
process.exit(caught === valid.length ? 0 : 1)
