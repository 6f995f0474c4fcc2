/**
 * Errors of the public API (spec §9). Expected outcomes are values (`undefined`, `{ ok: false }`);
 * faults throw one of these classes. The `code` crosses the wire and the remote client rebuilds
 * the same class with {@link errorFromCode}, so `instanceof` and `code` checks work in both modes.
 */

export const errorCodes = [
  'INVALID_ARGUMENT',
  'TOO_LARGE',
  'TYPE_MISMATCH',
  'OUT_OF_RANGE',
  'NOT_FOUND',
  'LEASE_NOT_FOUND',
  'CONFLICT',
  'LOCK_TIMEOUT',
  'COMPACTED',
  'SLOW_CONSUMER',
  'UNAUTHENTICATED',
  'PERMISSION_DENIED',
  'UNAVAILABLE',
  'TIMEOUT',
  'CLOSED',
  'RESOURCE_EXHAUSTED',
  'INTERNAL',
] as const

export type ErrorCode = (typeof errorCodes)[number]

/** Plain data attached to an error; it crosses the wire with the code. */
export interface ErrorDetails {
  /** COMPACTED: the newest revision no longer retained. */
  compactRevision?: number
  /** RESOURCE_EXHAUSTED: when the caller may try again. */
  retryAfterMs?: number
  /** TOO_LARGE / RESOURCE_EXHAUSTED: the limit that was exceeded and the offending size. */
  limit?: number
  size?: number
  /** LEASE_NOT_FOUND: the lease id. */
  lease?: string
  /** UNAVAILABLE: the node that leads the store, when known. */
  leader?: string
}

export interface ClustronErrorOptions {
  cause?: unknown
  details?: ErrorDetails
}

/** Base class of every error the store throws. */
export class ClustronError extends Error {
  readonly code: ErrorCode
  /** Whether the same call may succeed if tried again later. */
  readonly retryable: boolean
  readonly details: ErrorDetails

  constructor(code: ErrorCode, message: string, options: ClustronErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause })
    this.name = 'ClustronError'
    this.code = code
    this.retryable = retryableCodes.has(code)
    this.details = options.details ?? {}
  }
}

const retryableCodes: ReadonlySet<ErrorCode> = new Set<ErrorCode>([
  'CONFLICT',
  'LOCK_TIMEOUT',
  'SLOW_CONSUMER',
  'UNAVAILABLE',
  'TIMEOUT',
  'RESOURCE_EXHAUSTED',
])

function define<C extends ErrorCode>(code: C, name: string) {
  const errorClass = class extends ClustronError {
    constructor(message: string, options?: ClustronErrorOptions) {
      super(code, message, options)
      this.name = name
    }
  }
  Object.defineProperty(errorClass, 'name', { value: name })
  return errorClass
}

export const InvalidArgumentError = define('INVALID_ARGUMENT', 'InvalidArgumentError')
export const TooLargeError = define('TOO_LARGE', 'TooLargeError')
export const TypeMismatchError = define('TYPE_MISMATCH', 'TypeMismatchError')
export const OutOfRangeError = define('OUT_OF_RANGE', 'OutOfRangeError')
export const NotFoundError = define('NOT_FOUND', 'NotFoundError')
export const LeaseNotFoundError = define('LEASE_NOT_FOUND', 'LeaseNotFoundError')
export const ConflictError = define('CONFLICT', 'ConflictError')
export const LockTimeoutError = define('LOCK_TIMEOUT', 'LockTimeoutError')
export const CompactedError = define('COMPACTED', 'CompactedError')
export const SlowConsumerError = define('SLOW_CONSUMER', 'SlowConsumerError')
export const UnauthenticatedError = define('UNAUTHENTICATED', 'UnauthenticatedError')
export const PermissionDeniedError = define('PERMISSION_DENIED', 'PermissionDeniedError')
export const UnavailableError = define('UNAVAILABLE', 'UnavailableError')
export const TimeoutError = define('TIMEOUT', 'TimeoutError')
export const ClosedError = define('CLOSED', 'ClosedError')
export const ResourceExhaustedError = define('RESOURCE_EXHAUSTED', 'ResourceExhaustedError')
export const InternalError = define('INTERNAL', 'InternalError')

export type InvalidArgumentError = InstanceType<typeof InvalidArgumentError>
export type TooLargeError = InstanceType<typeof TooLargeError>
export type TypeMismatchError = InstanceType<typeof TypeMismatchError>
export type OutOfRangeError = InstanceType<typeof OutOfRangeError>
export type NotFoundError = InstanceType<typeof NotFoundError>
export type LeaseNotFoundError = InstanceType<typeof LeaseNotFoundError>
export type ConflictError = InstanceType<typeof ConflictError>
export type LockTimeoutError = InstanceType<typeof LockTimeoutError>
export type CompactedError = InstanceType<typeof CompactedError>
export type SlowConsumerError = InstanceType<typeof SlowConsumerError>
export type UnauthenticatedError = InstanceType<typeof UnauthenticatedError>
export type PermissionDeniedError = InstanceType<typeof PermissionDeniedError>
export type UnavailableError = InstanceType<typeof UnavailableError>
export type TimeoutError = InstanceType<typeof TimeoutError>
export type ClosedError = InstanceType<typeof ClosedError>
export type ResourceExhaustedError = InstanceType<typeof ResourceExhaustedError>
export type InternalError = InstanceType<typeof InternalError>

const classByCode: Record<ErrorCode, new (message: string, options?: ClustronErrorOptions) => ClustronError> = {
  INVALID_ARGUMENT: InvalidArgumentError,
  TOO_LARGE: TooLargeError,
  TYPE_MISMATCH: TypeMismatchError,
  OUT_OF_RANGE: OutOfRangeError,
  NOT_FOUND: NotFoundError,
  LEASE_NOT_FOUND: LeaseNotFoundError,
  CONFLICT: ConflictError,
  LOCK_TIMEOUT: LockTimeoutError,
  COMPACTED: CompactedError,
  SLOW_CONSUMER: SlowConsumerError,
  UNAUTHENTICATED: UnauthenticatedError,
  PERMISSION_DENIED: PermissionDeniedError,
  UNAVAILABLE: UnavailableError,
  TIMEOUT: TimeoutError,
  CLOSED: ClosedError,
  RESOURCE_EXHAUSTED: ResourceExhaustedError,
  INTERNAL: InternalError,
}

export function isErrorCode(code: unknown): code is ErrorCode {
  return typeof code === 'string' && Object.hasOwn(classByCode, code)
}

/** Rebuilds the error class of a code (e.g. one that crossed the wire). Unknown codes become INTERNAL. */
export function errorFromCode(code: string, message: string, options?: ClustronErrorOptions): ClustronError {
  const errorClass = isErrorCode(code) ? classByCode[code] : InternalError
  return new errorClass(message, options)
}

/** The plain-data form of an error, as it crosses the wire or a replica boundary. */
export interface ErrorData {
  code: ErrorCode
  message: string
  details?: ErrorDetails
}

export function errorToData(error: unknown): ErrorData {
  if (error instanceof ClustronError) {
    return Object.keys(error.details).length === 0
      ? { code: error.code, message: error.message }
      : { code: error.code, message: error.message, details: error.details }
  }
  const message = error instanceof Error ? error.message : String(error)
  return { code: 'INTERNAL', message: `internal error: ${message}` }
}

export function errorFromData(data: ErrorData): ClustronError {
  return errorFromCode(data.code, data.message, data.details === undefined ? {} : { details: data.details })
}
