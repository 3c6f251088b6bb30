/**
 * `server add`'s preview: the grants (src/registry/grants.ts) of the servers about to be enabled, with the
 * user's config, registry and secret store. Apart from grants.ts so that `inspectServer` (index.ts) can use
 * the grants without an import cycle.
 */
import {evaluateTemplate, loadServers, type SecretPresence} from '../catalog/index.js'
import type {Context} from '../context.js'
import {secretInCommandMessage, secretsInCommand} from '../docker/container-spec.js'
import {hostBindPolicy} from '../docker/host-policy.js'
import {strictNetworkFeature} from '../docker/network-default.js'
import {DockerMcpError} from '../errors.js'
import {readServerConfig} from '../server-config/config.js'
import {computeGrants, type ServerGrants} from './grants.js'
import {readRegistry} from './index.js'

/**
 * The grants of servers about to be enabled, with the user's config and secret store. A server whose
 * command would expand a secret is refused here, before anything is written.
 */
export async function previewServerAdd(
  ctx: Context,
  names: string[],
  openSecrets: () => Promise<SecretPresence>,
): Promise<ServerGrants[]> {
  const [{servers}, config, enabled] = await Promise.all([
    loadServers(ctx),
    readServerConfig(ctx),
    readRegistry(ctx),
  ])
  // An unknown name fails in enableServers (with suggestions) before anything is written; servers already
  // enabled change nothing.
  if (names.some((n) => !servers.has(n))) return []
  const wanted = [...new Set(names)].filter((n) => !enabled.includes(n))
  for (const name of wanted) {
    const found = secretsInCommand(servers.get(name)!.entry)[0]
    if (found)
      throw new DockerMcpError(secretInCommandMessage(name, found), {
        suggestions: [`Ask the catalog's author to pass the secret in env: instead of command:.`],
      })
  }
  const others = new Map([...servers].map(([n, s]) => [n, (s.entry.secrets ?? []).map((x) => x.name)]))
  const needsSecrets = wanted.some((n) => servers.get(n)!.entry.secrets?.length)
  const presence = needsSecrets ? await openSecrets() : {has: async () => false}
  const policy = hostBindPolicy(ctx.env, ctx.paths)
  // The preview shows what a gateway started without --network-default will give (config.json's setting).
  const strictNetwork = await strictNetworkFeature(ctx.paths)
  return Promise.all(
    wanted.map((name) =>
      computeGrants({
        server: name,
        entry: servers.get(name)!.entry,
        policy,
        evaluate: (expr) => evaluateTemplate(expr, config),
        others,
        secrets: presence,
        strictNetwork,
      }),
    ),
  )
}
