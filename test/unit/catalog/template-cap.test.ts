/**
 * A catalog template repeating a list placeholder multiplies out: five `{{x.paths}}` over 20 configured
 * paths are 20^5 = 3.2 M strings (the review's figure), which stalled the gateway and took gigabytes. The
 * expansion is capped and refused with an error naming the server and the field.
 */
import assert from 'node:assert/strict'
import {test} from 'node:test'

import {DockerMcpError} from '../../../src/errors.js'
import {
  evaluateTemplate,
  MAX_TEMPLATE_CHARS,
  MAX_TEMPLATE_VALUES,
  TemplateExpansionError,
  templateEvaluator,
  templateField,
} from '../../../src/catalog/template.js'

const paths = Array.from({length: 20}, (_, i) => `/home/me/p${i}`)
const config = {fs: {paths, big: 'x'.repeat(300 * 1024), one: '/only'}}
const bomb = '{{fs.paths}}:{{fs.paths}}:{{fs.paths}}:{{fs.paths}}:{{fs.paths}}'

test('5 list placeholders x 20 items (3.2 M combinations) are refused, naming the server and the field', () => {
  const entry = {command: ['--root', bomb], volumes: [], env: [{name: 'X', value: 'y'}]}
  const evaluate = templateEvaluator('bomber', entry, config)
  assert.throws(
    () => evaluate(bomb),
    (err: unknown) => {
      assert.ok(err instanceof TemplateExpansionError)
      assert.ok(
        err instanceof DockerMcpError,
        'typed: rendered once at the edge, an MCP error in the gateway',
      )
      assert.match(err.message, /^server "bomber", command\[1\]: the template ".*" expands to /)
      assert.match(err.message, new RegExp(`the limit is ${MAX_TEMPLATE_VALUES}`))
      assert.ok(err.suggestions.length > 0)
      return true
    },
  )
})

test('the cap names env and volume fields too', () => {
  const twice = '{{fs.paths}}{{fs.paths}}{{fs.paths}}'
  const entry = {env: [{name: 'ROOTS', value: twice}], volumes: ['{{fs.paths|volume}}', `${twice}:/x`]}
  assert.throws(() => templateEvaluator('s', entry, config)(twice), /server "s", env ROOTS:/)
  assert.throws(() => templateEvaluator('s', entry, config)(`${twice}:/x`), /server "s", volumes\[1\]:/)
  assert.equal(templateField({user: '{{a.b}}'}, '{{a.b}}'), 'user')
})

test('up to the cap is fine: one list of 1024, or 32 x 32', () => {
  const many = Array.from({length: MAX_TEMPLATE_VALUES}, (_, i) => `/p${i}`)
  assert.equal(evaluateTemplate('{{a.l|volume}}', {a: {l: many}}).length, MAX_TEMPLATE_VALUES)
  const l32 = many.slice(0, 32)
  assert.equal(evaluateTemplate('{{a.l}}={{a.l}}', {a: {l: l32}}).length, 1024)
  assert.throws(() => evaluateTemplate('{{a.l}}', {a: {l: [...many, '/one-more']}}), TemplateExpansionError)
  // Two placeholders over 20 items (400) is an ordinary catalog; unchanged.
  assert.equal(evaluateTemplate('{{fs.paths}}:{{fs.paths}}', config).length, 400)
})

test('a long value repeated is capped by characters, before the string is built', () => {
  assert.equal(evaluateTemplate('{{fs.big}}{{fs.big}}{{fs.big}}', config)[0]!.length, 900 * 1024)
  assert.throws(
    () => evaluateTemplate('{{fs.big}}{{fs.big}}{{fs.big}}{{fs.big}}', config),
    (err: unknown) =>
      err instanceof TemplateExpansionError &&
      err.message.includes(`more than ${MAX_TEMPLATE_CHARS} characters`) &&
      err.site === undefined,
  )
  // Literal text counts too: 1024 values x 2 KiB of text.
  const many = Array.from({length: 1024}, (_, i) => `${i}`)
  assert.throws(() => evaluateTemplate(`{{a.l}}${'-'.repeat(2048)}`, {a: {l: many}}), TemplateExpansionError)
})
