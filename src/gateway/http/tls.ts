import {createHash, createPrivateKey, X509Certificate} from 'node:crypto'
import {readFileSync, watch, type FSWatcher} from 'node:fs'
import path from 'node:path'
import tls from 'node:tls'

import {DockerMcpError} from '../../errors.js'

/**
 * `--tls-cert` / `--tls-key`: the gateway serves HTTPS itself. The pair is checked when loaded (each file
 * readable, a PEM certificate, a PEM private key, the key the certificate's) with errors that name the file,
 * and reloaded when either file changes: certificates from ACME clients or Kubernetes secrets are replaced
 * in place every few weeks, and a restart for that would drop every session. A replacement that does not
 * load (half written, mismatched, garbage) is logged and the pair in use stays: a bad renewal must not take
 * the gateway down.
 */

export interface TlsFiles {
  certFile: string
  keyFile: string
}

/** A loaded, checked pair. */
export interface TlsPair {
  cert: Buffer
  key: Buffer
  /** SHA-256 fingerprint of the certificate (colon-separated hex, as openssl and X509Certificate print it). */
  fingerprint: string
  /** The certificate's subject and expiry, for the start-up log. */
  subject: string
  validTo: string
  /** Hash of both files' bytes: a reload that finds the same bytes does nothing. */
  digest: string
}

function readPemFile(flag: string, file: string): Buffer {
  try {
    return readFileSync(file)
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code
    const why =
      code === 'ENOENT'
        ? 'no such file'
        : code === 'EACCES'
          ? 'permission denied'
          : code === 'EISDIR'
            ? 'it is a directory'
            : (err as Error).message
    throw new DockerMcpError(`cannot read ${flag} file "${file}": ${why}`, {
      suggestions: [`Check the path given to ${flag}.`],
    })
  }
}

/** Read and check a certificate and its key. Throws a DockerMcpError naming the file at fault. */
export function loadTlsPair(files: TlsFiles): TlsPair {
  const cert = readPemFile('--tls-cert', files.certFile)
  const key = readPemFile('--tls-key', files.keyFile)
  let x509: X509Certificate
  try {
    x509 = new X509Certificate(cert)
  } catch {
    throw new DockerMcpError(`--tls-cert file "${files.certFile}" is not a PEM certificate`, {
      suggestions: ['Give the certificate (chain) file, beginning "-----BEGIN CERTIFICATE-----".'],
    })
  }
  let privateKey: ReturnType<typeof createPrivateKey>
  try {
    privateKey = createPrivateKey(key)
  } catch {
    throw new DockerMcpError(`--tls-key file "${files.keyFile}" is not an unencrypted PEM private key`, {
      suggestions: [
        'Give the key file, beginning "-----BEGIN PRIVATE KEY-----" (encrypted keys are not supported).',
      ],
    })
  }
  if (!x509.checkPrivateKey(privateKey)) {
    throw new DockerMcpError(
      `--tls-key file "${files.keyFile}" is not the key of the certificate in --tls-cert file "${files.certFile}"`,
      {suggestions: ['Give the key that was issued with this certificate.']},
    )
  }
  try {
    tls.createSecureContext({cert, key})
  } catch (err) {
    throw new DockerMcpError(
      `cannot use --tls-cert "${files.certFile}" with --tls-key "${files.keyFile}": ${(err as Error).message}`,
    )
  }
  return {
    cert,
    key,
    fingerprint: x509.fingerprint256,
    subject: x509.subject.replace(/\n/g, ', '),
    validTo: x509.validTo,
    digest: createHash('sha256').update(cert).update('\0').update(key).digest('hex'),
  }
}

/** How long after the last change event the files are read: a renewal writes both, often in several steps. */
export const RELOAD_SETTLE_MS = 200

/**
 * Watch the pair's directories and call `swap` with each new pair that loads, `failed` with the error of one
 * that does not. Directories, not files: a renewal usually replaces a file by renaming a new one over it (and
 * Kubernetes swaps a symlink to a new directory), after which a watch on the old file sees nothing more.
 * Every event in those directories triggers one reload (debounced); unchanged bytes are ignored.
 * Returns a function that stops watching.
 */
export function watchTlsPair(
  files: TlsFiles,
  current: TlsPair,
  on: {swap: (pair: TlsPair) => void; failed: (err: Error) => void},
): () => void {
  let digest = current.digest
  let lastError = ''
  let timer: NodeJS.Timeout | undefined
  const reload = () => {
    timer = undefined
    let pair: TlsPair
    try {
      pair = loadTlsPair(files)
    } catch (err) {
      // The same broken state is reported once, not at every event.
      if ((err as Error).message !== lastError) on.failed(err as Error)
      lastError = (err as Error).message
      return
    }
    lastError = ''
    if (pair.digest === digest) return
    digest = pair.digest
    on.swap(pair)
  }
  const changed = () => {
    if (timer) clearTimeout(timer)
    timer = setTimeout(reload, RELOAD_SETTLE_MS)
    timer.unref()
  }
  const dirs = [...new Set([files.certFile, files.keyFile].map((f) => path.dirname(path.resolve(f))))]
  const watchers: FSWatcher[] = []
  for (const dir of dirs) {
    try {
      const w = watch(dir, {persistent: false}, changed)
      w.on('error', () => {})
      watchers.push(w)
    } catch (err) {
      on.failed(new Error(`cannot watch ${dir} for certificate renewals: ${(err as Error).message}`))
    }
  }
  return () => {
    if (timer) clearTimeout(timer)
    for (const w of watchers) w.close()
  }
}
