import assert from 'node:assert/strict'
import {existsSync} from 'node:fs'
import {writeFile} from 'node:fs/promises'
import path from 'node:path'
import {after, before, test} from 'node:test'

import {installPlugin, makeSandbox, run, type Sandbox} from '../helpers/sandbox.js'

// Shell completion through the real docker CLI: `docker __complete mcp …` is what docker's bash, zsh and
// fish scripts run. Docker finds the plugin in $DOCKER_CONFIG/cli-plugins, execs it as
// `docker-mcp __complete mcp <words…> <word>` and copies its stdout to the shell when it exits 0.
let sandbox: Sandbox
const SECRET_VALUE = 'e2e-completion-secret-value'

before(async () => {
  sandbox = await makeSandbox({DOCKER_MCP_SECRET_STORE: 'file'})
  await installPlugin(sandbox)
})
after(async () => sandbox.cleanup())

const docker = (args: string[], env: NodeJS.ProcessEnv = {}) =>
  run('docker', args, {env: {...sandbox.env, ...env}, cwd: sandbox.home})
/** The words after `docker`; the last one is the word being completed (possibly empty). */
const complete = async (words: string[], env: NodeJS.ProcessEnv = {}) => {
  const r = await docker(['__complete', 'mcp', ...words], env)
  assert.equal(r.code, 0, `exit ${r.code}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`)
  return r
}
const noDesc = {DOCKER_COMPLETION_DESCRIPTIONS: 'false'}

test('docker __complete mcp "": our topics and commands, then the NoFileComp directive', async () => {
  const r = await complete([''])
  const lines = r.stdout.split('\n')
  assert.ok(lines.includes('server\tenable, disable and inspect MCP servers'), r.stdout)
  assert.ok(lines.includes('version\tshow the version of the docker mcp plugin'), r.stdout)
  assert.equal(lines.at(-2), ':4')
  assert.equal(lines.at(-1), '')
  // Docker would print ":1" itself (and ShellCompDirectiveError) had the plugin failed.
  assert.match(r.stderr, /^Completion ended with directive: ShellCompDirectiveNoFileComp$/m)
  assert.doesNotMatch(r.stderr, /ShellCompDirectiveError/)
})

test('docker __complete mcp server "": the subcommands, exactly', async () => {
  const r = await complete(['server', ''], noDesc)
  assert.equal(r.stdout, 'add\ninspect\nls\nreset\nrm\n:4\n')
})

test('docker __complete mcp server add d: servers of the shipped catalog', async () => {
  const r = await complete(['server', 'add', 'd'], noDesc)
  assert.equal(r.stdout, 'dice\nduckduckgo\n:4\n')
  const described = await complete(['server', 'add', 'di'])
  assert.match(described.stdout, /^dice\tRoll dice and flip coins\.[^\n]*\n:4\n$/)
})

test('docker __complete mcp server ls --: its flags', async () => {
  const r = await complete(['server', 'ls', '--'])
  assert.equal(
    r.stdout,
    '--json\tFormat output as json.\n--quiet\tonly print the names of the enabled servers, one per line\n:4\n',
  )
})

test('docker __complete mcp server rm: the servers enabled with docker mcp server add', async () => {
  const add = await docker(['mcp', 'server', 'add', 'dice', 'time'])
  assert.equal(add.code, 0, add.stderr)
  const r = await complete(['server', 'rm', ''], noDesc)
  assert.equal(r.stdout, 'dice\ntime\n:4\n')
})

test('docker __complete mcp secret rm: names of stored secrets, never their values', async () => {
  const set = await docker(['mcp', 'secret', 'set', `e2e.token=${SECRET_VALUE}`])
  assert.equal(set.code, 0, set.stderr)
  const r = await complete(['secret', 'rm', 'e2e'])
  assert.equal(r.stdout, 'e2e.token\n:4\n')
  assert.ok(!r.stdout.includes(SECRET_VALUE) && !r.stderr.includes(SECRET_VALUE))
})

test('a flag value from the manifest options, through docker', async () => {
  const r = await complete(['secret', 'ls', '--store', ''], noDesc)
  assert.equal(r.stdout, 'auto\nfile\nkeychain\n:4\n')
})

test('an argument that takes a file leaves path completion to the shell (directive 0)', async () => {
  const r = await complete(['catalog', 'import', ''])
  assert.equal(r.stdout, ':0\n')
})

test('an unknown command completes nothing, quietly: no oclif error, exit 0', async () => {
  const r = await complete(['no-such-command', ''])
  assert.equal(r.stdout, ':4\n')
  assert.match(r.stderr, /^Error: unknown command "no-such-command" for "docker mcp"$/m)
})

test("docker's own bash completion script completes docker mcp through the plugin", async () => {
  const script = path.join(sandbox.home, 'complete.bash')
  // Drive the script's entry point the way bash does on <TAB>. bash-completion provides
  // _get_comp_words_by_ref; without the package a minimal stand-in does (no word splitting at "=" or ":").
  const bashCompletion = '/usr/share/bash-completion/bash_completion'
  await writeFile(
    script,
    `${existsSync(bashCompletion) ? `source ${bashCompletion}` : `_get_comp_words_by_ref() { cur="\${COMP_WORDS[COMP_CWORD]}"; prev="\${COMP_WORDS[COMP_CWORD-1]}"; words=("\${COMP_WORDS[@]}"); cword=$COMP_CWORD; }`}
source <(docker completion bash)
t() {
  COMP_LINE="$1"; COMP_POINT=\${#COMP_LINE}; COMP_TYPE=9
  read -ra COMP_WORDS <<<"$COMP_LINE"
  [[ "$COMP_LINE" == *" " ]] && COMP_WORDS+=("")
  COMP_CWORD=$(( \${#COMP_WORDS[@]} - 1 ))
  COMPREPLY=()
  __start_docker docker 2>/dev/null
  echo "\${COMPREPLY[*]}"
}
t "docker mcp ser"
t "docker mcp server add di"
t "docker mcp client connect clau"
`,
  )
  const r = await run('bash', [script], {env: sandbox.env, cwd: sandbox.home})
  assert.equal(r.code, 0, r.stderr)
  assert.equal(r.stdout, 'server\ndice\nclaude-code claude-desktop\n')
})
