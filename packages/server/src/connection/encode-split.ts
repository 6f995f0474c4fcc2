import { encodeMessage } from '@clustron/protocol'

/**
 * Encodes `items` as one message, or, when that exceeds `messageBytesMax`, as several messages
 * over consecutive slices (halving until each fits). `make(slice, partial)` builds the message of
 * a slice; `continuesAfter(index)` says whether the item after `index` belongs with it (the same
 * revision), which makes that slice's message `partial`. Returns undefined when a single item
 * alone is too large.
 */
export function encodeSplit<T>(
  items: readonly T[],
  make: (slice: readonly T[], partial: boolean) => unknown,
  continuesAfter: (index: number) => boolean,
  messageBytesMax: number,
): Uint8Array[] | undefined {
  const out: Uint8Array[] = []
  const encodeRange = (start: number, end: number): boolean => {
    const slice = start === 0 && end === items.length ? items : items.slice(start, end)
    const bytes = encodeMessage(make(slice, end < items.length && continuesAfter(end - 1)))
    if (bytes.length <= messageBytesMax) {
      out.push(bytes)
      return true
    }
    if (end - start === 1) return false
    const middle = start + Math.ceil((end - start) / 2)
    return encodeRange(start, middle) && encodeRange(middle, end)
  }
  if (items.length === 0) {
    out.push(encodeMessage(make(items, false)))
    return out
  }
  return encodeRange(0, items.length) ? out : undefined
}
