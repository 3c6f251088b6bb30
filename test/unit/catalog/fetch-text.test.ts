/**
 * Catalog downloads against a real server on loopback: every redirect hop passes the URL check (not only
 * the URL the user typed), and a body streamed without Content-Length is capped as it arrives.
 */
import assert from 'node:assert/strict'
import http from 'node:http'
import type {AddressInfo} from 'node:net'
import {after, before, test} from 'node:test'

import {fetchText} from '../../../src/catalog/fetch.js'
import {MAX_FILE_BYTES} from '../../../src/catalog/yaml-file.js'

let server: http.Server
let base = ''

before(async () => {
  server = http.createServer((req, res) => {
    if (req.url === '/to-ftp') return res.writeHead(302, {location: 'ftp://127.0.0.1/c.yaml'}).end()
    if (req.url === '/to-ok') return res.writeHead(302, {location: '/ok'}).end()
    if (req.url === '/ok') return res.end('name: ok\n')
    if (req.url === '/huge') {
      // No Content-Length: chunked, so only counting the bytes can stop it.
      res.writeHead(200, {'content-type': 'text/yaml'})
      const chunk = Buffer.alloc(64 * 1024, 'x')
      let sent = 0
      const pump = () => {
        while (sent <= MAX_FILE_BYTES && !res.destroyed) {
          sent += chunk.length
          if (!res.write(chunk)) return void res.once('drain', pump)
        }
        res.end()
      }
      res.on('close', () => (sent = Infinity))
      return pump()
    }
    res.writeHead(404).end()
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
})
after(() => {
  server.closeAllConnections()
  server.close()
})

test('a redirect is checked like the URL typed: a scheme other than http(s) is refused', async () => {
  assert.equal(await fetchText(`${base}/to-ok`), 'name: ok\n')
  await assert.rejects(
    fetchText(`${base}/to-ftp`),
    /cannot download ftp:\/\/127\.0\.0\.1\/c\.yaml: only https/,
  )
})

test('a body without Content-Length is refused past the size cap', async () => {
  await assert.rejects(fetchText(`${base}/huge`), /the file is larger than \d+ bytes; nothing was changed/)
})
