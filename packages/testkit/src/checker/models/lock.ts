/**
 * Locks with fencing tokens (api.md §5).
 *
 * Checked: a grant needs a free lock (mutual exclusion), tokens grow strictly in grant order, and
 * a fenced write succeeds only while its token is the current holder.
 *
 * Lease expiry releases a lock without any client operation, and what can be checked depends on
 * whether the history records it:
 * - `expiry: 'explicit'`: every expiry is in the history as an `expire` operation (the simulator
 *   knows when it fired a lease deadline; its interval is when that could have happened). A lock
 *   changes hands only by release or expire, so a double grant is caught.
 * - `expiry: 'anytime'`: the holder may lose the lock at any moment, unrecorded. A second grant is
 *   then always explicable (the first lease expired), so mutual exclusion of grants is NOT
 *   checkable; what remains is the property fencing exists for: once a later token was granted, or
 *   the loss was observed (a fenced write refused, a holder read), the old token's writes must fail.
 *   The model expires lazily, only when an operation observes it: keeping the holder as long as
 *   possible allows a superset of later outcomes, so this loses no linearization.
 *
 * FIFO order among waiters is not modelled. Partitioned per lock name by default; pass
 * `partitionByName: false` to also check that tokens grow across all locks of the store.
 */
import { isUnknownOutput, type Model, type StepResult, type UnknownOutput } from '../history.js'
import { accept, partitionBy, reject } from './canonical.js'

export type LockInput =
  /** acquire, tryAcquire, or acquire with waitMs: `granted: false` when it gave up. */
  | { type: 'acquire'; name: string }
  | { type: 'release'; name: string; token: number }
  | { type: 'fenced-write'; name: string; token: number }
  | { type: 'holder'; name: string }
  /** `explicit` mode: the lease behind `token` expired during this operation's interval. */
  | { type: 'expire'; name: string; token: number }

export type LockAcquireOutput = { granted: true; token: number } | { granted: false }

/** `released`, when recorded, says whether the release found `token` still holding the lock. */
export interface LockReleaseOutput {
  released?: boolean
}

export type LockFencedWriteOutput = { ok: true } | { ok: false; reason: 'fenced' }

export interface LockHolderOutput {
  holder: { token: number } | undefined
}

export type LockOutput = LockAcquireOutput | LockReleaseOutput | LockFencedWriteOutput | LockHolderOutput

/**
 * `'unknown'`: granted by an acquire whose outcome, hence token, is unknown. No client can fence
 * with that token, but a holder read or an expire may reveal it: a token above `lastToken` can only
 * be that one, since every known grant raises `lastToken`.
 */
export type LockHolder = number | 'unknown'

export interface LockState {
  holders: ReadonlyMap<string, LockHolder>
  /** Highest token known granted; after an unknown grant, a lower bound. */
  lastToken: number
}

export interface LockModelOptions {
  expiry: 'explicit' | 'anytime'
  partitionByName?: boolean
}

function withHolder(state: LockState, name: string, holder: LockHolder | undefined, lastToken = state.lastToken): LockState {
  const holders = new Map(state.holders)
  if (holder === undefined) holders.delete(name)
  else holders.set(name, holder)
  return { holders, lastToken }
}

/** Whether `token` holds `name`; a match against an unknown grant pins its token. */
function matchHolder(state: LockState, name: string, token: number): { matches: boolean; state: LockState } {
  const holder = state.holders.get(name)
  if (holder === token) return { matches: true, state }
  if (holder === 'unknown' && token > state.lastToken) {
    return { matches: true, state: withHolder(state, name, token, token) }
  }
  return { matches: false, state }
}

function stepAcquire(state: LockState, name: string, output: LockOutput | UnknownOutput, anytime: boolean): StepResult<LockState> {
  const held = state.holders.has(name)
  if (isUnknownOutput(output)) return accept(held && !anytime ? state : withHolder(state, name, 'unknown'))
  if (!('granted' in output)) return reject(state)
  // A refused acquire saw the lock held; lazily-kept holders make that possible in both modes.
  if (!output.granted) return held ? accept(state) : reject(state)
  if ((held && !anytime) || output.token <= state.lastToken) return reject(state)
  return accept(withHolder(state, name, output.token, output.token))
}

function stepRelease(
  state: LockState,
  input: { name: string; token: number },
  output: LockOutput | UnknownOutput,
  anytime: boolean,
): StepResult<LockState> {
  const { matches, state: matched } = matchHolder(state, input.name, input.token)
  const after = matches ? withHolder(matched, input.name, undefined) : state
  if (isUnknownOutput(output)) return accept(after)
  if (!('released' in output) || output.released === undefined || output.released === matches) return accept(after)
  // Reporting "not held" while holding is explained by an unrecorded expiry, in anytime mode only.
  return anytime && matches && !output.released ? accept(after) : reject(state)
}

function stepFencedWrite(
  state: LockState,
  input: { name: string; token: number },
  output: LockOutput | UnknownOutput,
  anytime: boolean,
): StepResult<LockState> {
  if (isUnknownOutput(output)) return accept(state)
  if (!('ok' in output)) return reject(state)
  const { matches, state: matched } = matchHolder(state, input.name, input.token)
  if (output.ok) return matches ? accept(matched) : reject(state)
  if (!matches) return accept(state)
  return anytime ? accept(withHolder(matched, input.name, undefined)) : reject(state)
}

function stepHolder(state: LockState, name: string, output: LockOutput | UnknownOutput, anytime: boolean): StepResult<LockState> {
  if (isUnknownOutput(output)) return accept(state)
  if (!('holder' in output)) return reject(state)
  if (output.holder === undefined) {
    if (!state.holders.has(name)) return accept(state)
    return anytime ? accept(withHolder(state, name, undefined)) : reject(state)
  }
  const { matches, state: matched } = matchHolder(state, name, output.holder.token)
  return matches ? accept(matched) : reject(state)
}

function stepLock(state: LockState, input: LockInput, output: LockOutput | UnknownOutput, anytime: boolean): StepResult<LockState> {
  switch (input.type) {
    case 'acquire':
      return stepAcquire(state, input.name, output, anytime)
    case 'release':
      return stepRelease(state, input, output, anytime)
    case 'fenced-write':
      return stepFencedWrite(state, input, output, anytime)
    case 'holder':
      return stepHolder(state, input.name, output, anytime)
    case 'expire': {
      const { matches, state: matched } = matchHolder(state, input.name, input.token)
      return accept(matches ? withHolder(matched, input.name, undefined) : state)
    }
  }
}

function describeLockOperation(input: LockInput, output: LockOutput | UnknownOutput): string {
  const call =
    'token' in input ? `${input.type}(${JSON.stringify(input.name)}, #${input.token})` : `${input.type}(${JSON.stringify(input.name)})`
  if (isUnknownOutput(output)) return `${call} → ?`
  if ('granted' in output) return `${call} → ${output.granted ? `granted #${output.token}` : 'not granted'}`
  if ('holder' in output) return `${call} → ${output.holder === undefined ? 'free' : `#${output.holder.token}`}`
  if ('ok' in output) return `${call} → ${output.ok ? 'ok' : output.reason}`
  return `${call} → ${output.released === undefined ? 'done' : output.released ? 'released' : 'not held'}`
}

function describeLockState(state: LockState): string {
  const holders = [...state.holders].map(([name, holder]) => `${name}: ${holder === 'unknown' ? '#?' : `#${holder}`}`)
  return `{${holders.join(', ')}} last #${state.lastToken}`
}

export function createLockModel(options: LockModelOptions): Model<LockState, LockInput, LockOutput> {
  const anytime = options.expiry === 'anytime'
  const model: Model<LockState, LockInput, LockOutput> = {
    name: `lock(${options.expiry})`,
    init: () => ({ holders: new Map(), lastToken: 0 }),
    step: (state, input, output) => stepLock(state, input, output, anytime),
    hash: (state) =>
      `${state.lastToken}|${JSON.stringify([...state.holders].sort(([left], [right]) => (left < right ? -1 : left > right ? 1 : 0)))}`,
    // Refusals change nothing, except in anytime mode where they may reveal an unrecorded expiry.
    isReadOnly: (input, output) =>
      ('granted' in output && !output.granted) ||
      (!anytime && input.type === 'fenced-write' && 'ok' in output && !output.ok) ||
      (!anytime && input.type === 'release' && 'released' in output && output.released === false),
    describeOperation: describeLockOperation,
    describeState: describeLockState,
  }
  if (options.partitionByName !== false) {
    model.partition = (history) => partitionBy(history, (operation) => operation.input.name)
  }
  return model
}
