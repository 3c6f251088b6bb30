/**
 * What the bundle gives the MCP SDK's server for `@modelcontextprotocol/server/_shims` (scripts/bundle.mjs
 * redirects it here; unbundled, e.g. under the tests, the SDK takes its own). The SDK's own module for
 * node imports its ajv-based JSON Schema validator, ~300 KB of ajv, ajv-formats and fast-uri that every
 * gateway start compiled before answering `initialize` (issue #21). The server uses a validator only to
 * check an accepted elicitation's content against the form it asked for; the gateway loads the real one
 * before a session's server sends an elicitation (`loadJsonSchemaValidator`, awaited by the session's
 * `elicit` in gateway.ts), so that check is made by the same validator as before. Anything that asks
 * before it is loaded gets an error (the SDK turns it into "Error validating elicitation response"),
 * never an unchecked answer.
 */
import process from 'node:process'

import type {JsonSchemaType, JsonSchemaValidator, jsonSchemaValidator} from '@modelcontextprotocol/server'

type Provider = new () => jsonSchemaValidator
let Loaded: Provider | undefined
let loading: Promise<void> | undefined

/** Load the SDK's default (ajv) validator; resolves at once once loaded. */
export function loadJsonSchemaValidator(): Promise<void> {
  return (loading ??= import('@modelcontextprotocol/server/validators/ajv').then((m) => {
    Loaded = m.AjvJsonSchemaValidator as unknown as Provider
  }))
}

/** The SDK's default validator, made when first used (after `loadJsonSchemaValidator`). */
export class DefaultJsonSchemaValidator implements jsonSchemaValidator {
  private inner: jsonSchemaValidator | undefined

  getValidator<T>(schema: JsonSchemaType): JsonSchemaValidator<T> {
    if (!Loaded) throw new Error('the JSON Schema validator is not loaded (src/gateway/sdk-shims.ts)')
    this.inner ??= new Loaded()
    return this.inner.getValidator<T>(schema)
  }
}

export {process}
