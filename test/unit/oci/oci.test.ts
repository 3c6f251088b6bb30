/**
 * The pure parts of the OCI client and the catalog artifact format (issue #19): references, challenges,
 * docker's stored credentials, the manifest bytes, and the conversion between our catalogs and the
 * original's catalog artifact (including the zero values Go writes).
 */
import assert from 'node:assert/strict'
import {mkdtemp, rm, writeFile} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import path from 'node:path'
import {describe, test} from 'node:test'

import {artifactToRegistry, catalogToArtifact} from '../../../src/catalog/oci-artifact.js'
import {buildManifest} from '../../../src/oci/artifact.js'
import {parseChallenge} from '../../../src/oci/client.js'
import {credentialsFromEntry, findCredentials} from '../../../src/oci/credentials.js'
import {formatReference, parseArtifactReference} from '../../../src/oci/reference.js'

describe('references', () => {
  test('Docker Hub defaults, ports, digests, and latest only when neither tag nor digest', () => {
    assert.deepEqual(parseArtifactReference('team/catalog'), {
      registry: 'docker.io',
      repository: 'team/catalog',
      tag: 'latest',
      input: 'team/catalog',
    })
    assert.equal(parseArtifactReference('alpine').repository, 'library/alpine')
    const digest = `sha256:${'a'.repeat(64)}`
    const pinned = parseArtifactReference(`127.0.0.1:5000/a/b@${digest}`)
    assert.equal(pinned.registry, '127.0.0.1:5000')
    assert.equal(pinned.tag, undefined)
    assert.equal(pinned.digest, digest)
    assert.equal(formatReference(parseArtifactReference('index.docker.io/team/c:v1')), 'team/c:v1')
    assert.throws(() => parseArtifactReference('a/b:-bad'), /bad tag/)
    assert.throws(() => parseArtifactReference('a/b@sha256:12'), /malformed digest/)
  })
})

describe('WWW-Authenticate', () => {
  test('Bearer parameters, commas inside quotes included', () => {
    const c = parseChallenge(
      'Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:a/b:pull,push"',
    )!
    assert.equal(c.scheme, 'bearer')
    assert.equal(c.params.get('realm'), 'https://auth.docker.io/token')
    assert.equal(c.params.get('scope'), 'repository:a/b:pull,push')
    assert.equal(parseChallenge('Basic realm="x"')!.scheme, 'basic')
  })
})

describe('stored credentials', () => {
  test('auths entries: base64 auth, identitytoken, and a malformed auth named without its value', () => {
    const auth = Buffer.from('me:pa:ss').toString('base64')
    assert.deepEqual(credentialsFromEntry({auth}, 'x'), {
      kind: 'basic',
      username: 'me',
      password: 'pa:ss',
      from: 'x',
    })
    assert.deepEqual(credentialsFromEntry({identitytoken: 'tok', auth}, 'x'), {
      kind: 'identity-token',
      token: 'tok',
      from: 'x',
    })
    const bad = Buffer.from('no-colon-secret').toString('base64')
    assert.throws(
      () => credentialsFromEntry({auth: bad}, 'entry'),
      (err: Error) =>
        /not base64 of "user:password"/.test(err.message) && !err.message.includes('no-colon-secret'),
    )
  })

  test('keys with a scheme or path match their host; Docker Hub is https://index.docker.io/v1/', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'docker-mcp-creds-'))
    try {
      const file = path.join(dir, 'config.json')
      const b64 = (s: string) => Buffer.from(s).toString('base64')
      await writeFile(
        file,
        JSON.stringify({
          auths: {
            'https://registry.example.com/v1/': {auth: b64('a:1')},
            'https://index.docker.io/v1/': {auth: b64('hub:2')},
          },
        }),
      )
      const source = {dockerConfigFile: file, env: {}}
      assert.equal((await findCredentials('registry.example.com', source))?.kind, 'basic')
      assert.deepEqual(await findCredentials('docker.io', source), {
        kind: 'basic',
        username: 'hub',
        password: '2',
        from: `"auths" entry "https://index.docker.io/v1/" of ${file}`,
      })
      assert.equal(await findCredentials('other.example.com', source), undefined)
      await writeFile(file, '{"auths": {"x": {"auth": "c2VjcmV0"}}')
      await assert.rejects(findCredentials('x', source), (err: Error) => !err.message.includes('c2VjcmV0'))
    } finally {
      await rm(dir, {recursive: true, force: true})
    }
  })
})

describe('manifest', () => {
  test("the original's shape: empty config, one application/json layer, artifactType; field order as Go writes", () => {
    const {manifest, bytes} = buildManifest({
      artifactType: 'application/vnd.docker.mcp.catalog.v1+json',
      layers: [{mediaType: 'application/json', data: '{}'}],
    })
    assert.deepEqual(Object.keys(manifest), [
      'schemaVersion',
      'mediaType',
      'artifactType',
      'config',
      'layers',
    ])
    assert.equal(manifest.config.mediaType, 'application/vnd.oci.empty.v1+json')
    assert.equal(
      manifest.config.digest,
      'sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a',
    )
    assert.ok(
      bytes
        .toString()
        .startsWith('{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json"'),
    )
  })
})

describe('catalog artifact', () => {
  test('catalog → artifact: sorted, image and remote servers, each entry whole in its snapshot', () => {
    const content = catalogToArtifact({
      name: 'team',
      displayName: 'Team',
      registry: {
        zeta: {type: 'remote', remote: {url: 'https://z.example.com/mcp'}},
        alpha: {image: 'mcp/alpha:1', description: 'A'},
      },
    })
    assert.deepEqual(content, {
      title: 'Team',
      servers: [
        {
          type: 'image',
          image: 'mcp/alpha:1',
          snapshot: {server: {name: 'alpha', image: 'mcp/alpha:1', description: 'A', type: 'server'}},
        },
        {
          type: 'remote',
          endpoint: 'https://z.example.com/mcp',
          snapshot: {server: {name: 'zeta', type: 'remote', remote: {url: 'https://z.example.com/mcp'}}},
        },
      ],
    })
    assert.throws(
      () => catalogToArtifact({name: 't', displayName: 't', registry: {x: {description: 'nothing to run'}}}),
      /server "x" of catalog "t" has neither an image nor a remote URL/,
    )
  })

  test("artifact → catalog: Go's zero values dropped, snapshot-less registry servers left out with a warning", () => {
    const {title, registry, warnings} = artifactToRegistry(
      {
        title: 'From the original',
        servers: [
          {
            type: 'image',
            image: 'mcp/a:1',
            tools: null,
            snapshot: {server: {name: 'a', type: 'server', image: 'mcp/a:1', remote: {}}},
          },
          {
            type: 'remote',
            endpoint: 'https://r',
            snapshot: {server: {name: 'r', type: 'remote', image: '', remote: {url: 'https://r'}}},
          },
          {type: 'registry', source: 'https://registry.modelcontextprotocol.io/v0/servers/x'},
        ],
      },
      'ref',
    )
    assert.equal(title, 'From the original')
    assert.deepEqual(registry, {
      a: {type: 'server', image: 'mcp/a:1'},
      r: {type: 'remote', remote: {url: 'https://r'}},
    })
    assert.equal(warnings.length, 1)
    assert.match(
      warnings[0]!,
      /servers\[2\] \(registry https:\/\/registry\.modelcontextprotocol\.io\/v0\/servers\/x\) has no snapshot/,
    )
    assert.throws(
      () => artifactToRegistry({servers: []}, 'ref'),
      /ref is not an MCP catalog: "title" is missing/,
    )
    assert.throws(
      () =>
        artifactToRegistry(
          {
            title: 't',
            servers: [
              {type: 'image', snapshot: {server: {name: 'a'}}},
              {type: 'image', snapshot: {server: {name: 'a'}}},
            ],
          },
          'ref',
        ),
      /server "a" appears twice/,
    )
    assert.throws(
      () => artifactToRegistry({title: 't', servers: [{snapshot: {server: {name: '../x'}}}]}, 'ref'),
      /is not a server name/,
    )
  })
})
