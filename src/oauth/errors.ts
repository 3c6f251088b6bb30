import {DockerMcpError} from '../errors.js'

/**
 * The server needs an OAuth token the user has not granted yet (none stored, or the stored one can no
 * longer be refreshed). The message names the command that fixes it; it never carries a token.
 */
export class OAuthRequiredError extends DockerMcpError {
  constructor(
    readonly server: string,
    why: string,
  ) {
    super(
      `server "${server}" needs OAuth authorization (${why}): run "docker mcp oauth authorize ${server}"`,
      {
        suggestions: [`docker mcp oauth authorize ${server}`],
      },
    )
  }
}

/** The authorization flow met something it must not accept (wrong issuer, state, audience, insecure endpoint). */
export class OAuthFlowError extends DockerMcpError {}
