import js from '@eslint/js'
import globals from 'globals'
import tseslint from 'typescript-eslint'

// Dependency direction (STYLE.md): dockerode only in src/docker, oclif only in commands/ and src/cli,
// and nothing but src/paths.ts asks the OS for the home directory.
const dockerode = {name: 'dockerode', message: 'Only src/docker/ talks to the Docker engine.'}
const oclif = {name: '@oclif/core', message: 'Only commands/ and src/cli/ know about oclif.'}
const v1Sdk = {name: '@modelcontextprotocol/sdk', message: 'Use the v2 SDK packages only.'}

export default tseslint.config(
  {ignores: ['dist/', 'node_modules/', '.tmp/', 'test/fixtures/**/node_modules/', 'oclif.manifest.json']},
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {globals: {...globals.node}},
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', {argsIgnorePattern: '^_', varsIgnorePattern: '^_'}],
      'no-restricted-imports': ['error', {paths: [dockerode, oclif, v1Sdk]}],
      'no-restricted-properties': [
        'error',
        {object: 'os', property: 'homedir', message: 'Use src/paths.ts.'},
      ],
    },
  },
  {files: ['src/docker/**'], rules: {'no-restricted-imports': ['error', {paths: [oclif, v1Sdk]}]}},
  {
    files: ['commands/**', 'src/cli/**'],
    rules: {'no-restricted-imports': ['error', {paths: [dockerode, v1Sdk]}]},
  },
  {files: ['test/**', 'scripts/**'], rules: {'no-restricted-imports': ['error', {paths: [v1Sdk]}]}},
  {
    files: ['src/**'],
    ignores: ['src/paths.ts'],
    rules: {
      'no-restricted-syntax': [
        'error',
        {selector: "ImportSpecifier[imported.name='homedir']", message: 'Use src/paths.ts.'},
        {
          // zod's `z` export is its whole namespace as one object: importing it keeps all of zod in the
          // bundle (its JSON Schema converters too: 150 KB more to load before the gateway's first answer).
          selector: "ImportDeclaration[source.value='zod'] > ImportSpecifier[imported.name='z']",
          message: "Use `import * as z from 'zod'`: esbuild then bundles only the parts used.",
        },
        {
          selector: "CallExpression[callee.object.name='console']",
          message: 'The library never prints: return data, or take a logger.',
        },
      ],
    },
  },
)
