import { encodeData } from '@clustron/core/internal'
import { describe, expect, it } from 'vitest'
import { decodeSnapshotPayload, encodeSnapshotPayload } from '../../src/replica/raft/log-codec.js'

describe('snapshot payload framing', () => {
  it.each([0, 1, 255, 256, 65_535, 65_536, 300_000])('writes the bytes msgpackr writes for a %i-byte machine snapshot', (size) => {
    const machine = new Uint8Array(size).map((_, index) => index % 251)
    const members = { n1: '127.0.0.1:7861', n2: '127.0.0.1:7862' }
    const bytes = encodeSnapshotPayload({ machine, members })
    expect(Buffer.from(bytes).equals(Buffer.from(encodeData([machine, members])))).toBe(true)
    const decoded = decodeSnapshotPayload(bytes)
    expect(Buffer.from(decoded.machine).equals(Buffer.from(machine))).toBe(true)
    expect(decoded.members).toEqual(members)
  })
})
