import { decodeValue } from '../../src/codec.js'
import type { Notice, RawEntry, RawWatchEvent } from '../../src/machine/types.js'

/**
 * Text forms of the machine's data for the scripted tests (testdata/*.txt). Every form is
 * deterministic and round-trips the distinctions a test cares about: a string value is always
 * quoted ("5" vs 5), a bigint ends in n, non-ASCII characters are escaped (\uXXXX) so that keys
 * such as U+E000 and U+FFFF stay visible in the files.
 */

/** JSON string with every character outside printable ASCII escaped as \uXXXX (surrogates too). */
export function quote(text: string): string {
  let out = '"'
  for (let index = 0; index < text.length; index++) {
    const code = text.charCodeAt(index)
    const character = text[index]!
    if (character === '"' || character === '\\') out += '\\' + character
    else if (code < 0x20 || code > 0x7e) out += '\\u' + code.toString(16).padStart(4, '0')
    else out += character
  }
  return out + '"'
}

const bareKey = /^[A-Za-z0-9_./:*+@!-]+$/

/** A key or name: bare when it is plain ASCII without separators, else quoted. */
export function renderKey(key: string): string {
  return bareKey.test(key) && !key.startsWith('@') ? key : quote(key)
}

/** A decoded value in a JSON-like form that keeps the codec's types apart. */
export function show(value: unknown): string {
  if (value === undefined) return 'undefined'
  if (value === null) return 'null'
  switch (typeof value) {
    case 'string':
      return quote(value)
    case 'number':
      return Object.is(value, -0) ? '-0' : String(value)
    case 'bigint':
      return `${value}n`
    case 'boolean':
      return String(value)
    case 'object':
      break
    default:
      return `<${typeof value}>`
  }
  if (value instanceof Uint8Array) return `@u8(${hex(value)})`
  if (value instanceof Date) return `@date(${value.getTime()})`
  if (Array.isArray(value)) return `[${value.map(show).join(',')}]`
  const fields = Object.entries(value as Record<string, unknown>).map(([key, item]) => `${quote(key)}:${show(item)}`)
  return `{${fields.join(',')}}`
}

export function hex(bytes: Uint8Array): string {
  let out = ''
  for (const byte of bytes) out += byte.toString(16).padStart(2, '0')
  return out
}

/** Encoded value bytes as their decoded value; bytes that are not msgpack show as raw hex. */
export function showBytes(bytes: Uint8Array): string {
  if (bytes.length === 0) return '<empty>'
  try {
    return show(decodeValue(bytes))
  } catch {
    return `@raw(${hex(bytes)})`
  }
}

/** `a="x" v2 c1 m3 lease=1 exp=2000`: key=value, version, createRevision, modRevision, lease, expiresAt. */
export function renderEntry(entry: RawEntry, keysOnly = false): string {
  let out = keysOnly ? `${renderKey(entry.key)} v${entry.version}` : `${renderKey(entry.key)}=${showBytes(entry.value)} v${entry.version}`
  out += ` c${entry.createRevision} m${entry.modRevision}`
  if (entry.lease !== undefined) out += ` lease=${entry.lease}`
  if (entry.expiresAt !== undefined) out += ` exp=${entry.expiresAt}`
  return out
}

/** `event put a="x" v1 r1 prev={...}` / `event delete a v0 r2 reason=expired prev={...}`. */
export function renderEvent(event: RawWatchEvent): string {
  const head = event.type === 'put' ? `${renderKey(event.key)}=${event.value === undefined ? '<no value>' : showBytes(event.value)}` : renderKey(event.key)
  let out = `event ${event.type} ${head} v${event.version} r${event.revision}`
  if (event.reason !== undefined) out += ` reason=${event.reason}`
  if (event.prev !== undefined) out += ` prev={${renderEntry(event.prev)}}`
  return out
}

export function renderNotice(notice: Notice): string {
  const { type, ...rest } = notice
  return `notice ${type} ${renderFields(rest)}`.trimEnd()
}

function isEntry(value: object): value is RawEntry {
  return 'key' in value && 'value' in value && 'version' in value && 'createRevision' in value && 'modRevision' in value
}

/** One field value inside a result: entries in braces, bytes decoded, strings bare when plain. */
export function renderField(value: unknown): string {
  if (value === undefined) return '<none>'
  if (value === null) return 'null'
  if (value instanceof Uint8Array) return showBytes(value)
  if (Array.isArray(value)) return `[${value.map(renderField).join(', ')}]`
  if (typeof value === 'object') return isEntry(value) ? `{${renderEntry(value)}}` : `{${renderFields(value as Record<string, unknown>)}}`
  if (typeof value === 'string') return bareKey.test(value) ? value : quote(value)
  if (typeof value === 'number' && value === Number.POSITIVE_INFINITY) return 'Infinity'
  return String(value)
}

/** `k=v k=v` for the own fields of a plain result object, in their order. */
export function renderFields(object: object): string {
  return Object.entries(object)
    .map(([key, value]) => `${key}=${renderField(value)}`)
    .join(' ')
}
