#!/usr/bin/env node
// A headless "browser" for third-party MCP clients that open the system browser (mcp-remote, through the
// `open` package's xdg-open, which runs $BROWSER): it opens the authorization URL of the test identity
// provider (test/helpers/oidc-provider-inbound.ts), signs in as $IDP_LOGIN, consents, then loads the
// callback URL, the client's own loopback server, as a browser would. The same steps as Browser.authorize.
import {appendFileSync} from 'node:fs'
const start = new URL(process.argv[2])
const login = process.env.IDP_LOGIN ?? 'alice'
const password = process.env.IDP_PASSWORD ?? 'alice-pass'
const log = (m) => process.env.BROWSER_LOG && appendFileSync(process.env.BROWSER_LOG, m + '\n')
log(`open ${start.href}`)
const redirectUri = start.searchParams.get('redirect_uri')
const cookies = new Map()
let next = start
let init = {method: 'GET'}
for (let hop = 0; hop < 20; hop++) {
  const res = await fetch(next, {
    ...init,
    redirect: 'manual',
    headers: {...(init.headers ?? {}), cookie: [...cookies].map(([k, v]) => `${k}=${v}`).join('; ')},
  })
  for (const line of res.headers.getSetCookie()) {
    const [pair] = line.split(';')
    const eq = pair.indexOf('=')
    const name = pair.slice(0, eq).trim(),
      value = pair.slice(eq + 1).trim()
    if (!value || /expires=Thu, 01 Jan 1970/i.test(line)) cookies.delete(name)
    else cookies.set(name, value)
  }
  if (res.status >= 300 && res.status < 400) {
    const location = new URL(res.headers.get('location'), next)
    log(`redirect ${location.href}`)
    if (location.href.startsWith(redirectUri)) {
      const done = await fetch(location)
      log(`callback ${done.status}`)
      process.exit(0)
    }
    next = location
    init = {method: 'GET'}
    continue
  }
  const html = await res.text()
  if (res.status !== 200) {
    log(`status ${res.status} ${html.slice(0, 300)}`)
    process.exit(1)
  }
  const action = /<form method="post" action="([^"]+)"/.exec(html)?.[1]
  const form = new URLSearchParams()
  if (html.includes('name="login"')) {
    form.set('login', login)
    form.set('password', password)
  }
  for (const h of html.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g)) form.set(h[1], h[2])
  next = new URL(action, next)
  init = {
    method: 'POST',
    body: form.toString(),
    headers: {'content-type': 'application/x-www-form-urlencoded'},
  }
}
process.exit(1)
