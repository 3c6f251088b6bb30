import {hostname} from 'node:os'

import type {Context} from '../../../context.js'
import {LABEL_GATEWAY, LABEL_HOST, LABEL_PID} from '../../../docker/container-spec.js'
import type {ContainerRuntime} from '../../../docker/runtime.js'
import type {Logger} from '../../logger.js'
import type {InterceptorOptions} from './index.js'
import type {InterceptorSpec} from './spec.js'

export type {InterceptorSpec} from './spec.js'

/**
 * The interceptors' part of the guard options, from `gateway run`'s options. The engine is only reached
 * (and dockerode only loaded) when a docker interceptor first runs. Exec interceptors get the gateway's
 * environment without the gateway's own bearer token.
 */
export function interceptorOptions(
  ctx: Context,
  options: {interceptors?: InterceptorSpec[] | undefined; interceptorTimeoutSeconds?: number | undefined},
  logger: Logger,
  gatewayId: string,
): InterceptorOptions {
  const interceptors = options.interceptors ?? []
  if (interceptors.length === 0) return {}
  const env = {...ctx.env}
  delete env.MCP_GATEWAY_AUTH_TOKEN
  let runtime: Promise<ContainerRuntime> | undefined
  const engine = () =>
    (runtime ??= Promise.all([
      import('../../../docker/engine.js'),
      import('../../../docker/runtime.js'),
    ]).then(([{createDocker}, {ContainerRuntime}]) => new ContainerRuntime(createDocker(ctx.env, ctx.paths))))
  return {
    interceptors,
    interceptorTimeoutSeconds: options.interceptorTimeoutSeconds,
    logger,
    env,
    startContainer: async (spec) => (await engine()).startTask(spec),
    gatewayLabels: {[LABEL_GATEWAY]: gatewayId, [LABEL_PID]: String(process.pid), [LABEL_HOST]: hostname()},
  }
}
