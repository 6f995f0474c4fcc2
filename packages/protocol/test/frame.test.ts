import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { FrameError, decodeFrame, encodeMessage, joinFrame, packFrames, parseClientMessage } from '../src/index.js'

describe('frames', () => {
  it('joins separately encoded messages into one msgpack array', () => {
    for (const count of [0, 1, 15, 16, 300, 70_000]) {
      const messages = Array.from({ length: count }, (_, id) => ({ type: 'ping', id }))
      const frame = joinFrame(messages.map(encodeMessage))
      expect(decodeFrame(frame)).toEqual(messages)
    }
  })

  it('omits undefined optional fields and keeps bytes as bytes', () => {
    const [message] = decodeFrame(joinFrame([encodeMessage({ type: 'write', id: 1, command: { type: 'put', key: 'k', value: new Uint8Array([1, 2]), ttlMs: undefined } })]))
    expect(message).toEqual({ type: 'write', id: 1, command: { type: 'put', key: 'k', value: new Uint8Array([1, 2]) } })
    expect(Object.keys((message as { command: object }).command)).toEqual(['type', 'key', 'value'])
    expect(parseClientMessage(message).ok).toBe(true)
  })

  it('splits messages into frames within the limit, in order', () => {
    const messages = Array.from({ length: 100 }, (_, id) => encodeMessage({ type: 'ping', id, pad: 'x'.repeat(id) }))
    const frames = packFrames(messages, 512)
    expect(frames.length).toBeGreaterThan(1)
    for (const frame of frames) expect(frame.length).toBeLessThanOrEqual(512)
    expect(frames.flatMap((frame) => decodeFrame(frame) as { id: number }[]).map((message) => message.id)).toEqual(messages.map((_, id) => id))
  })

  it('rejects frames that are not msgpack arrays with FrameError', () => {
    for (const bad of [new Uint8Array([]), new Uint8Array([0xc1]), encodeMessage({ type: 'ping', id: 1 }), encodeMessage('text'), new Uint8Array([0x92, 0x01])]) {
      expect(() => decodeFrame(bad)).toThrow(FrameError)
    }
  })

  it('never throws anything but FrameError on random bytes, and every message parses to a verdict', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 256 }), (bytes) => {
        let messages: unknown[]
        try {
          messages = decodeFrame(bytes)
        } catch (error) {
          expect(error).toBeInstanceOf(FrameError)
          return
        }
        for (const message of messages) {
          const parsed = parseClientMessage(message)
          if (!parsed.ok) expect(parsed.error.code).toBe('INVALID_ARGUMENT')
        }
      }),
      { numRuns: 2000 },
    )
  })

  it('gives a verdict for any structured value a hostile client could send', () => {
    fc.assert(
      fc.property(fc.anything({ withTypedArray: true, withDate: true, withMap: true, withSet: true, withBigInt: true }), (value) => {
        const parsed = parseClientMessage(value)
        if (!parsed.ok) {
          expect(parsed.error.code).toBe('INVALID_ARGUMENT')
          if (parsed.id !== undefined) expect(Number.isSafeInteger(parsed.id)).toBe(true)
        }
      }),
      { numRuns: 2000 },
    )
  })
})
