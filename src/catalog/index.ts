/**
 * Catalogs, the enabled-server registry, server config and tool allowlists: the API the gateway and the
 * commands use. Everything resolves servers across all configured catalogs.
 */
export type {CatalogEntry, CatalogFile, ConfigSchemaItem} from './schema.js'
export {catalogEntrySchema, catalogFileSchema, SECRET_NAME, SERVER_NAME} from './schema.js'
export type {CatalogRef, LoadedServers, ResolvedServer} from './load.js'
export {listCatalogs, loadServers, readCatalogData} from './load.js'
// Parsing and validating catalog text (`./validate.js`) is not re-exported: it loads the YAML parser,
// which the readers above leave alone when the file cache has the data.
export {
  evaluateTemplate,
  parseTemplate,
  templateEvaluator,
  templateReferences,
  TemplateExpansionError,
  TemplateSyntaxError,
} from './template.js'
export type {TemplatePart, TemplateValue} from './template.js'
export {configFields, configStatus, NO_SECRETS, secretsStatus} from './status.js'
export type {ConfigField, SecretPresence, SetupStatus} from './status.js'
export {DOCKER_CATALOG, DOCKER_CATALOG_DISPLAY_NAME, DOCKER_CATALOG_URL} from './names.js'
export {readRegistry} from '../registry/index.js'
export {readServerConfig} from '../server-config/config.js'
export {readToolsConfig} from '../server-config/tools.js'
