import assert from 'node:assert/strict'
import {describe, test} from 'node:test'

import {FileFormatError, UsageError} from '../../../src/errors.js'
import {
  assertSecretName,
  isSecretName,
  maskSecret,
  parseEnvFile,
  parseSetArgument,
  stripOneTrailingNewline,
} from '../../../src/secrets/index.js'

describe('secret names', () => {
  test('valid names follow the original pattern: parts of [A-Za-z0-9._:-] joined by single "/"', () => {
    for (const name of ['a', 'github.personal_access_token', 'team/db.password', 'a:b-c_d.e/f', '__proto__'])
      assert.ok(isSecretName(name), name)
    for (const name of ['', 'a b', '/a', 'a/', 'a//b', 'é', 'a=b', 'a\nb', 'a*'])
      assert.ok(!isSecretName(name), JSON.stringify(name))
  })

  test('an invalid name is a usage error (125) that never repeats the name: it may be a pasted value', () => {
    const pasted = 'ghp_s3cr3t+value'
    assert.throws(
      () => assertSecretName(pasted),
      (err: unknown) => {
        assert.ok(err instanceof UsageError)
        assert.equal(err.exitCode, 125)
        assert.match(err.message, /invalid secret name \(character 11 is not allowed\)/)
        assert.ok(!err.message.includes(pasted))
        return true
      },
    )
    assert.throws(() => assertSecretName('a//b'), /empty part between two "\/"/)
    assert.throws(() => assertSecretName('/a'), /starts or ends with "\/"/)
  })
})

describe('secret set argument', () => {
  test('NAME=VALUE splits at the first "=" (guards the original ≤v0.38 bug with values holding "=")', () => {
    assert.deepEqual(parseSetArgument('token=a=b==c'), {name: 'token', value: 'a=b==c'})
    assert.deepEqual(parseSetArgument('token='), {name: 'token', value: ''})
    assert.deepEqual(parseSetArgument('token==x'), {name: 'token', value: '=x'})
    assert.deepEqual(parseSetArgument('team/db.password=p w\nx'), {name: 'team/db.password', value: 'p w\nx'})
  })

  test('a bare NAME means "value from stdin"', () => {
    assert.deepEqual(parseSetArgument('github.token'), {name: 'github.token', value: undefined})
  })

  test('a missing or invalid name is refused without echoing the value', () => {
    assert.throws(() => parseSetArgument('=value'), /missing secret name before "="/)
    assert.throws(
      () => parseSetArgument('bad name=hunter2'),
      (err: Error) => err instanceof UsageError && !err.message.includes('hunter2'),
    )
  })

  test('stdin values lose exactly one trailing line break', () => {
    assert.equal(stripOneTrailingNewline('tok\n'), 'tok')
    assert.equal(stripOneTrailingNewline('tok\r\n'), 'tok')
    assert.equal(stripOneTrailingNewline('tok\n\n'), 'tok\n')
    assert.equal(stripOneTrailingNewline('a\nb'), 'a\nb')
    assert.equal(stripOneTrailingNewline('tok\r'), 'tok\r')
    assert.equal(stripOneTrailingNewline(''), '')
    assert.equal(stripOneTrailingNewline('\n'), '')
  })
})

describe('maskSecret', () => {
  test('shows at most 4 characters, and at most a quarter of short values', () => {
    assert.equal(maskSecret('abcdefghijklmnopqrstuvwxyz'), 'abcd****')
    assert.equal(maskSecret('abcdefghijklmnop'), 'abcd****')
    assert.equal(maskSecret('abcdefgh'), 'ab****')
    assert.equal(maskSecret('abcd'), 'a****')
    assert.equal(maskSecret('abc'), '****')
    assert.equal(maskSecret(''), '****')
  })

  test('never splits a character and never reveals the length', () => {
    assert.equal(maskSecret('🔑🔑🔑🔑🔑🔑🔑🔑'), '🔑🔑****')
    assert.equal(maskSecret('x'.repeat(100)), maskSecret('x'.repeat(16)))
  })
})

describe('parseEnvFile', () => {
  test('NAME=value lines, split at the first "=", comments and blank lines skipped, no quote handling', () => {
    const text = [
      '# team secrets',
      '',
      'github.personal_access_token=ghp_abc=def',
      '   # indented comment',
      'empty=',
      'quoted="kept as is"',
      'spaces=  leading and trailing  ',
      ' team/db.password =pw',
      'dup=first',
      'dup=second',
    ].join('\n')
    assert.deepEqual(
      Object.fromEntries(parseEnvFile(text, 'team.env')),
      Object.fromEntries([
        ['github.personal_access_token', 'ghp_abc=def'],
        ['empty', ''],
        ['quoted', '"kept as is"'],
        ['spaces', '  leading and trailing  '],
        ['team/db.password', 'pw'],
        ['dup', 'second'],
      ]),
    )
  })

  test('CRLF line ends and a BOM are tolerated', () => {
    assert.deepEqual(
      [...parseEnvFile('\uFEFFa=1\r\nb=2\r\n', 'x.env')],
      [
        ['a', '1'],
        ['b', '2'],
      ],
    )
  })

  test('a line without "=" is an error naming file:line, and the line itself is not repeated', () => {
    assert.throws(
      () => parseEnvFile('a=1\n# c\nghp_pasted_token\n', '/x/team.env'),
      (err: unknown) => {
        assert.ok(err instanceof FileFormatError)
        assert.equal(err.message, '/x/team.env:3: expected NAME=value, but the line has no "="')
        assert.ok(!err.message.includes('ghp_pasted_token'))
        return true
      },
    )
  })

  test('an invalid name before "=" is an error with file:line', () => {
    assert.throws(
      () => parseEnvFile('ok=1\nmy token=abc\n', 'a.env'),
      /^FileFormatError: a\.env:2: invalid secret name/,
    )
    assert.throws(() => parseEnvFile('=abc\n', 'a.env'), /a\.env:1: invalid secret name/)
  })

  test('"__proto__" is an ordinary name', () => {
    assert.equal(parseEnvFile('__proto__=x\n', 'a.env').get('__proto__'), 'x')
  })
})
