import {watch, type FSWatcher} from 'node:fs'
import path from 'node:path'

import {CallRefusedError} from '../pipeline/call.js'
import {guardStage, type CallStage} from '../pipeline/pipeline.js'
import type {Caller} from '../session/caller.js'
import type {ToolViewLayer} from '../session/tool-view.js'
import {compilePolicy, type Policy} from './policy.js'
import {readPolicy} from './policy-file.js'

/** Read, check and compile a policy file. Errors are FileFormatErrors naming the file, line and field. */
export async function loadPolicy(file: string): Promise<Policy> {
  const {readYamlFile} = await import('../../catalog/yaml-file.js')
  const {FileFormatError} = await import('../../errors.js')
  const y = await readYamlFile(file)
  if (!y) throw new FileFormatError(file, 'no such file: --policy names the access policy file to read')
  return compilePolicy(await readPolicy(y))
}

/**
 * The policy in force: read at start (a bad file stops the gateway), then read again whenever the file
 * changes. A change that does not read or check keeps the last good policy and logs why; sessions are
 * told their tool list changed when a new policy is in force.
 */
export class PolicyHolder {
  private watcher: FSWatcher | undefined
  private timer: NodeJS.Timeout | undefined
  private readonly listeners: Array<() => void> = []

  private constructor(
    readonly file: string,
    private policy: Policy,
    private readonly log: {info(m: string): void; warn(m: string): void},
  ) {}

  static async open(
    file: string,
    log: {info(m: string): void; warn(m: string): void},
    options: {watch?: boolean; debounceMs?: number} = {},
  ): Promise<PolicyHolder> {
    const holder = new PolicyHolder(path.resolve(file), await loadPolicy(path.resolve(file)), log)
    if (options.watch !== false) holder.watch(options.debounceMs ?? 200)
    return holder
  }

  get current(): Policy {
    return this.policy
  }

  /** Called after a new policy is in force. */
  onChange(listener: () => void): void {
    this.listeners.push(listener)
  }

  /** Read the file again now: true when a new policy is in force. */
  async reload(): Promise<boolean> {
    try {
      this.policy = await loadPolicy(this.file)
    } catch (err) {
      this.log.warn(
        `- Access policy ${this.file} not reloaded, the previous one stays in force: ${(err as Error).message}`,
      )
      return false
    }
    this.log.info(`- Access policy reloaded from ${this.file}`)
    for (const listener of this.listeners) listener()
    return true
  }

  // The directory is watched, not the file: editors and our own writers replace files by renaming.
  private watch(debounceMs: number): void {
    const base = path.basename(this.file)
    try {
      this.watcher = watch(path.dirname(this.file), {persistent: false}, (_event, name) => {
        if (name !== null && name.toString() !== base) return
        clearTimeout(this.timer)
        this.timer = setTimeout(() => void this.reload(), debounceMs)
        this.timer.unref()
      })
      this.watcher.on('error', () => this.watcher?.close())
    } catch (err) {
      this.log.warn(`- Access policy ${this.file} is not watched for changes: ${(err as Error).message}`)
    }
  }

  close(): void {
    clearTimeout(this.timer)
    this.watcher?.close()
  }
}

/** How errors and layer names refer to the policy: its file name (the full path stays in the gateway's log). */
export function policyName(holder: PolicyHolder): string {
  return `access policy ${path.basename(holder.file)}`
}

/**
 * The policy's view of each session's tools: a tool its caller may not call is absent from its
 * tools/list; a call of it by name goes to the pipeline, where policyStage refuses it.
 */
export function policyToolView(holder: PolicyHolder): ToolViewLayer {
  return {
    name: policyName(holder),
    // policyStage refuses what this hides: a call by name gets the policy's error, and is audited.
    guarded: true,
    allows: (session, name, target) =>
      holder.current.forCaller(session.caller).allows(target.origin.server, target.origin.name, name),
    showsServer: (session, server) => holder.current.forCaller(session.caller).allowsServer(server),
  }
}

/** Why the policy refuses a caller this tool, naming the policy and, when none matched, saying so. */
function refusal(holder: PolicyHolder, caller: Caller, name: string, rules: readonly string[]): string {
  const who =
    rules.length === 0 ? `no rule matches ${caller.id}` : `its rules for ${caller.id} do not allow it`
  return `${policyName(holder)}: tool "${name}" is not allowed (${who})`
}

/**
 * The policy as a guard of every call: a call the view would not have offered (made by name anyway, on a
 * path that resolves tools without the view, or racing a reload) is refused before any other guard sees it.
 */
export function policyStage(holder: PolicyHolder): CallStage {
  return guardStage({
    name: 'policy',
    // Each 2026-07-28 round again: a reload between rounds applies to the rest of the call.
    beforeEachRound: true,
    before(call) {
      const mine = holder.current.forCaller(call.caller)
      if (!mine.allows(call.server, call.tool, call.name))
        throw new CallRefusedError('policy', refusal(holder, call.caller, call.name, mine.rules))
    },
  })
}
