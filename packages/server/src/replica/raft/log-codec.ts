import { InternalError } from '@clustron/core'
import { decodeData, encodeData, type Command } from '@clustron/core/internal'

/**
 * What a replicated store writes into Raft entries and snapshots. A normal entry carries a batch of
 * commands proposed in one turn by one proposer, with the proposer's time: every replica applies
 * each command with that `now`, so expiry and TTL arithmetic agree everywhere.
 */
export interface ProposalBatch {
  /** The proposing process: node id and incarnation (only it resolves the callers' promises). */
  proposer: string
  /** The leader's clock when it proposed: the `now` of every command of the batch. */
  now: number
  /** [proposal id, command] pairs, applied in order. */
  commands: [number, Command][]
}

/** Snapshot data: the machine's snapshot plus what the cluster needs besides Raft's ConfState. */
export interface SnapshotPayload {
  machine: Uint8Array
  /** Node id → peer address (host:port) of every member known at the snapshot. */
  members: Record<string, string>
}

export function encodeBatch(batch: ProposalBatch): Uint8Array {
  return encodeData([batch.proposer, batch.now, batch.commands])
}

export function decodeBatch(bytes: Uint8Array): ProposalBatch {
  const decoded = decodeData<unknown>(bytes)
  if (!Array.isArray(decoded) || decoded.length !== 3 || typeof decoded[0] !== 'string' || typeof decoded[1] !== 'number' || !Array.isArray(decoded[2])) {
    throw new InternalError('a log entry does not hold a proposal batch: the log is corrupt or from an incompatible version')
  }
  return { proposer: decoded[0], now: decoded[1], commands: decoded[2] as [number, Command][] }
}

/**
 * The msgpack array [bin machine, map members], framed by hand: msgpackr grows its output buffer in
 * steps of 1.25× past 64 MiB, so packing a 400 MB machine snapshot copied it about ten times
 * (seconds of a blocked loop on the leader). Here it is copied once, into a buffer of the exact size.
 * The bytes are the ones msgpackr writes (decodeSnapshotPayload reads both).
 */
export function encodeSnapshotPayload(payload: SnapshotPayload): Uint8Array {
  const machine = payload.machine
  const members = encodeData(payload.members)
  const length = machine.length
  const header = length < 0x100 ? 2 : length < 0x10000 ? 3 : 5
  const bytes = Buffer.allocUnsafe(1 + header + length + members.length)
  bytes[0] = 0x92
  if (header === 2) {
    bytes[1] = 0xc4
    bytes.writeUInt8(length, 2)
  } else if (header === 3) {
    bytes[1] = 0xc5
    bytes.writeUInt16BE(length, 2)
  } else {
    bytes[1] = 0xc6
    bytes.writeUInt32BE(length, 2)
  }
  bytes.set(machine, 1 + header)
  bytes.set(members, 1 + header + length)
  return bytes
}

export function decodeSnapshotPayload(bytes: Uint8Array): SnapshotPayload {
  const decoded = decodeData<unknown>(bytes)
  if (!Array.isArray(decoded) || !(decoded[0] instanceof Uint8Array) || typeof decoded[1] !== 'object' || decoded[1] === null) {
    throw new InternalError('a snapshot does not hold a store snapshot: it is corrupt or from an incompatible version')
  }
  return { machine: decoded[0], members: decoded[1] as Record<string, string> }
}

/** Conf change context: the address of the node being added. */
export function encodeMemberContext(address: string): Uint8Array {
  return encodeData({ address })
}

export function decodeMemberContext(bytes: Uint8Array | undefined): string | undefined {
  if (bytes === undefined || bytes.length === 0) return undefined
  const decoded = decodeData<{ address?: unknown }>(bytes)
  return typeof decoded?.address === 'string' ? decoded.address : undefined
}
