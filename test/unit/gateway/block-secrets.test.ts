import assert from 'node:assert/strict'
import {mkdtemp, rm, writeFile} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import path from 'node:path'
import {test} from 'node:test'

import {FileFormatError} from '../../../src/errors.js'
import {blockSecretsStage} from '../../../src/gateway/pipeline/block-secrets.js'
import {CallRefusedError, toolCall, type CallAnswer} from '../../../src/gateway/pipeline/call.js'
import {CallPipeline} from '../../../src/gateway/pipeline/pipeline.js'
import {loadSecretAllowlist} from '../../../src/gateway/pipeline/secret-allowlist.js'
import {SECRET_RULES} from '../../../src/gateway/pipeline/secret-rules.js'
import {jsonForms, SecretScanner, type AllowEntry} from '../../../src/gateway/pipeline/secret-scan.js'
import {LOCAL_CALLER} from '../../../src/gateway/session/caller.js'

/**
 * Issue #16, `--block-secrets`: the scanner, its rules, the allowlist and the guard. Every credential below
 * is assembled at run time from a prefix and filler, never written out: this file must not look like a
 * leak to the scanners that guard this repository (the same care Docker's gateway tests take).
 */

/** `n` characters cycling through `chars`. */
const fill = (chars: string, n: number) => Array.from({length: n}, (_, i) => chars[i % chars.length]).join('')
const ALNUM = 'aB3dE5gH7jK9mN2pQ4sT6vW8yZ0'
const LOWER = 'a1b2c3d4e5f6g7h8i9j0k'
const HEX = '0123456789abcdef'
const AH = 'abcdefgh01234567'
const UPPER = 'ABCDEFGHJKLMNPQRSTUVWXYZ234567'
const DIGITS = '1234567890'
const uuid = (chars: string) =>
  `${fill(chars, 8)}-${fill(chars, 4)}-${fill(chars, 4)}-${fill(chars, 4)}-${fill(chars, 12)}`
const keyed = (word: string, secret: string) => `${word}_secret = "${secret}"`

/**
 * For every rule: text with a credential it must find, and a near miss it must not (one character short, a
 * wrong prefix, a letter before the token...). Both are scanned the way the gateway scans them: as JSON.
 */
const SAMPLES: Record<string, {hit: string; miss: string}> = {
  'aws-access-key-id': {hit: `key id AKIA${fill(UPPER, 16)} ok`, miss: `key id AKIA${fill(UPPER, 15)} ok`},
  'aws-secret-access-key': {
    hit: `AWS_SECRET_ACCESS_KEY=${fill(ALNUM + '/+', 40)}\n`,
    // 38: Trivy's pattern takes the "=" of "KEY=" into a 40-character secret, so 39 would still match.
    miss: `AWS_SECRET_ACCESS_KEY=${fill(ALNUM + '/+', 38)}\n`,
  },
  'github-pat': {hit: `use ghp_${fill(ALNUM, 36)}`, miss: `use ghp_${fill(ALNUM, 35)}`},
  'github-oauth': {hit: `gho_${fill(ALNUM, 36)}`, miss: `xgho_${fill(ALNUM, 36)}`},
  'github-app-token': {hit: `ghs_${fill(ALNUM, 36)}`, miss: `ghs_${fill(ALNUM, 35)}`},
  'github-refresh-token': {hit: `ghr_${fill(ALNUM, 76)}`, miss: `ghr_${fill(ALNUM, 75)}`},
  'github-fine-grained-pat': {
    hit: `github_pat_${fill(ALNUM, 22)}_${fill(ALNUM, 59)}`,
    miss: `github_pat_${fill(ALNUM, 22)}_${fill(ALNUM, 58)}`,
  },
  'gitlab-pat': {hit: `glpat-${fill(ALNUM, 20)}`, miss: `glpat-${fill(ALNUM, 19)}`},
  'hugging-face-access-token': {hit: `hf_${fill(ALNUM, 34)}`, miss: `hf_${fill(ALNUM, 33)}`},
  'private-key': {
    hit: `-----BEGIN RSA PRIVATE KEY-----\n${fill(ALNUM, 64)}\n${fill(ALNUM, 40)}==\n-----END RSA PRIVATE KEY-----\n`,
    miss: `-----BEGIN PUBLIC KEY-----\n${fill(ALNUM, 64)}\n-----END PUBLIC KEY-----\n`,
  },
  'shopify-token': {hit: `shpat_${fill(HEX, 32)}`, miss: `shpat_${fill(HEX, 31)}`},
  'slack-access-token': {hit: `xoxb-${fill(DIGITS, 12)}-abc`, miss: `xoxb-${fill(DIGITS, 9)}-abc`},
  'stripe-publishable-token': {hit: `pk_test_${fill(LOWER, 24)}`, miss: `pk_test_${fill(LOWER, 9)}`},
  'stripe-secret-token': {hit: `sk_live_${fill(LOWER, 24)}`, miss: `sk_live_${fill(LOWER, 9)}`},
  'pypi-upload-token': {
    hit: `pypi-AgEIcHlwaS5vcmc${fill(ALNUM, 60)}`,
    miss: `pypi-AgEIcHlwaS5vcmc${fill(ALNUM, 49)}`,
  },
  'gcp-service-account': {
    hit: `{"type": "service_account", "project_id": "p"}`,
    miss: `{"type": "authorized_user", "note": "not a service_account"}`,
  },
  'heroku-api-key': {hit: keyed('heroku', uuid(HEX.toUpperCase())), miss: keyed('heroku', uuid('0123G'))},
  'slack-web-hook': {
    hit: `https://hooks.slack.com/services/T${fill(UPPER, 8)}/B${fill(UPPER, 8)}/${fill(ALNUM, 24)}`,
    miss: `https://hooks.slack.com/services/T${fill(UPPER, 8)}/B${fill(UPPER, 8)}/${fill(ALNUM, 23)}`,
  },
  'twilio-api-key': {hit: `SK${fill(HEX, 32)}`, miss: `SK${fill(HEX, 31)}z`},
  'age-secret-key': {
    hit: `AGE-SECRET-KEY-1${fill('QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L', 58)}`,
    miss: `AGE-SECRET-KEY-1${fill('QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L', 57)}B`,
  },
  'facebook-token': {hit: keyed('facebook', fill(HEX, 32)), miss: keyed('facebook', fill(HEX, 31))},
  'twitter-token': {hit: keyed('twitter', fill(HEX, 40)), miss: keyed('twitter', fill(HEX, 34))},
  'adobe-client-id': {hit: keyed('adobe', fill(HEX, 32)), miss: keyed('adobe', fill(HEX, 33))},
  'adobe-client-secret': {hit: `p8e-${fill(ALNUM, 32)}`, miss: `p8e-${fill(ALNUM, 31)}`},
  'alibaba-access-key-id': {hit: `LTAI${fill(ALNUM, 20)}`, miss: `LTAI${fill(ALNUM, 21)}`},
  'alibaba-secret-key': {hit: keyed('alibaba', fill(LOWER, 30)), miss: keyed('alibaba', fill(LOWER, 29))},
  'asana-client-id': {hit: keyed('asana', fill(DIGITS, 16)), miss: keyed('asana', fill(DIGITS, 15))},
  'asana-client-secret': {hit: keyed('asana', fill(LOWER, 32)), miss: keyed('asana', fill(LOWER, 31))},
  'atlassian-api-token': {
    hit: keyed('atlassian', fill(LOWER, 24)),
    miss: keyed('atlassian', fill(LOWER, 23)),
  },
  'bitbucket-client-id': {
    hit: keyed('bitbucket', fill(LOWER, 32)),
    miss: keyed('bitbucket', fill(LOWER, 31)),
  },
  'bitbucket-client-secret': {
    hit: keyed('bitbucket', fill(LOWER + '_-', 64)),
    miss: keyed('bitbucket', fill(LOWER + '_-', 63)),
  },
  'beamer-api-token': {
    hit: keyed('beamer', `b_${fill(LOWER, 44)}`),
    miss: keyed('beamer', `b_${fill(LOWER, 43)}`),
  },
  'clojars-api-token': {hit: `CLOJARS_${fill(ALNUM, 60)}`, miss: `CLOJARS_${fill(ALNUM, 59)}`},
  'contentful-delivery-api-token': {
    hit: keyed('contentful', fill(LOWER, 43)),
    miss: keyed('contentful', fill(LOWER, 42)),
  },
  'databricks-api-token': {hit: `dapi${fill(AH, 32)}`, miss: `dapi${fill(AH, 31)}z`},
  'discord-api-token': {hit: keyed('discord', fill(AH, 64)), miss: keyed('discord', fill(AH, 63))},
  'discord-client-id': {hit: keyed('discord', fill(DIGITS, 18)), miss: keyed('discord', fill(DIGITS, 17))},
  'discord-client-secret': {hit: keyed('discord', fill(LOWER, 32)), miss: keyed('discord', fill(LOWER, 31))},
  'doppler-api-token': {hit: `"dp.pt.${fill(ALNUM, 43)}"`, miss: `"dp.pt.${fill(ALNUM, 42)}"`},
  'dropbox-api-secret': {hit: keyed('dropbox', fill(LOWER, 15)), miss: keyed('dropbox', fill(LOWER, 14))},
  'dropbox-short-lived-api-token': {
    hit: keyed('dropbox', `sl.${fill(LOWER, 135)}`),
    miss: keyed('dropbox', `sl.${fill(LOWER, 134)}`),
  },
  'dropbox-long-lived-api-token': {
    hit: keyed('dropbox', `${fill(LOWER, 11)}AAAAAAAAAA${fill(LOWER, 43)}`),
    miss: keyed('dropbox', `${fill(LOWER, 11)}AAAAAAAAAB${fill(LOWER, 43)}`),
  },
  'duffel-api-token': {hit: `"duffel_test_${fill(ALNUM, 43)}"`, miss: `"duffel_test_${fill(ALNUM, 42)}"`},
  'dynatrace-api-token': {
    hit: `"dt0c01.${fill(ALNUM, 24)}.${fill(ALNUM, 64)}"`,
    miss: `"dt0c01.${fill(ALNUM, 23)}.${fill(ALNUM, 64)}"`,
  },
  'easypost-api-token': {hit: `"EZAK${fill(ALNUM, 54)}"`, miss: `"EZAK${fill(ALNUM, 53)}"`},
  'fastly-api-token': {hit: keyed('fastly', fill(LOWER, 32)), miss: keyed('fastly', fill(LOWER, 31))},
  'finicity-client-secret': {
    hit: keyed('finicity', fill(LOWER, 20)),
    miss: keyed('finicity', fill(LOWER, 19)),
  },
  'finicity-api-token': {hit: keyed('finicity', fill(HEX, 32)), miss: keyed('finicity', fill(HEX, 31))},
  'flutterwave-public-key': {
    hit: `FLWPUBK_TEST-${fill(AH, 32)}-X`,
    miss: `FLWPUBK_TEST-${fill(AH, 31)}-X`,
  },
  'flutterwave-enc-key': {hit: `FLWSECK_TEST${fill(AH, 12)}`, miss: `FLWSECK_TEST${fill(AH, 11)}`},
  'frameio-api-token': {hit: `fio-u-${fill(ALNUM, 64)}`, miss: `fio-u-${fill(ALNUM, 63)}`},
  'gocardless-api-token': {hit: `"live_${fill(ALNUM, 40)}"`, miss: `"live_${fill(ALNUM, 39)}"`},
  'grafana-api-token': {hit: `eyJrIjoi${fill(ALNUM, 72)}`, miss: `eyJrIjoi${fill(ALNUM, 71)}`},
  'hashicorp-tf-api-token': {
    hit: `"${fill(LOWER, 14)}.atlasv1.${fill(LOWER, 64)}"`,
    miss: `"${fill(LOWER, 13)}.atlasv1.${fill(LOWER, 64)}"`,
  },
  'hubspot-api-token': {hit: keyed('hubspot', uuid(AH)), miss: keyed('hubspot', uuid('abcdefghz'))},
  'intercom-api-token': {hit: keyed('intercom', fill(LOWER, 60)), miss: keyed('intercom', fill(LOWER, 59))},
  'intercom-client-secret': {hit: keyed('intercom', uuid(AH)), miss: keyed('intercom', uuid('xyz'))},
  'ionic-api-token': {
    hit: keyed('ionic', `ion_${fill(LOWER, 42)}`),
    miss: keyed('ionic', `ion_${fill(LOWER, 41)}`),
  },
  'jwt-token': {
    hit: `Bearer eyJ${fill(ALNUM, 20)}.eyJ${fill(ALNUM, 30)}.${fill(ALNUM, 43)}`,
    miss: `Bearer xeyJ${fill(ALNUM, 20)}.eyJ${fill(ALNUM, 30)}.${fill(ALNUM, 43)}`,
  },
  'linear-api-token': {hit: `lin_api_${fill(ALNUM, 40)}`, miss: `lin_api_${fill(ALNUM, 39)}`},
  'linear-client-secret': {hit: keyed('linear', fill(HEX, 32)), miss: keyed('linear', fill(HEX, 31))},
  'lob-api-key': {hit: keyed('lob', `live_${fill(HEX, 35)}`), miss: keyed('lob', `live_${fill(HEX, 34)}`)},
  'lob-pub-api-key': {
    hit: keyed('lob', `test_pub_${fill(HEX, 31)}`),
    miss: keyed('lob', `test_pub_${fill(HEX, 30)}`),
  },
  'mailchimp-api-key': {
    hit: keyed('mailchimp', `${fill(HEX, 32)}-us20`),
    miss: keyed('mailchimp', `${fill(HEX, 32)}-us21`),
  },
  'mailgun-token': {
    hit: keyed('mailgun', `key-${fill(HEX, 32)}`),
    miss: keyed('mailgun', `key-${fill(HEX, 31)}`),
  },
  'mailgun-signing-key': {
    hit: keyed('mailgun', `${fill(AH, 32)}-${fill(AH, 8)}-${fill(AH, 8)}`),
    miss: keyed('mailgun', `${fill(AH, 32)}-${fill(AH, 8)}-${fill(AH, 7)}`),
  },
  'mapbox-api-token': {
    hit: `pk.${fill(LOWER, 60)}.${fill(LOWER, 22)}`,
    miss: `pk.${fill(LOWER, 59)}.${fill(LOWER, 22)}`,
  },
  'messagebird-api-token': {
    hit: keyed('messagebird', fill(LOWER, 25)),
    miss: keyed('messagebird', fill(LOWER, 24)),
  },
  'messagebird-client-id': {hit: keyed('messagebird', uuid(AH)), miss: keyed('messagebird', uuid('xyz'))},
  'new-relic-user-api-key': {hit: `"NRAK-${fill(UPPER, 27)}"`, miss: `"NRAK-${fill(UPPER, 26)}"`},
  'new-relic-user-api-id': {
    hit: keyed('newrelic', fill(UPPER, 64)),
    miss: keyed('newrelic', fill(UPPER, 63)),
  },
  'new-relic-browser-api-token': {hit: `"NRJS-${fill(HEX, 19)}"`, miss: `"NRJS-${fill(HEX, 18)}"`},
  'npm-access-token': {hit: `"npm_${fill(ALNUM, 36)}"`, miss: `"npm_${fill(ALNUM, 35)}"`},
  'planetscale-password': {hit: `pscale_pw_${fill(ALNUM, 43)}`, miss: `pscale_pw_${fill(ALNUM, 42)}`},
  'planetscale-api-token': {hit: `pscale_tkn_${fill(ALNUM, 43)}`, miss: `pscale_tkn_${fill(ALNUM, 42)}`},
  'private-packagist-token': {hit: `packagist_uut_${fill(HEX, 68)}`, miss: `packagist_uut_${fill(HEX, 67)}`},
  'postman-api-token': {
    hit: `PMAK-${fill(HEX, 24)}-${fill(HEX, 34)}`,
    miss: `PMAK-${fill(HEX, 24)}-${fill(HEX, 33)}`,
  },
  'pulumi-api-token': {hit: `pul-${fill(HEX, 40)}`, miss: `pul-${fill(HEX, 39)}`},
  'rubygems-api-token': {hit: `rubygems_${fill(HEX, 48)}`, miss: `rubygems_${fill(HEX, 47)}`},
  'sendgrid-api-token': {hit: `SG.${fill(ALNUM, 66)}`, miss: `SG.${fill(ALNUM, 65)}`},
  'sendinblue-api-token': {
    hit: `xkeysib-${fill(HEX, 64)}-${fill(ALNUM, 16)}`,
    miss: `xkeysib-${fill(HEX, 64)}-${fill(ALNUM, 15)}`,
  },
  'shippo-api-token': {hit: `shippo_live_${fill(HEX, 40)}`, miss: `shippo_live_${fill(HEX, 39)}`},
  'linkedin-client-secret': {
    hit: keyed('linkedin', fill('abcdefghijk', 16)),
    miss: keyed('linkedin', fill('abcdefghijk', 15)),
  },
  'linkedin-client-id': {hit: keyed('linkedin', fill(LOWER, 14)), miss: keyed('linkedin', fill(LOWER, 13))},
  'twitch-api-token': {hit: keyed('twitch', fill(LOWER, 30)), miss: keyed('twitch', fill(LOWER, 29))},
  'typeform-api-token': {
    hit: `typeform_token: tfp_${fill(LOWER, 59)}`,
    miss: `typeform_token: tfp_${fill(LOWER, 58)}`,
  },
  'dockerconfig-secret': {
    hit: `data:\n  .dockerconfigjson: eyJhdXRocyI6e30=\n`,
    miss: `data:\n  .dockerconfigjson: bm90IGEgY29uZmln\n`,
  },
  'docker-pat': {hit: `dckr_pat_${fill(ALNUM, 27)}`, miss: `dckr_pat_${fill(ALNUM, 26)}`},
  'anthropic-api-key': {hit: `sk-ant-api03-${fill(ALNUM, 95)}`, miss: `sk-ant-api03-${fill(ALNUM, 60)}`},
  'openai-api-key': {
    hit: `sk-proj-${fill(ALNUM, 40)}T3BlbkFJ${fill(ALNUM, 40)}`,
    miss: `sk-proj-${fill(ALNUM, 40)}T3BlbkFX${fill(ALNUM, 40)}`,
  },
}

/** How a tool call's arguments reach the scanner: JSON text. */
const asArguments = (text: string) => JSON.stringify({name: 'tool', arguments: {text}})

test('the rule set: 90 rules with unique ids, each with a keyword, and a sample pair for each', () => {
  assert.equal(SECRET_RULES.length, 90)
  const ids = SECRET_RULES.map((r) => r.id)
  assert.equal(new Set(ids).size, ids.length)
  for (const rule of SECRET_RULES) assert.ok(rule.keywords.length > 0, rule.id)
  assert.deepEqual(Object.keys(SAMPLES).sort(), [...ids].sort())
})

for (const rule of SECRET_RULES) {
  test(`rule ${rule.id}: finds the credential in JSON text, not the near miss`, () => {
    const only = new SecretScanner({rules: [rule]})
    const {hit, miss} = SAMPLES[rule.id]!
    assert.equal(only.scan(asArguments(hit))?.rule, rule.id, 'the credential')
    assert.equal(only.scan(asArguments(miss)), undefined, 'the near miss')
    // Raw text too (a tool result's text as the server wrote it), and the full rule set finds it.
    assert.equal(only.scan(hit)?.rule, rule.id, 'raw text')
    assert.ok(new SecretScanner().scan(asArguments(hit)), 'the full rule set')
  })
}

test('keywords are case-insensitive, and overlapping keywords are all found', () => {
  const scanner = new SecretScanner()
  assert.equal(scanner.scan(asArguments(keyed('FaceBook', fill(HEX, 32))))?.rule, 'facebook-token')
  // "pk." (Mapbox) ends where ".eyJ" (JWT) starts, and ".eyJ" occurs nowhere else.
  const jwt = `pk.eyJ${fill(ALNUM, 20)}.eyA${fill(ALNUM, 30)}.${fill(ALNUM, 43)}`
  assert.equal(scanner.scan(asArguments(jwt))?.rule, 'jwt-token')
  // A keyword that starts another one ("sk" / "sk_test_") selects its rules too.
  const rules = [
    {id: 'long', title: 'Long', regex: 'never', keywords: ['sk_test_']},
    {id: 'short', title: 'Short', regex: 'sk_t', keywords: ['sk']},
  ]
  assert.equal(new SecretScanner({rules}).scan('a sk_test_ b')?.rule, 'short')
})

test('ordinary text, code and random base64 carry no secret', () => {
  const scanner = new SecretScanner()
  const prose = 'The key to the task is to ask: is the public live API skipping the global blob? '.repeat(200)
  assert.equal(scanner.scan(asArguments(prose)), undefined)
  const code = `const key = process.env.API_KEY\nexport function mask(value: string) { return value.slice(0, 4) }\n`
  assert.equal(scanner.scan(asArguments(code.repeat(100))), undefined)
  const b64 = Buffer.from(fill('\x00\x01\x7f\xff\x10', 3000), 'latin1').toString('base64')
  assert.equal(scanner.scan(asArguments(b64)), undefined)
})

test('a token after a JSON escape (\\n) or before one is found; inside a longer word it is not', () => {
  const scanner = new SecretScanner()
  const token = `ghp_${fill(ALNUM, 36)}`
  assert.equal(scanner.scan(asArguments(`line one\n${token}\nline three`))?.rule, 'github-pat')
  assert.equal(scanner.scan(asArguments(`AKIA${fill(UPPER, 16)}\n`))?.rule, 'aws-access-key-id')
  assert.equal(scanner.scan(asArguments(`{"id": "AKIA${fill(UPPER, 16)}"}`))?.rule, 'aws-access-key-id')
  assert.equal(scanner.scan(asArguments(`xyz${token}`)), undefined)
})

test('stored secrets: the value is found as it is and in every form JSON gives it', () => {
  const plain = 'sup3r-s3cret-VALUE-9d2c41'
  const awkward = 'p"ss\\wörd/<x>&\n42'
  const scanner = new SecretScanner({
    stored: [
      {name: 'fixture.secret', value: plain},
      {name: 'other.secret', value: awkward},
    ],
  })
  assert.deepEqual(scanner.scan(asArguments(`the value is ${plain}!`)), {
    rule: 'stored-secret',
    title: 'fixture.secret',
    secret: 'fixture.secret',
  })
  assert.equal(scanner.scan(asArguments(`x${awkward}x`))?.secret, 'other.secret') // JSON.stringify's escapes
  assert.equal(scanner.scan(awkward)?.secret, 'other.secret') // raw text
  // How Python's json.dumps and Go's encoding/json write it (non-ASCII, <, >, & as \uXXXX), and PHP's "\/".
  const python = '"p\\"ss\\\\w\\u00f6rd/\\u003cx\\u003e\\u0026\\n42"'
  assert.equal(scanner.scan(`{"text": ${python}}`)?.secret, 'other.secret')
  const upper = python.replace(/\\u([0-9a-f]{4})/g, (_, hex: string) => `\\u${hex.toUpperCase()}`)
  assert.notEqual(upper, python)
  assert.equal(scanner.scan(`{"text": ${upper}}`)?.secret, 'other.secret')
  assert.equal(scanner.scan(`{"text": ${python.replaceAll('/', '\\/')}}`)?.secret, 'other.secret')
  assert.ok(jsonForms(awkward).length >= 4)
  assert.deepEqual(jsonForms(plain), [plain])
})

test('stored secrets shorter than 8 characters are not looked for (they turn up by chance)', () => {
  const scanner = new SecretScanner({stored: [{name: 'pin', value: '1234567'}]})
  assert.equal(scanner.scan(asArguments('call 1234567 now')), undefined)
})

test('the allowlist: a rule off, a literal, a regex, a stored secret by name', () => {
  const token = `ghp_${fill(ALNUM, 36)}`
  const other = `ghp_${fill('Zz9', 36)}`
  const stored = [{name: 'fixture.secret', value: 'sup3r-s3cret-VALUE-9d2c41'}]
  const scan = (allow: AllowEntry[], text: string) =>
    new SecretScanner({stored, allow}).scan(asArguments(text))
  assert.equal(scan([{rule: 'github-pat'}], token), undefined)
  assert.equal(scan([{rule: 'github-pat'}], 'sup3r-s3cret-VALUE-9d2c41')?.rule, 'stored-secret')
  assert.equal(scan([{rule: 'github-pat', literal: token}], token), undefined)
  // The literal allows that token only: another one in the same text is still found.
  assert.equal(scan([{rule: 'github-pat', literal: token}], `${token} ${other}`)?.rule, 'github-pat')
  assert.equal(scan([{regex: /^ghp_aB3/}], token), undefined)
  assert.equal(scan([{regex: /^ghp_aB3/}], other)?.rule, 'github-pat')
  assert.equal(scan([{rule: 'gitlab-pat', literal: token}], token)?.rule, 'github-pat')
  assert.equal(scan([{secret: 'fixture.secret'}], 'sup3r-s3cret-VALUE-9d2c41'), undefined)
  assert.equal(scan([{rule: 'stored-secret'}], 'sup3r-s3cret-VALUE-9d2c41'), undefined)
  assert.equal(scan([{secret: 'other.secret'}], 'sup3r-s3cret-VALUE-9d2c41')?.rule, 'stored-secret')
})

test('the allowlist file: entries read, mistakes named with file and line', async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'docker-mcp-allow-'))
  try {
    const file = path.join(dir, 'secret-allowlist.yaml')
    assert.deepEqual(await loadSecretAllowlist(file), [], 'no file, nothing allowed')
    await writeFile(
      file,
      [
        'allow:',
        '  - rule: jwt-token',
        '  - rule: aws-access-key-id',
        '    literal: AKIAEXAMPLE',
        '    reason: the AWS documentation example',
        "  - regex: '^sk_test_'",
        '  - secret: github.token',
        '',
      ].join('\n'),
    )
    const entries = await loadSecretAllowlist(file)
    assert.equal(entries.length, 4)
    assert.deepEqual(entries[0], {rule: 'jwt-token', literal: undefined, regex: undefined, secret: undefined})
    assert.ok(entries[2]!.regex!.test('sk_test_abc'))
    assert.equal(entries[3]!.secret, 'github.token')

    const refused = async (lines: string[], line: number, pattern: RegExp) => {
      await writeFile(file, lines.join('\n') + '\n')
      await assert.rejects(loadSecretAllowlist(file), (err: Error) => {
        assert.ok(err instanceof FileFormatError, err.message)
        assert.equal(err.position?.line, line, err.message)
        assert.match(err.message, pattern)
        assert.ok(err.message.startsWith(`${file}:${line}`), err.message)
        return true
      })
    }
    await refused(
      ['allow:', '  - rule: jwt-token', '  - rule: no-such-rule'],
      3,
      /unknown rule "no-such-rule"/,
    )
    await refused(['allow:', '  - rule: jwt-token', "    regex: '('"], 3, /not a valid regular expression/)
    await refused(['allow:', '  - rule: jwt-token', '    rules: [x]'], 2, /unknown field\(s\) "rules"/)
    await refused(
      ['allow:', '  - reason: nothing else'],
      2,
      /at least one of "rule", "literal", "regex" or "secret"/,
    )
    await refused(
      ['allow:', '  - secret: a.b', '    rule: github-pat'],
      2,
      /"rule" can only be "stored-secret"/,
    )
    await refused(['allowed: []'], 1, /unknown field\(s\) "allowed"/)
    await refused(['allow:', '  - rule: jwt-token', '    rule: jwt-token'], 3, /invalid YAML: duplicate key/)
  } finally {
    await rm(dir, {recursive: true, force: true})
  }
})

const TOKEN = `ghp_${fill(ALNUM, 36)}`
const VALUE = 'sup3r-s3cret-VALUE-9d2c41'
const ok = (text: string): CallAnswer => ({kind: 'result', result: {content: [{type: 'text', text}]}})

function guarded() {
  return new CallPipeline([
    blockSecretsStage({
      stored: [{name: 'fixture.secret', value: VALUE}],
      allow: [],
      allowlistFile: '/home/u/.docker/mcp/secret-allowlist.yaml',
    }),
  ])
}
const call = (args: Record<string, unknown>, sourceText?: string) =>
  toolCall({
    session: 's',
    caller: LOCAL_CALLER,
    name: 'fixture__echo',
    server: 'fixture',
    tool: 'echo',
    arguments: args,
    via: 'raw',
    sourceText,
  })

/** The refusal, checked for what every refusal must say and must not. */
function assertRefusal(
  err: unknown,
  direction: 'passed to' | 'returned by',
  rule: string,
  secret: string,
): true {
  assert.ok(err instanceof CallRefusedError, String(err))
  assert.equal(err.guard, 'block-secrets')
  assert.equal(err.code, -32600)
  assert.match(
    err.message,
    direction === 'passed to'
      ? /a secret is being passed to tool fixture__echo/
      : /a secret is being returned by the fixture__echo tool/,
  )
  assert.match(err.message, new RegExp(`rule ${rule}\\b`))
  assert.match(err.message, /secret-allowlist\.yaml/)
  assert.ok(!err.message.includes(secret), 'the value is never in the message')
  assert.ok(!err.message.includes(secret.slice(4, 14)), 'nor a piece of it')
  return true
}

test('the guard refuses an argument with a credential: the call is never forwarded', async () => {
  let forwarded = 0
  await assert.rejects(
    guarded().run(call({text: `here: ${TOKEN}`}), async () => (forwarded++, ok('x'))),
    (err) => assertRefusal(err, 'passed to', 'github-pat', TOKEN),
  )
  await assert.rejects(
    guarded().run(call({text: `value ${VALUE}`}), async () => (forwarded++, ok('x'))),
    (err) =>
      assertRefusal(err, 'passed to', 'stored-secret', VALUE) &&
      /stored secret "fixture\.secret"/.test((err as Error).message),
  )
  assert.equal(forwarded, 0)
})

test('the guard scans the client text of a large raw call, not a serialisation of its arguments', async () => {
  // The arguments the client text describes carry nothing; its text does (the raw path scans what it forwards).
  const text = `{"method":"tools/call","params":{"name":"fixture__echo","arguments":{"text":"${TOKEN}"}},"jsonrpc":"2.0","id":1}`
  await assert.rejects(
    guarded().run(call({text: 'clean'}, text), async () => ok('x')),
    (err) => assertRefusal(err, 'passed to', 'github-pat', TOKEN),
  )
})

test('the guard refuses a result with a credential: text, structured content, embedded resources, raw text', async () => {
  const answers: CallAnswer[] = [
    ok(`token ${TOKEN}`),
    {kind: 'result', result: {content: [], structuredContent: {nested: {token: TOKEN}}}},
    {
      kind: 'result',
      result: {content: [{type: 'resource', resource: {uri: 'file:///x', text: `k=${VALUE}`}}]},
    },
    {
      kind: 'text',
      text: `{"jsonrpc":"2.0","result":{"content":[{"type":"text","text":"${'x'.repeat(70_000)} ${TOKEN}"}]},"id":3}`,
      idMemberAt: 0,
    },
    {kind: 'error', error: {code: -32000, message: `upstream said ${TOKEN}`}},
  ]
  for (const answer of answers) {
    await assert.rejects(
      guarded().run(call({text: 'hi'}), async () => answer),
      (err) =>
        assertRefusal(
          err,
          'returned by',
          answer.kind === 'result' && JSON.stringify(answer).includes(VALUE) ? 'stored-secret' : 'github-pat',
          answer.kind === 'result' && JSON.stringify(answer).includes(VALUE) ? VALUE : TOKEN,
        ),
    )
  }
  assert.deepEqual(await guarded().run(call({text: 'hi'}), async () => ok('clean')), ok('clean'))
})

/**
 * The scanner tries each rule only where its matches can start (near its anchor words: secret-scan.ts).
 * What a rule finds must be what it finds run over the whole text, as Trivy runs it: this reference does.
 */
function wholeText(rules: readonly (typeof SECRET_RULES)[number][], text: string, allow: AllowEntry[] = []) {
  const lower = text.toLowerCase()
  for (const rule of rules) {
    if (!rule.keywords.some((k) => lower.includes(k.toLowerCase()))) continue
    const regex = new RegExp(rule.regex, rule.ignoreCase ? 'gi' : 'g')
    let m: RegExpExecArray | null
    while ((m = regex.exec(text)) !== null) {
      const found = m.groups?.['secret'] ?? m[0]
      const allowed = allow.some(
        (e) =>
          (e.rule === undefined || e.rule === rule.id) &&
          (e.literal === undefined || e.literal === found) &&
          (e.regex === undefined || e.regex.test(found)),
      )
      if (!allowed) return rule.id
      if (m[0].length === 0) regex.lastIndex++
    }
  }
  return undefined
}

test('each rule finds what it finds over the whole text: at the text edges, far from its keyword, overlapping', () => {
  const token = (id: string) => SAMPLES[id]!.hit
  const cases: Array<[string, string]> = [
    // The anchor sits 16 characters into the match (HashiCorp), 1 (a quote first), 0..2 (an escaped quote).
    ['hashicorp-tf-api-token', token('hashicorp-tf-api-token')],
    ['hashicorp-tf-api-token', `x${token('hashicorp-tf-api-token')}`],
    ['doppler-api-token', token('doppler-api-token')],
    ['aws-secret-access-key', `\\"aws_secret_access_key\\": \\"${fill(ALNUM + '/+', 40)}\\"`],
    ['aws-secret-access-key', `"aws_secret_access_key": "${fill(ALNUM + '/+', 40)}"`],
    ['gcp-service-account', `\\"type\\"   :     \\"service_account\\"`],
    // The keyword at the far end of the match: OpenAI's after 200 characters, Slack's after "https://".
    ['openai-api-key', `sk-proj-${fill(ALNUM, 200)}T3BlbkFJ${fill(ALNUM, 200)}`],
    ['slack-web-hook', token('slack-web-hook')],
    // Not their keyword: EZTK (the keywords are EZAK, EZAT), packagist_urt_, A3T…, hooks-slack-com.
    ['easypost-api-token', `"EZTK${fill(ALNUM, 54)}" EZAT`],
    ['private-packagist-token', `packagist_urt_${fill(HEX, 68)} packagist_out_`],
    ['aws-access-key-id', `A3TX${fill(UPPER, 16)} AKIA`],
    ['slack-web-hook', `https://hooks-slack-com/services/${fill(ALNUM, 44)} hooks.slack.com`],
    // A keyed rule: the longest key run, spaces before the assignment, escaped quotes, upper case.
    ['facebook-token', `FACEBOOK${fill('_a', 23)}  \\" = \\"${fill(HEX, 32)}\\"`],
    ['lob-api-key', `blob blob global lob_key    =  "live_${fill(HEX, 35)}"`],
    // At the very start and end of the text, back to back, and a private key spanning a long text.
    ['github-pat', `${token('github-pat')}${token('github-pat')}`],
    ['private-key', `-----BEGIN PRIVATE KEY-----\n${fill(ALNUM + '\n', 5000)}\n-----END PRIVATE KEY-----`],
    ['jwt-token', `${token('jwt-token')} ey${fill(ALNUM, 30)}.ey${fill(ALNUM, 30)}.`],
  ]
  for (const [id, text] of cases) {
    const rule = SECRET_RULES.find((r) => r.id === id)!
    const only = new SecretScanner({rules: [rule]})
    assert.equal(
      wholeText([rule], text),
      id,
      `${id}: the reference finds it in ${JSON.stringify(text.slice(0, 60))}`,
    )
    for (const t of [text, asArguments(text), `${text} ${text}`, `${text}${text}`])
      assert.equal(only.scan(t)?.rule, wholeText([rule], t), `${id} in ${JSON.stringify(t.slice(0, 60))}`)
  }
})

test('after an allowed match, a rule looks on from its end, as a run over the whole text does', () => {
  // SendGrid's token may hold "SG.": a second match starts inside the first one, the run never sees it.
  const rule = SECRET_RULES.find((r) => r.id === 'sendgrid-api-token')!
  const first = `SG.SG.${fill(ALNUM, 63)}`
  const text = `${first}${fill(ALNUM, 3)} done${' '.repeat(200)}`
  const allow = [{literal: first}]
  assert.equal(wholeText([rule], text, allow), undefined)
  assert.equal(new SecretScanner({rules: [rule], allow}).scan(text), undefined)
  assert.equal(new SecretScanner({rules: [rule]}).scan(text)?.rule, 'sendgrid-api-token')
  // The match starts at the escaping backslash, not at the quote after it (the allowlist sees the difference).
  const gcp = SECRET_RULES.find((r) => r.id === 'gcp-service-account')!
  const escaped = String.raw`{\"type\": \"service_account\"}`
  const quoteFirst = [{regex: /^"/}]
  assert.equal(wholeText([gcp], escaped, quoteFirst), 'gcp-service-account')
  assert.equal(
    new SecretScanner({rules: [gcp], allow: quoteFirst}).scan(escaped)?.rule,
    'gcp-service-account',
  )
})

test('each rule finds what a run over the whole text finds, on generated texts (with an allowlist too)', () => {
  // Deterministic: a linear congruential generator.
  let seed = 20261130
  const random = (n: number) => ((seed = (seed * 1103515245 + 12345) % 2147483648), seed % n)
  const words = [...new Set(SECRET_RULES.flatMap((r) => r.keywords))]
  const pieces = [
    ...Object.values(SAMPLES).flatMap(({hit, miss}) => [hit, miss, hit.slice(0, hit.length >> 1)]),
    ...words,
    ...words.map((w) => w.toUpperCase()),
    ...[' ', '\n', '\\n', '"', '\\"', "'", '=', ': ', ' = ', 'x', 'ey', '.eyJ', 'blob', 'sk-', 'A3T', 'EZTK'],
    ...['https://hooks', '"type', 'aws_', 'packagist_urt_', fill(ALNUM, 30), fill(HEX, 40), fill(UPPER, 20)],
  ]
  const allows: AllowEntry[][] = [[], [{regex: /[02468aceg]$/}], [{regex: /^.{0,40}$/}]]
  const scanners = allows.map((allow) =>
    SECRET_RULES.map((rule) => new SecretScanner({rules: [rule], allow})),
  )
  const all = allows.map((allow) => new SecretScanner({allow}))
  let found = 0
  for (let i = 0; i < 400; i++) {
    let text = ''
    for (let n = 1 + random(12); n > 0; n--) text += pieces[random(pieces.length)]
    // Padded too: in a short text, a rule's starts are dense and it runs over the text at once.
    for (const t of [text, asArguments(text), `${text}${'~'.repeat(4000)}${asArguments(text)}`]) {
      allows.forEach((allow, a) => {
        SECRET_RULES.forEach((rule, r) => {
          const expected = wholeText([rule], t, allow)
          if (expected) found++
          assert.equal(scanners[a]![r]!.scan(t)?.rule, expected, `${rule.id} in ${JSON.stringify(t)}`)
        })
        assert.equal(all[a]!.scan(t)?.rule, wholeText(SECRET_RULES, t, allow), JSON.stringify(t))
      })
    }
  }
  assert.ok(found > 500, `the texts carry credentials (${found} found)`)
})

test('words that come back thousands of times: the rules they start run over the text, and still find', () => {
  const scanner = new SecretScanner()
  const cases: Array<[string, string]> = [
    ['blob ', keyed('lob', `live_${fill(HEX, 35)}`).replace('lob_secret = ', 'lob_key = ')],
    ['task SK ', `SK${fill(HEX, 32)}`],
    ['the key is ', `aws_secret_access_key = "${fill(ALNUM + '/+', 40)}"`],
    ['-----x ', `-----BEGIN PRIVATE KEY-----\n${fill(ALNUM, 64)}\n-----END PRIVATE KEY-----`],
  ]
  for (const [word, secret] of cases) {
    for (const text of [word.repeat(3000) + secret, secret + word.repeat(3000), word.repeat(3000)]) {
      const expected = wholeText(SECRET_RULES, text)
      assert.equal(scanner.scan(text)?.rule, expected, `${word}: ${text.slice(-40)}`)
      assert.equal(scanner.scan(asArguments(text))?.rule, wholeText(SECRET_RULES, asArguments(text)), word)
    }
    assert.ok(wholeText(SECRET_RULES, word.repeat(3000) + secret), word)
  }
})
