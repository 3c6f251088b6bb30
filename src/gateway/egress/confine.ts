/**
 * What --block-network changes in a server's container spec, applied after container-spec.ts decided the
 * network (`wantsNetwork`): a pure function, table-tested.
 */
import type {ContainerSpec} from '../../docker/container-spec.js'
import {LABEL_EGRESS} from '../../docker/egress-engine.js'

/** A running proxy, as a server sees it. */
export interface ProxyEndpoint {
  /** Policy key (labels). */
  key: string
  /** The internal network the server joins: its only other member is the proxy. */
  network: string
  /** The proxy's address on that network. */
  address: string
  httpPort: number
  /** Hosts of `/tcp` entries: their names resolve to the proxy inside the server. */
  tcpHosts: string[]
}

const PROXY_VARIABLES = [
  'HTTP_PROXY',
  'HTTPS_PROXY',
  'http_proxy',
  'https_proxy',
  'NO_PROXY',
  'no_proxy',
  'ALL_PROXY',
  'all_proxy',
]

/**
 * Confine a server: with a proxy, its only network is the proxy's internal one, the proxy variables point
 * at the proxy and `/tcp` names resolve to it; without one (no `allowHosts`), no network at all. Its own
 * `extraHosts` are dropped: names are resolved by the proxy, which got them. A spec that already has no
 * network (`disableNetwork`) is left as it is.
 */
export function confineSpec(spec: ContainerSpec, proxy: ProxyEndpoint | undefined): ContainerSpec {
  if (spec.HostConfig.NetworkMode === 'none') return spec
  // The proxy's network only: another one (the gateway container's networks, in compose) would be a way
  // around the proxy.
  const {ExtraNetworks: _aroundTheProxy, ...confined} = spec
  spec = confined
  const hostConfig = {...spec.HostConfig}
  delete hostConfig.ExtraHosts
  if (!proxy) return {...spec, HostConfig: {...hostConfig, NetworkMode: 'none'}}
  hostConfig.NetworkMode = proxy.network
  if (proxy.tcpHosts.length > 0) hostConfig.ExtraHosts = proxy.tcpHosts.map((h) => `${h}:${proxy.address}`)
  const url = `http://${proxy.address}:${proxy.httpPort}`
  // The catalog's own proxy variables would point around the proxy: ours replace them.
  const env = spec.Env.filter((kv) => !PROXY_VARIABLES.includes(kv.slice(0, kv.indexOf('='))))
  env.push(
    `HTTP_PROXY=${url}`,
    `HTTPS_PROXY=${url}`,
    `http_proxy=${url}`,
    `https_proxy=${url}`,
    // The server's own loopback is not the internet.
    'NO_PROXY=localhost,127.0.0.1,::1',
    'no_proxy=localhost,127.0.0.1,::1',
  )
  return {...spec, Env: env, Labels: {...spec.Labels, [LABEL_EGRESS]: proxy.key}, HostConfig: hostConfig}
}
