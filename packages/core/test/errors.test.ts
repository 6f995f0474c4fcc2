import { describe, expect, it } from 'vitest'
import * as core from '../src/index.js'
import { ClustronError, errorCodes, errorFromCode, errorFromData, errorToData, isErrorCode, type ErrorCode } from '../src/errors.js'

/** Spec §9: the codes, their classes (by the public names), and which are worth retrying. */
const expected: Record<ErrorCode, { name: string; retryable: boolean }> = {
  INVALID_ARGUMENT: { name: 'InvalidArgumentError', retryable: false },
  TOO_LARGE: { name: 'TooLargeError', retryable: false },
  TYPE_MISMATCH: { name: 'TypeMismatchError', retryable: false },
  OUT_OF_RANGE: { name: 'OutOfRangeError', retryable: false },
  NOT_FOUND: { name: 'NotFoundError', retryable: false },
  LEASE_NOT_FOUND: { name: 'LeaseNotFoundError', retryable: false },
  CONFLICT: { name: 'ConflictError', retryable: true },
  LOCK_TIMEOUT: { name: 'LockTimeoutError', retryable: true },
  COMPACTED: { name: 'CompactedError', retryable: false },
  SLOW_CONSUMER: { name: 'SlowConsumerError', retryable: true },
  UNAUTHENTICATED: { name: 'UnauthenticatedError', retryable: false },
  PERMISSION_DENIED: { name: 'PermissionDeniedError', retryable: false },
  UNAVAILABLE: { name: 'UnavailableError', retryable: true },
  TIMEOUT: { name: 'TimeoutError', retryable: true },
  CLOSED: { name: 'ClosedError', retryable: false },
  RESOURCE_EXHAUSTED: { name: 'ResourceExhaustedError', retryable: true },
  INTERNAL: { name: 'InternalError', retryable: false },
}

describe('errors', () => {
  it('has exactly the codes of spec §9', () => {
    expect([...errorCodes].sort()).toEqual(Object.keys(expected).sort())
  })

  for (const code of errorCodes) {
    it(`errorFromCode('${code}') rebuilds the exported class with its code, name and retryability`, () => {
      const { name, retryable } = expected[code]
      const exported = (core as unknown as Record<string, unknown>)[name]
      expect(typeof exported).toBe('function')
      const cause = new Error('underneath')
      const error = errorFromCode(code, 'it failed', { cause, details: { limit: 3 } })
      expect(error).toBeInstanceOf(exported as new (...args: never[]) => unknown)
      expect(error).toBeInstanceOf(ClustronError)
      expect(error).toBeInstanceOf(Error)
      expect(error.code).toBe(code)
      expect(error.name).toBe(name)
      expect((exported as { name: string }).name).toBe(name)
      expect(error.retryable).toBe(retryable)
      expect(error.message).toBe('it failed')
      expect(error.cause).toBe(cause)
      expect(error.details).toEqual({ limit: 3 })
      expect(String(error)).toBe(`${name}: it failed`)
      // Across the wire: code, message and details survive; the class is rebuilt.
      const data = errorToData(error)
      expect(data).toEqual({ code, message: 'it failed', details: { limit: 3 } })
      const rebuilt = errorFromData(JSON.parse(JSON.stringify(data)) as typeof data)
      expect(rebuilt).toBeInstanceOf(exported as new (...args: never[]) => unknown)
      expect(rebuilt.details).toEqual({ limit: 3 })
    })
  }

  it('turns unknown codes and foreign errors into INTERNAL', () => {
    expect(isErrorCode('NOPE')).toBe(false)
    expect(isErrorCode('toString')).toBe(false)
    expect(isErrorCode('COMPACTED')).toBe(true)
    const unknown = errorFromCode('NOPE', 'strange')
    expect(unknown.code).toBe('INTERNAL')
    expect(unknown).toBeInstanceOf(core.InternalError)
    expect(errorToData(new TypeError('boom'))).toEqual({ code: 'INTERNAL', message: 'internal error: boom' })
    expect(errorToData('text')).toEqual({ code: 'INTERNAL', message: 'internal error: text' })
  })

  it('omits empty details on the wire and defaults them to {}', () => {
    const error = new core.CompactedError('gone')
    expect(error.details).toEqual({})
    expect(errorToData(error)).toEqual({ code: 'COMPACTED', message: 'gone' })
    expect(errorFromData({ code: 'COMPACTED', message: 'gone' }).details).toEqual({})
    expect(error.cause).toBeUndefined()
  })
})
