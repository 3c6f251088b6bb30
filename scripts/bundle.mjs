#!/usr/bin/env node
// Bundle the compiled CLI (dist/commands, the entry points bin/run.js loads) into dist/bundle: a few
// chunks instead of hundreds of small ES modules. Node 20 has no compile cache for ES modules and pays
// for each file it resolves and loads (zod alone is 95 of them); this saves ~35 ms on every command and
// on the gateway's time to `initialize`. The SDK and zod are bundled together, so they share one zod.
// Packages loaded with require() (dockerode) and native ones stay external; oclif is bundled too. Run by `npm run build`.
import {readdirSync, rmSync} from 'node:fs'
import path from 'node:path'
import {fileURLToPath} from 'node:url'

import {build} from 'esbuild'

import {leanNames} from './lib/lean-names.mjs'

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const DIST = path.join(ROOT, 'dist')

/** Modules bin/run.js and package.json (oclif hooks) load by path. */
const ENTRY_MODULES = [
  'src/plugin/argv.js',
  'src/cli/gateway-fast-path.js',
  'src/cli/completion.js',
  'src/cli/not-found.js',
  'src/cli/run-oclif.js',
  // Code mode's worker thread, started by path (src/gateway/codemode/worker-source.ts).
  'src/gateway/codemode/worker.js',
]

function commandFiles(dir) {
  return readdirSync(dir, {withFileTypes: true}).flatMap((e) =>
    e.isDirectory()
      ? commandFiles(path.join(dir, e.name))
      : e.name.endsWith('.js')
        ? [path.join(dir, e.name)]
        : [],
  )
}

const built = await build({
  entryPoints: [
    ...commandFiles(path.join(DIST, 'commands')),
    ...ENTRY_MODULES.map((m) => path.join(DIST, m)),
  ],
  outbase: DIST,
  outdir: path.join(DIST, 'bundle'),
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  // Smaller text parses faster; names are kept (errors report their class name, stack traces stay readable).
  minifyWhitespace: true,
  minifySyntax: true,
  keepNames: true,
  sourcemap: 'linked',
  // jsonc-parser's UMD build loads its parts with a require() that a bundler cannot follow.
  // QuickJS (code mode) stays in node_modules: its variant package finds its .wasm file beside its own code.
  external: [
    // oclif is bundled (its ~150 files were half the start-up of every command), except what it loads only
    // in development (TypeScript plugins, in a try/catch) and semver, which it loads only for the engine
    // check bin/run.js switches off.
    'typescript',
    'ts-node',
    'source-map-support',
    'semver',
    'dockerode',
    '@napi-rs/keyring',
    'prom-client',
    'jsonc-parser',
    'quickjs-emscripten-core',
    '@jitl/quickjs-wasmfile-release-sync',
    // sql.js (profile import-db) loads its .wasm file from node_modules, handed over as bytes.
    'sql.js',
  ],
  // CommonJS dependencies bundled into ES modules (yaml) still call require() for node built-ins.
  banner: {
    js: "import {createRequire as __createRequire} from 'node:module';const require=__createRequire(import.meta.url);",
  },
  logLevel: 'warning',
  metafile: true,
})

// Chunk names carry a content hash, so every build that changed something leaves the last one's chunks
// behind (a thousand files after a day of work): they go once this build's are written. Not the folder
// first: a rebuild while gateways run (quickstart.sh in the test suite) must never take away a chunk a
// running process has yet to import, and an unchanged build writes the same names again.
const outputs = new Set(Object.keys(built.metafile.outputs).map((f) => path.resolve(f)))
for (const entry of readdirSync(path.join(DIST, 'bundle'), {recursive: true, withFileTypes: true})) {
  const file = path.join(entry.parentPath ?? entry.path, entry.name)
  if (entry.isFile() && !outputs.has(file)) rmSync(file)
}
leanNames([...outputs].filter((f) => f.endsWith('.js')))
