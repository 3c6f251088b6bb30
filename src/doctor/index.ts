import {constants, promises as fs} from 'node:fs'
import path from 'node:path'

import {evaluateTemplate, loadServers, readRegistry, readServerConfig, NO_SECRETS} from '../catalog/index.js'
import type {Context} from '../context.js'
import {createDocker, pingDocker} from '../docker/engine.js'
import {ENV_ALLOWED_PATHS, ENV_WRITABLE_PATHS, hostBindPolicy} from '../docker/host-policy.js'
import {computeGrants} from '../registry/grants.js'
import {lazySecretPresence} from '../registry/secret-presence.js'
import {ContainerRuntime} from '../docker/runtime.js'
import {declaredNetwork, type ContainerEntry} from '../docker/container-spec.js'
import {
  resolveNetworkDefault,
  STRICT_NETWORK_FEATURE,
  type NetworkDefault,
} from '../docker/network-default.js'

/** One finding of `docker mcp doctor`. */
export interface Check {
  area: 'node' | 'plugin' | 'engine' | 'catalogs' | 'servers' | 'host' | 'secrets' | 'clients'
  status: 'ok' | 'warn' | 'fail'
  message: string
  /** What to do about it. */
  fix?: string
}

async function executable(file: string): Promise<boolean> {
  try {
    await fs.access(file, constants.X_OK)
    return true
  } catch {
    return false
  }
}

async function onPath(command: string, env: NodeJS.ProcessEnv): Promise<string | undefined> {
  for (const dir of (env.PATH ?? '').split(path.delimiter)) {
    if (dir && (await executable(path.join(dir, command)))) return path.join(dir, command)
  }
  return undefined
}

/** The host protection in effect: which host paths may be mounted, and how. */
function hostPolicyCheck(ctx: Context): Check {
  const policy = hostBindPolicy(ctx.env, ctx.paths)
  const allowed = policy.allowedPaths
    ? `only under ${[...policy.allowedPaths, ...policy.tempDirs].join(', ')} (${ENV_ALLOWED_PATHS})`
    : `anywhere but system paths, the Docker socket, credential directories and the home directory itself (set ${ENV_ALLOWED_PATHS} to narrow)`
  const writable = policy.writablePaths.length
    ? `read-only unless under ${policy.writablePaths.join(', ')}`
    : `read-only (${ENV_WRITABLE_PATHS} lists writable paths)`
  return {
    area: 'host',
    status: 'ok',
    message: `host mounts: ${allowed}; ${writable}; root containers ${policy.allowRoot ? 'allowed' : 'refused'}`,
  }
}

/** The network default in effect (a broken config.json is a finding, and the default applies). */
async function networkDefaultCheck(ctx: Context, add: (c: Check) => void): Promise<NetworkDefault> {
  let setting: NetworkDefault = {strict: false, source: 'default'}
  try {
    setting = await resolveNetworkDefault(ctx.paths, undefined)
  } catch (err) {
    add({area: 'host', status: 'fail', message: (err as Error).message, fix: 'fix or remove the file'})
  }
  add({
    area: 'host',
    status: 'ok',
    message: setting.strict
      ? `network: servers that declare none get none (strict-network feature in ${ctx.paths.dockerConfigFile})`
      : `network: servers that declare none get a network, as in Docker's gateway (strict: gateway run --network-default none, or "features": {"${STRICT_NETWORK_FEATURE}": "enabled"} in ${ctx.paths.dockerConfigFile})`,
  })
  return setting
}

/**
 * An enabled server whose network at start differs from what its entry declares: it declares nothing (so
 * it gets the default, which may not be what it needs), or it lists `allowHosts` and gets an unfiltered
 * network (egress is filtered only with --block-network).
 */
export function serverNetworkCheck(
  name: string,
  entry: ContainerEntry,
  setting: Pick<NetworkDefault, 'strict'>,
): Check | undefined {
  const declared = declaredNetwork(entry)
  if (declared === undefined && setting.strict)
    return {
      area: 'servers',
      status: 'warn',
      message: `"${name}" declares no network and the strict network default gives it none: if it needs the internet, its calls fail`,
      fix: `set "disableNetwork: false" in its catalog entry, or run the gateway with --network-default bridge`,
    }
  // Not a mismatch: the documented default. Said once per server, so a user sees who gets a network.
  if (declared === undefined)
    return {
      area: 'servers',
      status: 'ok',
      message: `"${name}" declares no network and gets one (the default, as in Docker's gateway; "disableNetwork: true" in its entry, or --network-default none, gives it none)`,
    }
  if (declared && (entry.allowHosts?.length ?? 0) > 0)
    return {
      area: 'servers',
      status: 'warn',
      message: `"${name}" declares allowHosts (${entry.allowHosts!.join(', ')}) but gets an unfiltered network`,
      fix: 'gateway run --block-network limits its traffic to those hosts',
    }
  return undefined
}

/**
 * Check everything `docker mcp` depends on and say what to fix: Node, the plugin install, the Docker
 * engine, catalogs and enabled servers (images present?), the secret store, client configs.
 * Never throws for a failed check: a failure is a finding.
 */
export async function runDoctor(ctx: Context): Promise<Check[]> {
  const checks: Check[] = []
  const add = (c: Check) => void checks.push(c)

  const [major, minor] = process.versions.node.split('.').map(Number) as [number, number]
  add(
    major > 20 || (major === 20 && minor >= 8)
      ? {area: 'node', status: 'ok', message: `Node.js ${process.version}`}
      : {
          area: 'node',
          status: 'fail',
          message: `Node.js ${process.version} is too old`,
          fix: 'Install Node.js 20.8 or newer.',
        },
  )

  const plugin = path.join(ctx.paths.cliPluginsDir, 'docker-mcp')
  if (await executable(plugin)) add({area: 'plugin', status: 'ok', message: `plugin installed at ${plugin}`})
  else {
    add({
      area: 'plugin',
      status: 'fail',
      message: `no executable plugin at ${plugin}`,
      fix: 'Run scripts/install-plugin.sh (or scripts/quickstart.sh).',
    })
  }
  const dockerCli = await onPath('docker', ctx.env)
  add(
    dockerCli
      ? {area: 'plugin', status: 'ok', message: `docker CLI at ${dockerCli}`}
      : {
          area: 'plugin',
          status: 'fail',
          message: 'no docker CLI on PATH',
          fix: 'Install the docker CLI (apt-get install docker.io, or Docker Desktop).',
        },
  )

  let runtime: ContainerRuntime | undefined
  try {
    const docker = createDocker(ctx.env, ctx.paths)
    await pingDocker(docker, {timeoutMs: 5000})
    const version = (await docker.version()) as {Version?: string; ApiVersion?: string}
    add({
      area: 'engine',
      status: 'ok',
      message: `Docker engine ${version.Version ?? '?'} (API ${version.ApiVersion ?? '?'})`,
    })
    runtime = new ContainerRuntime(docker)
  } catch (err) {
    add({
      area: 'engine',
      status: 'fail',
      message: (err as Error).message.split('\n')[0]!,
      fix: 'Start Docker Desktop or dockerd; scripts/quickstart.sh starts one on Linux when run as root.',
    })
  }

  try {
    const loaded = await loadServers(ctx)
    add({
      area: 'catalogs',
      status: 'ok',
      message: `${loaded.servers.size} servers in the configured catalogs`,
    })
    for (const warning of loaded.warnings) add({area: 'catalogs', status: 'warn', message: warning})
    const enabled = await readRegistry(ctx)
    if (enabled.length === 0) {
      add({
        area: 'servers',
        status: 'warn',
        message: 'no server is enabled',
        fix: 'docker mcp server add <name> (docker mcp catalog show lists them)',
      })
    }
    add(hostPolicyCheck(ctx))
    const policy = hostBindPolicy(ctx.env, ctx.paths)
    const config = await readServerConfig(ctx)
    const images: string[] = []
    const {checkEntryKeys} = await import('../catalog/keys.js')
    const network = await networkDefaultCheck(ctx, add)
    // The secret store is opened only if an enabled server declares secrets (a keychain round trip).
    const secrets = lazySecretPresence(ctx)
    const missingSecrets = async (declared: Array<{name: string}> | undefined) => {
      const missing: string[] = []
      for (const secret of declared ?? [])
        if (!(await secrets.presence.has(secret.name))) missing.push(secret.name)
      return missing
    }
    for (const name of enabled) {
      const server = loaded.servers.get(name)
      if (!server) {
        add({
          area: 'servers',
          status: 'fail',
          message: `"${name}" is enabled but no catalog defines it`,
          fix: `docker mcp server rm ${name}`,
        })
        continue
      }
      const broken = checkEntryKeys(name, server.entry).find((f) => f.severity === 'error')
      if (broken) {
        add({
          area: 'servers',
          status: 'fail',
          message: `"${name}" cannot run: ${broken.message}`,
          fix: `fix its entry in ${server.file}, or docker mcp server rm ${name}`,
        })
        continue
      }
      const missing = await missingSecrets(server.entry.secrets)
      if (missing.length > 0)
        add({
          area: 'secrets',
          status: 'fail',
          message: `"${name}" is enabled but its secret${missing.length === 1 ? '' : 's'} ${missing.join(', ')} ${missing.length === 1 ? 'is' : 'are'} not set: it will fail to start`,
          fix: missing.map((m) => `docker mcp secret set ${m}=<value>`).join('; '),
        })
      if (server.entry.image) images.push(server.entry.image)
      const networkFinding = serverNetworkCheck(name, server.entry, network)
      if (networkFinding) add(networkFinding)
      // What the host protection will do when the gateway starts it: refusals are failures (it will not
      // start), host mounts are shown with their access.
      const grants = await computeGrants({
        server: name,
        entry: server.entry,
        policy,
        evaluate: (expr) => evaluateTemplate(expr, config),
        others: new Map(),
        secrets: NO_SECRETS,
        strictNetwork: network.strict,
      })
      for (const m of grants.mounts) {
        if (m.access === 'refused')
          add({
            area: 'host',
            status: 'fail',
            message: `"${name}" mounts ${m.volume}: refused by rule "${m.rule}" (${m.detail}): it will not start`,
            fix: `docker mcp server rm ${name}, or fix the volume in its catalog entry or config`,
          })
        else if (m.access !== 'volume')
          add({area: 'host', status: 'ok', message: `"${name}" mounts ${m.bind} (${m.access})`})
      }
      if (grants.root && !grants.rootAllowed)
        add({
          area: 'host',
          status: 'fail',
          message: `"${name}" runs as root (user "${grants.user}"): refused unless the gateway runs with --allow-root-containers`,
          fix: 'gateway run --allow-root-containers (or MCP_GATEWAY_ALLOW_ROOT_CONTAINERS=1) if you trust the image',
        })
    }
    if (runtime && images.length > 0) {
      const missing = await runtime.missingImages(images)
      for (const image of missing) {
        add({
          area: 'servers',
          status: 'warn',
          message: `image ${image} is not present locally: the gateway will try to pull it`,
          fix: `docker pull ${image} (or build it locally)`,
        })
      }
      if (missing.length === 0)
        add({
          area: 'servers',
          status: 'ok',
          message: `${enabled.length} enabled server(s), all images present`,
        })
    }
  } catch (err) {
    add({area: 'catalogs', status: 'fail', message: (err as Error).message})
  }

  try {
    const secrets = await import('../secrets/index.js')
    const sources = await secrets.openSecretStores(ctx, {
      onWarning: (m: string) => add({area: 'secrets', status: 'warn', message: m}),
      fullWarnings: true,
    })
    for (const store of sources.stores)
      add({area: 'secrets', status: 'ok', message: `secret store: ${store.kind} (${store.location})`})
  } catch (err) {
    add({area: 'secrets', status: 'fail', message: (err as Error).message})
  }

  try {
    const clients = await import('../clients/index.js')
    for (const c of await clients.doctorClients(ctx)) add(c)
  } catch (err) {
    add({area: 'clients', status: 'fail', message: (err as Error).message})
  }
  return checks
}
