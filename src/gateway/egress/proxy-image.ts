/**
 * The egress proxy's image, built on this machine by the local image builder (src/docker/local-image.ts):
 * no registry, no base image, no pull. Its app is one file, the compiled proxy-program.js, and a two-line
 * entry that runs it. Builds are cached by the builder (same inputs, same image: a few milliseconds).
 */
import {copyFile, mkdtemp, rm, writeFile} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import path from 'node:path'

import type {EgressEngine} from '../../docker/egress-engine.js'
import {DockerMcpError} from '../../errors.js'

/** The proxy image's reference. Local only: nothing pulls or pushes it. */
export const PROXY_IMAGE = 'docker-mcp-egress-proxy:local'

/** Where the compiled proxy program lives in the package (root = oclif's config.root). */
export function proxyProgramPath(root: string): string {
  return path.join(root, 'dist', 'src', 'gateway', 'egress', 'proxy-program.js')
}

/** Build the proxy image (or find it up to date); returns its reference. */
export async function buildProxyImage(engine: EgressEngine, root: string): Promise<string> {
  const staging = await mkdtemp(path.join(tmpdir(), 'docker-mcp-egress-'))
  try {
    try {
      await copyFile(proxyProgramPath(root), path.join(staging, 'proxy-program.mjs'))
    } catch (err) {
      throw new DockerMcpError(
        `cannot build the egress proxy image: ${proxyProgramPath(root)} is missing (${(err as Error).message})`,
        {suggestions: ['Build the project first (npm run build)']},
      )
    }
    await writeFile(
      path.join(staging, 'main.mjs'),
      "import {main} from './proxy-program.mjs'\nawait main(process.env)\n",
    )
    const result = await engine.buildImage({
      tag: PROXY_IMAGE,
      appDir: staging,
      entry: 'main.mjs',
      caCerts: false,
      labels: {'org.opencontainers.image.title': 'docker-mcp egress proxy'},
    })
    return result.tag
  } finally {
    await rm(staging, {recursive: true, force: true})
  }
}
