import { assert } from './errors.js'
import type { ConfChange } from './types.js'

/**
 * Binary form of a ConfChange stored as the data of a 'confChange' entry:
 * [version=1][type code][nodeId length: u16 big-endian][nodeId UTF-8][hasContext 0|1][context bytes...]
 * A fixed layout (not JSON) keeps the bytes identical on every replica and independent of key order.
 */
const formatVersion = 1
const typeCodes = { addVoter: 1, addLearner: 2, removeNode: 3 } as const
const typesByCode: ReadonlyArray<ConfChange['type'] | undefined> = [undefined, 'addVoter', 'addLearner', 'removeNode']

const textEncoder = new TextEncoder()
const textDecoder = new TextDecoder('utf-8', { fatal: true })

export function encodeConfChange(change: ConfChange): Uint8Array {
  const nodeId = textEncoder.encode(change.nodeId)
  assert(nodeId.byteLength <= 0xffff, 'conf change node id is too long')
  const context = change.context ?? new Uint8Array(0)
  const bytes = new Uint8Array(5 + nodeId.byteLength + context.byteLength)
  bytes[0] = formatVersion
  bytes[1] = typeCodes[change.type]
  bytes[2] = nodeId.byteLength >>> 8
  bytes[3] = nodeId.byteLength & 0xff
  bytes.set(nodeId, 4)
  bytes[4 + nodeId.byteLength] = change.context === undefined ? 0 : 1
  bytes.set(context, 5 + nodeId.byteLength)
  return bytes
}

/** Decodes the data of a 'confChange' entry. Throws AssertionError on bytes not made by encodeConfChange. */
export function decodeConfChange(bytes: Uint8Array): ConfChange {
  assert(bytes.byteLength >= 5 && bytes[0] === formatVersion, 'not an encoded conf change')
  const type = typesByCode[bytes[1]!]
  assert(type !== undefined, () => `unknown conf change type code ${bytes[1]}`)
  const nodeIdBytes = (bytes[2]! << 8) | bytes[3]!
  assert(bytes.byteLength >= 5 + nodeIdBytes, 'truncated conf change')
  const nodeId = textDecoder.decode(bytes.subarray(4, 4 + nodeIdBytes))
  const hasContext = bytes[4 + nodeIdBytes] === 1
  const change: ConfChange = { type, nodeId }
  if (hasContext) change.context = bytes.slice(5 + nodeIdBytes)
  return change
}
