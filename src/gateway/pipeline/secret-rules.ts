/*!
 * Credential formats that `--block-secrets` looks for in tool arguments and results.
 * @license Apache-2.0 for rules 1–87 (ported from Trivy, see below). The "/*!" keeps this notice in builds.
 *
 * Rules 1–87 are ported from Trivy's builtin secret rules (pkg/fanal/secret/builtin-rules.go,
 * https://github.com/aquasecurity/trivy), Copyright 2020 Aqua Security, licensed under the Apache
 * License, Version 2.0 (the full text is in secret-rules.LICENSE next to this file, and at
 * http://www.apache.org/licenses/LICENSE-2.0). Docker's gateway ports the same rules.
 *
 * CHANGED from the original (as the licence asks us to say): the Go (RE2) patterns are rewritten for
 * JavaScript, and adapted to the text they scan here, which is JSON:
 * - `(?P<name>…)` became `(?<name>…)`; inline `(?i)` in the middle of a pattern became explicit
 *   upper/lower-case classes, or the `i` flag where Trivy's pattern is case-insensitive throughout;
 * - a quote may be escaped (`\"`, the form a quote takes inside a JSON string) and a key may be a JSON
 *   member name (`"facebook_secret": "…"`); a secret may start right after a JSON escape (`\n`) and end
 *   before one, or before a quote, comma or closing bracket (Trivy ends secrets at whitespace or the end);
 * - JWT, Alibaba and the token rules start where a word starts (a lookbehind), so that a backtracking
 *   engine cannot be made to retry a long run of letters at every position; for the same reason the
 *   private key's header and footer are bounded (`BEGIN[ A-Z0-9_-]{0,40}?`, Trivy: `*?`), else one
 *   "BEGIN" would try every later "PRIVATE KEY" in the text;
 * - heroku-api-key lost a leading space (a typo: it required a space before "heroku"); the GCP service
 *   account rule accepts compact and escaped JSON (no space after the colon, quotes as \") and its keyword is
 *   `service_account`; the grafana rule lost its optional quotes (they never changed a match).
 * Rule 88 (Docker access tokens) is what Docker's gateway adds to Trivy's list; rules 89–90 (Anthropic,
 * OpenAI API keys) are ours, for the keys an MCP setup most often holds.
 */

/** One credential format: what it is called, how it looks, and the words that must occur for it to match. */
export interface SecretRule {
  /** Stable id: named in refusals and in the allowlist file. */
  readonly id: string
  readonly title: string
  /** JavaScript regular expression source. A `secret` group, when present, holds the credential itself. */
  readonly regex: string
  /** Match letters in any case (Trivy's `(?i)` over the whole pattern). */
  readonly ignoreCase?: boolean
  /** The rule runs only on text containing one of these (compared case-insensitively). */
  readonly keywords: readonly string[]
}

/** Not preceded by a letter or digit, or right after a JSON escape (`\n`, `\r`, `\t`). */
const START = String.raw`(?:(?<![0-9A-Za-z])|(?<=\\[nrt]))`
/**
 * `literal` where a word starts. The literal comes first and the check looks back over it: a pattern that
 * starts with a literal is searched for quickly, one that starts with a lookbehind is tried at every position.
 */
function wordStart(literal: string): string {
  return `(?:${literal})(?<=${START}(?:${literal}))`
}
/** An optional quote, escaped inside a JSON string or not. */
const QUOTE = String.raw`(?:\\?["'])?`
/** A closing quote, escaped inside a JSON string or not. */
const CLOSE = String.raw`\\?["']`
/** The end of a secret: Trivy's `[.,]?(\s+|$)`, and in JSON also before an escape, a quote or a bracket. */
const END = String.raw`[.,]?(?=\s|$|\\[nrt"]|["'}\],])`
const ASSIGN = String.raw`(?:=|>|:=|\|\|:|<=|=>|:)`
const UUID_AH = '[a-h0-9]{8}-[a-h0-9]{4}-[a-h0-9]{4}-[a-h0-9]{4}-[a-h0-9]{12}'

/** Trivy's "<word>… = '<secret>'" shape (case-insensitive), with a JSON member name as a key too. */
function keyed(word: string, secret: string, quoted = true): string {
  const head = String.raw`(?<key>${word}[a-z0-9_ .\-,]{0,25})${QUOTE}\s*${ASSIGN}.{0,5}`
  return quoted ? String.raw`${head}['"](?<secret>${secret})${CLOSE}` : `${head}(?<secret>${secret})`
}

export const SECRET_RULES: readonly SecretRule[] = [
  {
    id: 'aws-access-key-id',
    title: 'AWS Access Key ID',
    regex: String.raw`(?<secret>${wordStart('A3T[A-Z0-9]|AKIA|AGPA|AIDA|AROA|AIPA|ANPA|ANVA|ASIA')}[A-Z0-9]{16})${QUOTE}${END}`,
    keywords: ['AKIA', 'AGPA', 'AIDA', 'AROA', 'AIPA', 'ANPA', 'ANVA', 'ASIA'],
  },
  {
    id: 'aws-secret-access-key',
    title: 'AWS Secret Access Key',
    regex: String.raw`${QUOTE}aws_?(?:sec(?:ret)?)?_?(?:access)?_?key${QUOTE}\s*(?::|=>|=)?\s*${QUOTE}(?<secret>[A-Za-z0-9\/+=]{40})${QUOTE}${END}`,
    ignoreCase: true,
    keywords: ['key'],
  },
  {
    id: 'github-pat',
    title: 'GitHub Personal Access Token',
    regex: String.raw`(?<secret>${wordStart('ghp_')}[0-9a-zA-Z]{36})`,
    keywords: ['ghp_'],
  },
  {
    id: 'github-oauth',
    title: 'GitHub OAuth Access Token',
    regex: String.raw`(?<secret>${wordStart('gho_')}[0-9a-zA-Z]{36})`,
    keywords: ['gho_'],
  },
  {
    id: 'github-app-token',
    title: 'GitHub App Token',
    regex: String.raw`(?<secret>${wordStart('ghu_|ghs_')}[0-9a-zA-Z]{36})`,
    keywords: ['ghu_', 'ghs_'],
  },
  {
    id: 'github-refresh-token',
    title: 'GitHub Refresh Token',
    regex: String.raw`(?<secret>${wordStart('ghr_')}[0-9a-zA-Z]{76})`,
    keywords: ['ghr_'],
  },
  {
    id: 'github-fine-grained-pat',
    title: 'GitHub Fine-grained personal access tokens',
    regex: String.raw`github_pat_[a-zA-Z0-9]{22}_[a-zA-Z0-9]{59}`,
    keywords: ['github_pat_'],
  },
  {
    id: 'gitlab-pat',
    title: 'GitLab Personal Access Token',
    regex: String.raw`(?<secret>${wordStart('glpat-')}[0-9a-zA-Z\-_]{20})`,
    keywords: ['glpat-'],
  },
  {
    id: 'hugging-face-access-token',
    title: 'Hugging Face Access Token',
    regex: String.raw`(?<secret>${wordStart('hf_')}[A-Za-z0-9]{34,40})`,
    keywords: ['hf_'],
  },
  {
    id: 'private-key',
    title: 'Asymmetric Private Key',
    regex: String.raw`-----\s{0,8}?BEGIN[ A-Z0-9_-]{0,40}?PRIVATE KEY(?: BLOCK)?\s{0,8}?-----[\s]*?(?<secret>[A-Za-z0-9=+\/\\\r\n][A-Za-z0-9=+\/\\\s]{31,})[\s]*?-----\s{0,8}?END[ A-Z0-9_-]{0,40}? PRIVATE KEY(?: BLOCK)?\s{0,8}?-----`,
    ignoreCase: true,
    keywords: ['-----'],
  },
  {
    id: 'shopify-token',
    title: 'Shopify token',
    regex: String.raw`shp(?:ss|at|ca|pa)_[a-fA-F0-9]{32}`,
    keywords: ['shpss_', 'shpat_', 'shpca_', 'shppa_'],
  },
  {
    id: 'slack-access-token',
    title: 'Slack token',
    regex: String.raw`(?<secret>${wordStart('xox[baprs]-')}[0-9a-zA-Z]{10,48})`,
    keywords: ['xoxb-', 'xoxa-', 'xoxp-', 'xoxr-', 'xoxs-'],
  },
  {
    id: 'stripe-publishable-token',
    title: 'Stripe Publishable Key',
    regex: String.raw`(?<secret>${wordStart('pk_test_|pk_live_')}[0-9a-z]{10,32})`,
    ignoreCase: true,
    keywords: ['pk_test_', 'pk_live_'],
  },
  {
    id: 'stripe-secret-token',
    title: 'Stripe Secret Key',
    regex: String.raw`(?<secret>${wordStart('sk_test_|sk_live_')}[0-9a-z]{10,32})`,
    ignoreCase: true,
    keywords: ['sk_test_', 'sk_live_'],
  },
  {
    id: 'pypi-upload-token',
    title: 'PyPI upload token',
    regex: String.raw`pypi-AgEIcHlwaS5vcmc[A-Za-z0-9\-_]{50,1000}`,
    keywords: ['pypi-AgEIcHlwaS5vcmc'],
  },
  {
    id: 'gcp-service-account',
    title: 'Google (GCP) Service-account',
    regex: String.raw`\\?"type\\?"\s*:\s*\\?"service_account\\?"`,
    keywords: ['service_account'],
  },
  {
    id: 'heroku-api-key',
    title: 'Heroku API Key',
    regex: keyed('heroku', '[0-9A-F]{8}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{12}'),
    ignoreCase: true,
    keywords: ['heroku'],
  },
  {
    id: 'slack-web-hook',
    title: 'Slack Webhook',
    regex: String.raw`https:\/\/hooks.slack.com\/services\/[A-Za-z0-9+\/]{44,48}`,
    keywords: ['hooks.slack.com'],
  },
  {
    id: 'twilio-api-key',
    title: 'Twilio API Key',
    regex: String.raw`SK[0-9a-fA-F]{32}`,
    keywords: ['SK'],
  },
  {
    id: 'age-secret-key',
    title: 'Age secret key',
    regex: String.raw`AGE-SECRET-KEY-1[QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L]{58}`,
    keywords: ['AGE-SECRET-KEY-1'],
  },
  {
    id: 'facebook-token',
    title: 'Facebook token',
    regex: keyed('facebook', '[a-f0-9]{32}'),
    ignoreCase: true,
    keywords: ['facebook'],
  },
  {
    id: 'twitter-token',
    title: 'Twitter token',
    regex: keyed('twitter', '[a-f0-9]{35,44}'),
    ignoreCase: true,
    keywords: ['twitter'],
  },
  {
    id: 'adobe-client-id',
    title: 'Adobe Client ID (Oauth Web)',
    regex: keyed('adobe', '[a-f0-9]{32}'),
    ignoreCase: true,
    keywords: ['adobe'],
  },
  {
    id: 'adobe-client-secret',
    title: 'Adobe Client Secret',
    regex: String.raw`p8e-[a-zA-Z0-9]{32}`,
    keywords: ['p8e-'],
  },
  {
    id: 'alibaba-access-key-id',
    title: 'Alibaba AccessKey ID',
    regex: String.raw`(?<secret>${wordStart('LTAI')}[a-zA-Z0-9]{20})(?![0-9A-Za-z])`,
    keywords: ['LTAI'],
  },
  {
    id: 'alibaba-secret-key',
    title: 'Alibaba Secret Key',
    regex: keyed('alibaba', '[a-z0-9]{30}'),
    ignoreCase: true,
    keywords: ['alibaba'],
  },
  {
    id: 'asana-client-id',
    title: 'Asana Client ID',
    regex: keyed('asana', '[0-9]{16}'),
    ignoreCase: true,
    keywords: ['asana'],
  },
  {
    id: 'asana-client-secret',
    title: 'Asana Client Secret',
    regex: keyed('asana', '[a-z0-9]{32}'),
    ignoreCase: true,
    keywords: ['asana'],
  },
  {
    id: 'atlassian-api-token',
    title: 'Atlassian API token',
    regex: keyed('atlassian', '[a-z0-9]{24}'),
    ignoreCase: true,
    keywords: ['atlassian'],
  },
  {
    id: 'bitbucket-client-id',
    title: 'Bitbucket client ID',
    regex: keyed('bitbucket', '[a-z0-9]{32}'),
    ignoreCase: true,
    keywords: ['bitbucket'],
  },
  {
    id: 'bitbucket-client-secret',
    title: 'Bitbucket client secret',
    regex: keyed('bitbucket', String.raw`[a-z0-9_\-]{64}`),
    ignoreCase: true,
    keywords: ['bitbucket'],
  },
  {
    id: 'beamer-api-token',
    title: 'Beamer API token',
    regex: keyed('beamer', String.raw`b_[a-z0-9=_\-]{44}`),
    ignoreCase: true,
    keywords: ['beamer'],
  },
  {
    id: 'clojars-api-token',
    title: 'Clojars API token',
    regex: String.raw`CLOJARS_[a-zA-Z0-9]{60}`,
    keywords: ['CLOJARS_'],
  },
  {
    id: 'contentful-delivery-api-token',
    title: 'Contentful delivery API token',
    regex: keyed('contentful', String.raw`[a-z0-9\-=_]{43}`),
    ignoreCase: true,
    keywords: ['contentful'],
  },
  {
    id: 'databricks-api-token',
    title: 'Databricks API token',
    regex: String.raw`dapi[a-h0-9]{32}`,
    keywords: ['dapi'],
  },
  {
    id: 'discord-api-token',
    title: 'Discord API key',
    regex: keyed('discord', '[a-h0-9]{64}'),
    ignoreCase: true,
    keywords: ['discord'],
  },
  {
    id: 'discord-client-id',
    title: 'Discord client ID',
    regex: keyed('discord', '[0-9]{18}'),
    ignoreCase: true,
    keywords: ['discord'],
  },
  {
    id: 'discord-client-secret',
    title: 'Discord client secret',
    regex: keyed('discord', String.raw`[a-z0-9=_\-]{32}`),
    ignoreCase: true,
    keywords: ['discord'],
  },
  {
    id: 'doppler-api-token',
    title: 'Doppler API token',
    regex: String.raw`['"]dp\.pt\.[a-zA-Z0-9]{43}${CLOSE}`,
    keywords: ['dp.pt.'],
  },
  {
    id: 'dropbox-api-secret',
    title: 'Dropbox API secret/key',
    regex: keyed('dropbox', '[a-z0-9]{15}'),
    ignoreCase: true,
    keywords: ['dropbox'],
  },
  {
    id: 'dropbox-short-lived-api-token',
    title: 'Dropbox short lived API token',
    regex: keyed('dropbox', String.raw`sl\.[a-z0-9\-=_]{135}`),
    ignoreCase: true,
    keywords: ['dropbox'],
  },
  {
    id: 'dropbox-long-lived-api-token',
    title: 'Dropbox long lived API token',
    regex: keyed('dropbox', String.raw`[a-z0-9]{11}AAAAAAAAAA[a-z0-9\-_=]{43}`),
    ignoreCase: true,
    keywords: ['dropbox'],
  },
  {
    id: 'duffel-api-token',
    title: 'Duffel API token',
    regex: String.raw`['"]duffel_(?:test|live)_[a-zA-Z0-9_-]{43}${CLOSE}`,
    keywords: ['duffel_test_', 'duffel_live_'],
  },
  {
    id: 'dynatrace-api-token',
    title: 'Dynatrace API token',
    regex: String.raw`['"]dt0c01\.[a-zA-Z0-9]{24}\.[a-zA-Z0-9]{64}${CLOSE}`,
    keywords: ['dt0c01.'],
  },
  {
    id: 'easypost-api-token',
    title: 'EasyPost API token',
    regex: String.raw`['"]EZ[AT]K[a-zA-Z0-9]{54}${CLOSE}`,
    keywords: ['EZAK', 'EZAT'],
  },
  {
    id: 'fastly-api-token',
    title: 'Fastly API token',
    regex: keyed('fastly', String.raw`[a-z0-9\-=_]{32}`),
    ignoreCase: true,
    keywords: ['fastly'],
  },
  {
    id: 'finicity-client-secret',
    title: 'Finicity client secret',
    regex: keyed('finicity', '[a-z0-9]{20}'),
    ignoreCase: true,
    keywords: ['finicity'],
  },
  {
    id: 'finicity-api-token',
    title: 'Finicity API token',
    regex: keyed('finicity', '[a-f0-9]{32}'),
    ignoreCase: true,
    keywords: ['finicity'],
  },
  {
    id: 'flutterwave-public-key',
    title: 'Flutterwave public/secret key',
    regex: String.raw`(?<secret>${wordStart('FLWPUBK_TEST-|FLWSECK_TEST-')}[a-hA-H0-9]{32}-[xX])`,
    keywords: ['FLWSECK_TEST-', 'FLWPUBK_TEST-'],
  },
  {
    id: 'flutterwave-enc-key',
    title: 'Flutterwave encrypted key',
    regex: String.raw`(?<secret>${wordStart('FLWSECK_TEST')}[a-h0-9]{12})`,
    keywords: ['FLWSECK_TEST'],
  },
  {
    id: 'frameio-api-token',
    title: 'Frame.io API token',
    regex: String.raw`fio-u-[a-zA-Z0-9\-_=]{64}`,
    keywords: ['fio-u-'],
  },
  {
    id: 'gocardless-api-token',
    title: 'GoCardless API token',
    regex: String.raw`['"]live_[a-zA-Z0-9\-_=]{40}${CLOSE}`,
    keywords: ['live_'],
  },
  {
    id: 'grafana-api-token',
    title: 'Grafana API token',
    regex: String.raw`eyJrIjoi[a-zA-Z0-9\-_=]{72,92}`,
    keywords: ['eyJrIjoi'],
  },
  {
    id: 'hashicorp-tf-api-token',
    title: 'HashiCorp Terraform user/org API token',
    regex: String.raw`['"][a-z0-9]{14}\.atlasv1\.[a-z0-9\-_=]{60,70}${CLOSE}`,
    ignoreCase: true,
    keywords: ['atlasv1.'],
  },
  {
    id: 'hubspot-api-token',
    title: 'HubSpot API token',
    regex: keyed('hubspot', UUID_AH),
    ignoreCase: true,
    keywords: ['hubspot'],
  },
  {
    id: 'intercom-api-token',
    title: 'Intercom API token',
    regex: keyed('intercom', '[a-z0-9=_]{60}'),
    ignoreCase: true,
    keywords: ['intercom'],
  },
  {
    id: 'intercom-client-secret',
    title: 'Intercom client secret/ID',
    regex: keyed('intercom', UUID_AH),
    ignoreCase: true,
    keywords: ['intercom'],
  },
  {
    id: 'ionic-api-token',
    title: 'Ionic API token',
    regex: keyed('ionic', 'ion_[a-z0-9]{42}'),
    ignoreCase: true,
    keywords: ['ionic'],
  },
  {
    id: 'jwt-token',
    title: 'JWT token',
    regex: String.raw`${wordStart('ey')}[a-zA-Z0-9]{17,}\.ey[a-zA-Z0-9\/\\_-]{17,}\.(?:[a-zA-Z0-9\/\\_-]{10,}={0,2})?`,
    keywords: ['.eyJ'],
  },
  {
    id: 'linear-api-token',
    title: 'Linear API token',
    regex: String.raw`lin_api_[a-zA-Z0-9]{40}`,
    keywords: ['lin_api_'],
  },
  {
    id: 'linear-client-secret',
    title: 'Linear client secret/ID',
    regex: keyed('linear', '[a-f0-9]{32}'),
    ignoreCase: true,
    keywords: ['linear'],
  },
  {
    id: 'lob-api-key',
    title: 'Lob API Key',
    regex: keyed('lob', '(?:live|test)_[a-f0-9]{35}'),
    ignoreCase: true,
    keywords: ['lob'],
  },
  {
    id: 'lob-pub-api-key',
    title: 'Lob Publishable API Key',
    regex: keyed('lob', '(?:test|live)_pub_[a-f0-9]{31}'),
    ignoreCase: true,
    keywords: ['lob'],
  },
  {
    id: 'mailchimp-api-key',
    title: 'Mailchimp API key',
    regex: keyed('mailchimp', '[a-f0-9]{32}-us20'),
    ignoreCase: true,
    keywords: ['mailchimp'],
  },
  {
    id: 'mailgun-token',
    title: 'Mailgun private API token',
    regex: keyed('mailgun', '(?:pub)?key-[a-f0-9]{32}'),
    ignoreCase: true,
    keywords: ['mailgun'],
  },
  {
    id: 'mailgun-signing-key',
    title: 'Mailgun webhook signing key',
    regex: keyed('mailgun', '[a-h0-9]{32}-[a-h0-9]{8}-[a-h0-9]{8}'),
    ignoreCase: true,
    keywords: ['mailgun'],
  },
  {
    id: 'mapbox-api-token',
    title: 'Mapbox API token',
    regex: String.raw`pk\.[a-z0-9]{60}\.[a-z0-9]{22}`,
    ignoreCase: true,
    keywords: ['pk.'],
  },
  {
    id: 'messagebird-api-token',
    title: 'MessageBird API token',
    regex: keyed('messagebird', '[a-z0-9]{25}'),
    ignoreCase: true,
    keywords: ['messagebird'],
  },
  {
    id: 'messagebird-client-id',
    title: 'MessageBird API client ID',
    regex: keyed('messagebird', UUID_AH),
    ignoreCase: true,
    keywords: ['messagebird'],
  },
  {
    id: 'new-relic-user-api-key',
    title: 'New Relic user API Key',
    regex: String.raw`['"](?<secret>NRAK-[A-Z0-9]{27})${CLOSE}`,
    keywords: ['NRAK-'],
  },
  {
    id: 'new-relic-user-api-id',
    title: 'New Relic user API ID',
    regex: keyed('newrelic', '[A-Z0-9]{64}'),
    ignoreCase: true,
    keywords: ['newrelic'],
  },
  {
    id: 'new-relic-browser-api-token',
    title: 'New Relic ingest browser API token',
    regex: String.raw`['"](?<secret>NRJS-[a-f0-9]{19})${CLOSE}`,
    keywords: ['NRJS-'],
  },
  {
    id: 'npm-access-token',
    title: 'npm access token',
    regex: String.raw`['"](?<secret>npm_[a-zA-Z0-9]{36})${CLOSE}`,
    keywords: ['npm_'],
  },
  {
    id: 'planetscale-password',
    title: 'PlanetScale password',
    regex: String.raw`pscale_pw_[a-zA-Z0-9\-_\.]{43}`,
    keywords: ['pscale_pw_'],
  },
  {
    id: 'planetscale-api-token',
    title: 'PlanetScale API token',
    regex: String.raw`pscale_tkn_[a-zA-Z0-9\-_\.]{43}`,
    keywords: ['pscale_tkn_'],
  },
  {
    id: 'private-packagist-token',
    title: 'Private Packagist token',
    regex: String.raw`packagist_[ou][ru]t_[a-fA-F0-9]{68}`,
    keywords: ['packagist_uut_', 'packagist_ort_', 'packagist_out_'],
  },
  {
    id: 'postman-api-token',
    title: 'Postman API token',
    regex: String.raw`PMAK-[a-fA-F0-9]{24}\-[a-fA-F0-9]{34}`,
    keywords: ['PMAK-'],
  },
  {
    id: 'pulumi-api-token',
    title: 'Pulumi API token',
    regex: String.raw`pul-[a-f0-9]{40}`,
    keywords: ['pul-'],
  },
  {
    id: 'rubygems-api-token',
    title: 'Rubygem API token',
    regex: String.raw`rubygems_[a-f0-9]{48}`,
    keywords: ['rubygems_'],
  },
  {
    id: 'sendgrid-api-token',
    title: 'SendGrid API token',
    regex: String.raw`SG\.[a-zA-Z0-9_\-\.]{66}`,
    keywords: ['SG.'],
  },
  {
    id: 'sendinblue-api-token',
    title: 'Sendinblue API token',
    regex: String.raw`xkeysib-[a-f0-9]{64}\-[a-zA-Z0-9]{16}`,
    keywords: ['xkeysib-'],
  },
  {
    id: 'shippo-api-token',
    title: 'Shippo API token',
    regex: String.raw`shippo_(?:live|test)_[a-f0-9]{40}`,
    keywords: ['shippo_live_', 'shippo_test_'],
  },
  {
    id: 'linkedin-client-secret',
    title: 'LinkedIn Client secret',
    regex: keyed('linkedin', '[a-z]{16}'),
    ignoreCase: true,
    keywords: ['linkedin'],
  },
  {
    id: 'linkedin-client-id',
    title: 'LinkedIn Client ID',
    regex: keyed('linkedin', '[a-z0-9]{14}'),
    ignoreCase: true,
    keywords: ['linkedin'],
  },
  {
    id: 'twitch-api-token',
    title: 'Twitch API token',
    regex: keyed('twitch', '[a-z0-9]{30}'),
    ignoreCase: true,
    keywords: ['twitch'],
  },
  {
    id: 'typeform-api-token',
    title: 'Typeform API token',
    regex: keyed('typeform', String.raw`tfp_[a-z0-9\-_\.=]{59}`, false),
    ignoreCase: true,
    keywords: ['typeform'],
  },
  {
    id: 'dockerconfig-secret',
    title: 'Dockerconfig secret exposed',
    regex: String.raw`\.(?:dockerconfigjson|dockercfg)${QUOTE}:(?:\s|\\[nrt])*\|*(?:\s|\\[nrt])*${QUOTE}(?<secret>(?:ey|ew)+[A-Za-z0-9\/\+=]+)`,
    ignoreCase: true,
    keywords: ['dockerc'],
  },
  // 88: Docker's gateway adds Docker Hub access tokens to Trivy's list.
  {
    id: 'docker-pat',
    title: 'Docker personal or organization access token',
    regex: String.raw`(?<secret>${wordStart('dckr_pat_|dckr_oat_')}[A-Za-z0-9_-]{27})`,
    keywords: ['dckr_pat_', 'dckr_oat_'],
  },
  // 89–90: ours (not from Trivy).
  {
    id: 'anthropic-api-key',
    title: 'Anthropic API key',
    regex: String.raw`(?<secret>${wordStart('sk-ant-')}(?:api|admin)\d\d-[A-Za-z0-9_-]{80,120})`,
    keywords: ['sk-ant-'],
  },
  {
    id: 'openai-api-key',
    title: 'OpenAI API key',
    regex: String.raw`(?<secret>${wordStart('sk-')}(?:proj-|svcacct-|admin-)?[A-Za-z0-9_-]{16,200}T3BlbkFJ[A-Za-z0-9_-]{16,200})`,
    keywords: ['T3BlbkFJ'],
  },
]
