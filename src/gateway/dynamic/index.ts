import type {GetPromptResult, Prompt} from '@modelcontextprotocol/server'

import type {Context} from '../../context.js'
import {DISCOVER_PROMPT, discoverPrompt} from './discover.js'
import type {GatewayServer} from '../gateway.js'
import type {DynamicGateway, DynamicHost} from './host.js'
import {dynamicContext} from './context.js'
import {DynamicToolsLayer} from './layer.js'
import {SessionServers} from './servers.js'

export type {DynamicHost, DynamicGateway} from './host.js'
export {DynamicToolsLayer} from './layer.js'
export {SessionServers} from './servers.js'
export {INTERNAL_TOOLS} from './context.js'
export {runHost} from './run-host.js'

/**
 * Whether the gateway offers the dynamic tools: on, unless servers are named on the command line
 * (`--servers`, as the original), `--dynamic-tools=false`, or the `dynamic-tools` feature is disabled.
 */
export async function dynamicToolsOn(
  ctx: Context,
  flags: {dynamicTools?: boolean | undefined; servers?: string[] | undefined},
  warn: (message: string) => void,
): Promise<boolean> {
  if (flags.dynamicTools === false || (flags.servers?.length ?? 0) > 0) return false
  const {isFeatureEnabled} = await import('../../features/index.js')
  return isFeatureEnabled(ctx, 'dynamic-tools', warn)
}

/** The dynamic tools for a gateway: its tool view layer, and the servers sessions added (for lifecycles). */
export interface DynamicTools {
  layer: DynamicToolsLayer
  sessionServer(name: string): GatewayServer | undefined
  /** The gateway, once made (it takes the layer, so it comes after). */
  attach(gateway: DynamicGateway): void
  /** After a hot reload refilled the live maps: servers sessions added are put back. */
  afterSwap(): void
  /** The mcp-discover prompt (GatewayOptions.ownPrompts). */
  prompts: {list(): Prompt[]; get(name: string): GetPromptResult | undefined}
}

export function dynamicTools(host: Omit<DynamicHost, 'gateway'> & {afterSwap?: () => void}): DynamicTools {
  const servers = new SessionServers()
  const full = host as DynamicHost
  const layer = new DynamicToolsLayer(dynamicContext(full, servers))
  return {
    layer,
    sessionServer: (name) => servers.definition(name),
    attach: (gateway) => {
      full.gateway = gateway
    },
    afterSwap: () => host.afterSwap?.(),
    prompts: {
      list: () => [DISCOVER_PROMPT],
      get: (name) => (name === DISCOVER_PROMPT.name ? discoverPrompt() : undefined),
    },
  }
}
