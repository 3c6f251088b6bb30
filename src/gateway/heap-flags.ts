import {setFlagsFromString} from 'node:v8'

/**
 * V8 settings for a process that forwards calls for hours (issue #21). Off: allocation-site pretenuring.
 *
 * V8 may decide, from what survived its early collections, that objects made at some place in the code
 * live long, and create them in the old generation from then on. For the raw path's per-call objects that
 * guess is wrong: each lives until its answer, about a millisecond. Once made, the guess costs every call.
 * Those objects point at the young rest of their call, which then survives every young collection until a
 * full one. Measured with `--trace-gc-nvp` at 32 calls in flight, in about 3 gateway runs out of 10, a
 * quarter of what the gateway allocated survived each scavenge. In 16 runs with pretenuring off, none did
 * (about 2% survived). Test: test/e2e/hot-path-memory.test.ts.
 */
export function tuneHeapForForwarding(): void {
  setFlagsFromString('--no-allocation-site-pretenuring')
}
