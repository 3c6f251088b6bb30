// oidc-provider ships no types. The test helpers use it as its documentation shows; this says just enough
// for them to type-check: a configuration and a provider whose members are whatever the library gives.
declare module 'oidc-provider' {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  type Loose = any
  export default class Provider {
    constructor(issuer: string, configuration?: Loose)
    [member: string]: Loose
  }
  export const errors: Record<string, new (...args: Loose[]) => Error>
}
