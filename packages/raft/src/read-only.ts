import type { NodeId } from './types.js'

/** A read index request waiting for a quorum of heartbeat acknowledgements. */
export interface PendingRead {
  /** The commit index when the request arrived: the read may be served once it is applied. */
  index: number
  context: Uint8Array
  /** Who asked: the leader itself or a follower that forwarded the request. */
  from: NodeId
  acknowledgers: Set<NodeId>
}

/** A stable string key for a read context (contexts are bytes; Maps compare them by identity). */
export function contextKey(context: Uint8Array): string {
  let key = ''
  for (const byte of context) key += byte.toString(16).padStart(2, '0')
  return key
}

/**
 * The leader's queue of read index requests (the ReadIndex protocol of the Raft thesis §6.4). Each request
 * records the commit index on arrival and is released once a quorum acknowledges a heartbeat sent after it,
 * which proves no newer leader existed at that moment. Releasing one request releases every older one.
 */
export class ReadOnlyQueue {
  private readonly pending = new Map<string, PendingRead>()
  private queue: string[] = []

  constructor(readonly maxPendingReads: number) {}

  size(): number {
    return this.queue.length
  }

  isFull(): boolean {
    return this.queue.length >= this.maxPendingReads
  }

  /** Adds a request; a duplicate context is ignored (the caller answers it with the first). */
  add(index: number, context: Uint8Array, from: NodeId): boolean {
    const key = contextKey(context)
    if (this.pending.has(key)) return false
    this.pending.set(key, { index, context, from, acknowledgers: new Set() })
    this.queue.push(key)
    return true
  }

  /** Records an acknowledgement of the heartbeat carrying `context`; returns how many acknowledged it. */
  acknowledge(context: Uint8Array, from: NodeId, isVoter: (id: NodeId) => boolean): number {
    const read = this.pending.get(contextKey(context))
    if (read === undefined) return 0
    if (isVoter(from)) read.acknowledgers.add(from)
    return read.acknowledgers.size
  }

  /** Releases the request with `context` and every request queued before it. */
  release(context: Uint8Array): PendingRead[] {
    const key = contextKey(context)
    const position = this.queue.indexOf(key)
    if (position < 0) return []
    const released = this.queue.slice(0, position + 1).map((releasedKey) => this.pending.get(releasedKey)!)
    for (const releasedKey of this.queue.slice(0, position + 1)) this.pending.delete(releasedKey)
    this.queue = this.queue.slice(position + 1)
    return released
  }

  /** Context of the newest request, sent along with heartbeats so a quorum can confirm all pending reads. */
  lastContext(): Uint8Array | undefined {
    const key = this.queue[this.queue.length - 1]
    return key === undefined ? undefined : this.pending.get(key)!.context
  }

  clear(): void {
    this.pending.clear()
    this.queue = []
  }
}
