import {Flags} from '@oclif/core'

/** Flags of every command that starts a gateway to talk to it (`docker mcp tools …`). */
export const gatewayClientFlags = {
  'gateway-arg': Flags.string({description: 'argument passed to "gateway run" (repeatable)', multiple: true}),
  verbose: Flags.boolean({description: 'show the gateway log', default: false}),
}
