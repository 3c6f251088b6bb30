#!/usr/bin/env node
// Bundle the compiled CLI (dist/commands, the entry points bin/run.js loads) into dist/bundle: a few
// chunks instead of hundreds of small ES modules. Node 20 has no compile cache for ES modules and pays
// for each file it resolves and loads (zod alone is 95 of them); this saves ~35 ms on every command and
// on the gateway's time to `initialize`. The SDK and zod are bundled together, so they share one zod.
// Packages loaded with require() (dockerode) and native ones stay external; oclif is bundled too. Run by `npm run build`.
import {mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync} from 'node:fs'
import path from 'node:path'
import {fileURLToPath} from 'node:url'

import {build} from 'esbuild'

import {leanNameText} from './lib/lean-names.mjs'
import {englishOnlyZod} from './lib/zod-locales.mjs'

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
  // Written below, file by file, only where the content changed.
  write: false,
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
    'quickjs-emscripten-core',
    '@jitl/quickjs-wasmfile-release-sync',
    // sql.js (profile import-db) loads its .wasm file from node_modules, handed over as bytes.
    'sql.js',
  ],
  // CommonJS dependencies bundled into ES modules (yaml) still call require() for node built-ins.
  banner: {
    js: "import {createRequire as __createRequire} from 'node:module';const require=__createRequire(import.meta.url);",
  },
  // jsonc-parser's `main` is a UMD build that loads its parts with a require() a bundler cannot follow (it
  // stayed external: six CommonJS files read on every gateway start, for config.json's features); its ES
  // module build bundles.
  alias: {'jsonc-parser': 'jsonc-parser/lib/esm/main.js'},
  plugins: [
    englishOnlyZod(),
    {
      // The SDK server's node shims without its ajv validator, loaded when first needed: src/gateway/sdk-shims.ts.
      name: 'sdk-shims',
      setup(b) {
        b.onResolve({filter: /^@modelcontextprotocol\/server\/_shims$/}, () => ({
          path: path.join(DIST, 'src/gateway/sdk-shims.js'),
        }))
      },
    },
  ],
  logLevel: 'warning',
})

// A rebuild while gateways and commands run (quickstart.sh in the test suite, a developer's rebuild) must
// never let a starting process read a file half-written: esbuild writes its outputs in place, truncating
// first, and a module read in that window loads without its exports (CI saw `handleError is not a
// function` from a gateway started beside a rebuild). So an unchanged output is not written at all, and a
// changed one is written beside its place and renamed over it: a reader gets the old file or the new one.
const outputs = new Set()
for (const output of built.outputFiles) {
  const file = path.resolve(output.path)
  outputs.add(file)
  const text = file.endsWith('.js') ? leanNameText(file, output.text) : output.text
  if (sameContent(file, text)) continue
  mkdirSync(path.dirname(file), {recursive: true})
  const temporary = `${file}.${process.pid}.tmp`
  writeFileSync(temporary, text)
  renameSync(temporary, file)
}

// Chunk names carry a content hash, so every build that changed something leaves the last one's chunks
// behind (a thousand files after a day of work): they go once this build's are written. Not the folder
// first: a running process may have yet to import a chunk of the build it started from.
for (const entry of readdirSync(path.join(DIST, 'bundle'), {recursive: true, withFileTypes: true})) {
  const file = path.join(entry.parentPath ?? entry.path, entry.name)
  if (entry.isFile() && !outputs.has(file)) rmSync(file)
}

function sameContent(file, text) {
  try {
    return readFileSync(file, 'utf8') === text
  } catch {
    return false
  }
}
