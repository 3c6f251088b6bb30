/**
 * The media types of MCP artifacts, exactly as Docker's own `docker mcp` (docker/mcp-gateway) writes them,
 * so that an artifact pushed by either tool is read by the other:
 * - `pkg/oci/artifacts.go` `PushArtifact`: an OCI image manifest with `artifactType`, the empty config
 *   (`{}`, `application/vnd.oci.empty.v1+json`) and one `application/json` layer holding the content; no
 *   annotations.
 * - `pkg/workingset/oci.go` and `pkg/catalog_next`: `MCPCatalogArtifactType`.
 * - `pkg/workingset` `MCPWorkingSetArtifactType` (profiles): `application/vnd.docker.mcp.profile.v1+json`.
 */

/** The manifest every MCP artifact is stored as. */
export const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json'
/** An image index (multi-platform image): never an MCP artifact. */
export const OCI_INDEX = 'application/vnd.oci.image.index.v1+json'
export const DOCKER_MANIFEST = 'application/vnd.docker.distribution.manifest.v2+json'
export const DOCKER_MANIFEST_LIST = 'application/vnd.docker.distribution.manifest.list.v2+json'

/** The OCI empty descriptor's media type; its blob is the two bytes `{}`. */
export const OCI_EMPTY = 'application/vnd.oci.empty.v1+json'
export const OCI_EMPTY_DATA = '{}'

/** The media type of the one layer of catalogs and profiles: the content as JSON. */
export const JSON_LAYER = 'application/json'

/** `artifactType` of a catalog (`docker mcp catalog push`). */
export const MCP_CATALOG_ARTIFACT = 'application/vnd.docker.mcp.catalog.v1+json'
/** `artifactType` of a profile, the original's "working set" (`docker mcp profile push`). */
export const MCP_PROFILE_ARTIFACT = 'application/vnd.docker.mcp.profile.v1+json'
/** `artifactType` of server definitions read by `gateway run --oci-ref`. */
export const MCP_SERVER_ARTIFACT = 'application/vnd.docker.mcp.server'
