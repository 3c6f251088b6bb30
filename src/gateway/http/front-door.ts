import http from 'node:http'
import https from 'node:https'

import {UsageError} from '../../errors.js'
import type {Logger} from '../logger.js'
import {NO_TRUSTED_PROXIES, parsePublicNames, parseTrustedProxies, type TrustedProxies} from './proxy.js'
import {loadTlsPair, watchTlsPair, type TlsFiles} from './tls.js'

/**
 * TLS and reverse proxies (issue #20): the options of the HTTP front door's listener, from `gateway run`
 * flags, and the server they make. http.ts calls into this; the decisions live in tls.ts and proxy.ts.
 */
export interface FrontDoorOptions {
  /** `--tls-cert` / `--tls-key`: serve HTTPS, reloading the pair when the files change. */
  tls?: TlsFiles | undefined
  /** `--trusted-proxy`: peers whose X-Forwarded-* / Forwarded headers are believed. */
  trustedProxies: TrustedProxies
  /** `--public-url`: host names the Host and Origin checks accept beside the local ones. */
  publicNames: string[]
}

export const DEFAULT_FRONT_DOOR: FrontDoorOptions = {trustedProxies: NO_TRUSTED_PROXIES, publicNames: []}

export interface FrontDoorFlagValues {
  'tls-cert'?: string | undefined
  'tls-key'?: string | undefined
  'trusted-proxy'?: string[] | undefined
  'public-url'?: string[] | undefined
}

/** The front door settings from flags; refuses half a TLS pair and these flags on stdio. */
export function frontDoorOptionsFromFlags(
  flags: FrontDoorFlagValues,
  transport: 'stdio' | 'sse' | 'streaming',
): FrontDoorOptions {
  const cert = flags['tls-cert']
  const key = flags['tls-key']
  if ((cert === undefined) !== (key === undefined)) {
    throw new UsageError(cert === undefined ? '--tls-key needs --tls-cert' : '--tls-cert needs --tls-key')
  }
  const given = [
    cert !== undefined && '--tls-cert',
    (flags['trusted-proxy']?.length ?? 0) > 0 && '--trusted-proxy',
    (flags['public-url']?.length ?? 0) > 0 && '--public-url',
  ].filter(Boolean)
  if (transport === 'stdio' && given.length > 0) {
    throw new UsageError(`${given.join(', ')}: only with --transport sse or streaming`)
  }
  return {
    ...(cert !== undefined && key !== undefined ? {tls: {certFile: cert, keyFile: key}} : {}),
    trustedProxies: parseTrustedProxies(flags['trusted-proxy']),
    publicNames: parsePublicNames(flags['public-url']),
  }
}

/** Bounded TLS handshakes: a peer that connects and never finishes one holds a socket this long at most. */
const HANDSHAKE_TIMEOUT_MS = 10_000

export interface FrontDoorServer {
  server: http.Server
  scheme: 'http' | 'https'
  /**
   * The server event that hands over a connection whose socket is the one `req.socket` will be: the TLS
   * socket ('secureConnection') over TLS, the TCP one ('connection') otherwise.
   */
  connectionEvent: 'connection' | 'secureConnection'
  /** Stop watching certificate files. */
  close(): void
}

/**
 * The listener: plain HTTP, or HTTPS with the pair loaded now (a DockerMcpError naming the file if it does
 * not load) and swapped in with `setSecureContext` when the files change (new handshakes only; connections
 * open go on with the old certificate). HTTP/1.1 with keep-alive; see README "TLS and reverse proxies" for
 * why not HTTP/2.
 */
export function createFrontDoorServer(
  options: FrontDoorOptions,
  serverOptions: http.ServerOptions,
  logger: Logger,
  handler: http.RequestListener,
): FrontDoorServer {
  if (!options.tls) {
    return {
      server: http.createServer(serverOptions, handler),
      scheme: 'http',
      connectionEvent: 'connection',
      close() {},
    }
  }
  const files = options.tls
  const pair = loadTlsPair(files)
  logger.info(`> TLS certificate ${pair.subject} (SHA-256 ${pair.fingerprint}), valid until ${pair.validTo}`)
  const server = https.createServer(
    {
      ...serverOptions,
      cert: pair.cert,
      key: pair.key,
      handshakeTimeout: HANDSHAKE_TIMEOUT_MS,
      minVersion: 'TLSv1.2',
    },
    handler,
  )
  const stop = watchTlsPair(files, pair, {
    swap(next) {
      server.setSecureContext({cert: next.cert, key: next.key, minVersion: 'TLSv1.2'})
      logger.info(
        `> TLS certificate reloaded: ${next.subject} (SHA-256 ${next.fingerprint}), valid until ${next.validTo}`,
      )
    },
    failed(err) {
      logger.warn(`  - TLS: ${err.message}; still serving the previous certificate`)
    },
  })
  // https.Server is an http.Server in all that the front door uses (listen, close, request events).
  return {
    server: server as unknown as http.Server,
    scheme: 'https',
    connectionEvent: 'secureConnection',
    close: stop,
  }
}
