import type {ContainerSpec} from '../../../docker/container-spec.js'
import type {RunningContainer} from '../../../docker/runtime.js'
import type {Logger} from '../../logger.js'
import type {CallStage} from '../pipeline.js'
import {createRunner} from './runners.js'
import {DEFAULT_INTERCEPTOR_TIMEOUT_SECONDS, type InterceptorSpec} from './spec.js'
import {interceptorStage} from './stage.js'

export {
  parseInterceptor,
  parseInterceptors,
  DEFAULT_INTERCEPTOR_TIMEOUT_SECONDS,
  type InterceptorSpec,
} from './spec.js'

/** What `--interceptor` stages need from the gateway. */
export interface InterceptorOptions {
  /** The parsed `--interceptor` flags, in their order. */
  interceptors?: readonly InterceptorSpec[] | undefined
  /** `--interceptor-timeout`, in seconds. */
  interceptorTimeoutSeconds?: number | undefined
  logger?: Logger | undefined
  /** The environment exec interceptors get. */
  env?: NodeJS.ProcessEnv | undefined
  /** Starts a docker interceptor's container (the engine adapter's `startTask`). */
  startContainer?:
    ((spec: ContainerSpec) => Promise<RunningContainer & {exitCode: Promise<number>}>) | undefined
  /** The gateway's identity labels, so that its cleanup finds interceptor containers. */
  gatewayLabels?: Record<string, string> | undefined
}

/** One stage per `--interceptor`, in the order given (the first is outermost, as in the original). */
export function interceptorStages(options: InterceptorOptions): CallStage[] {
  const logger = options.logger ?? {info() {}, warn() {}, debug() {}}
  const timeoutMs = (options.interceptorTimeoutSeconds ?? DEFAULT_INTERCEPTOR_TIMEOUT_SECONDS) * 1000
  return (options.interceptors ?? []).map((spec) =>
    interceptorStage(
      spec,
      createRunner(spec, {
        timeoutMs,
        logger,
        env: options.env,
        startContainer: options.startContainer,
        gatewayLabels: options.gatewayLabels,
      }),
      logger,
    ),
  )
}
