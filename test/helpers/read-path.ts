// Child process of test/unit/catalog/file-cache.test.ts: runs the read paths of `server ls`, `catalog ls`
// and `catalog show` (catalogs, catalog.json, registry.yaml, config.yaml, and the modules those commands
// import) in a fresh process and reports which modules it loaded, so the test can tell whether the YAML
// parser and zod were needed. Usage (with HOME/DOCKER_CONFIG set):
//   node --import tsx test/helpers/read-path.ts <root> <file to write resolved module URLs to>
import {register} from 'node:module'

const [root, record] = process.argv.slice(2)
if (!root || !record) throw new Error('usage: read-path.ts <root> <record file>')

// A resolve hook that appends every resolved URL to the record file. Registered before the library is
// imported (dynamically, below), so every module of the read path goes through it.
const hook = `
import {appendFileSync} from 'node:fs'
let file
export function initialize(data) { file = data.file }
export async function resolve(specifier, context, next) {
  const result = await next(specifier, context)
  appendFileSync(file, result.url + '\\n')
  return result
}`
register(`data:text/javascript,${encodeURIComponent(hook)}`, {data: {file: record}})

const {createContext} = await import('../../src/context.js')
const {listEnabledServers} = await import('../../src/registry/index.js')
const {catalogOverview, showCatalog} = await import('../../src/catalog/manage.js')
const {formatCatalogList, formatServerList} = await import('../../src/catalog/format.js')
const {NO_SECRETS} = await import('../../src/catalog/status.js')
const ctx = createContext({root})
const {servers, warnings} = await listEnabledServers(ctx, NO_SECRETS)
const {catalogs} = await catalogOverview(ctx)
const shown = await Promise.all(catalogs.map((c) => showCatalog(ctx, c.name)))
process.stdout.write(
  JSON.stringify({
    servers,
    warnings,
    shown,
    text: [formatServerList(servers), formatCatalogList(catalogs)],
  }),
)
