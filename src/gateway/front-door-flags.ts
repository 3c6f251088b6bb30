import type {FrontDoorFlagValues, FrontDoorOptions} from './http/front-door.js'

/**
 * The front door's settings (`--tls-cert`, `--tls-key`, `--trusted-proxy`, `--public-url`), parsed by
 * src/gateway/http/front-door.ts when the gateway starts. That module loads node:http, node:https and
 * node:tls (~10 ms before the stdio gateway could answer `initialize`, issue #21), so it is imported only
 * when one of these flags is given or the gateway serves HTTP: over stdio without them its answer (the
 * defaults) would go unused. Its errors (half a TLS pair, these flags on stdio) are the same.
 */
export async function frontDoorFromFlags(
  flags: FrontDoorFlagValues,
  transport: 'stdio' | 'sse' | 'streaming',
): Promise<FrontDoorOptions | undefined> {
  const given =
    flags['tls-cert'] !== undefined ||
    flags['tls-key'] !== undefined ||
    (flags['trusted-proxy']?.length ?? 0) > 0 ||
    (flags['public-url']?.length ?? 0) > 0
  if (transport === 'stdio' && !given) return undefined
  return (await import('./http/front-door.js')).frontDoorOptionsFromFlags(flags, transport)
}

/** The front door's flags out of all of `gateway run`'s. */
export function frontDoorFlagValues(flags: FrontDoorFlagValues): FrontDoorFlagValues {
  return {
    'tls-cert': flags['tls-cert'],
    'tls-key': flags['tls-key'],
    'trusted-proxy': flags['trusted-proxy'],
    'public-url': flags['public-url'],
  }
}
