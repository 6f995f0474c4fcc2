import type { WatchEvent, WatchOptions } from '@clustron/client'
import { argument, flag, integerOption, type CommandSpec, type Context } from '../command.js'
import { exitCodes } from '../exit-codes.js'
import { entryJson } from '../format.js'
import type { JsonValue } from '../typed-json.js'
import { displayValue, toTypedJson } from '../typed-json.js'

export const watchCommand: CommandSpec = {
  path: ['watch'],
  summary: 'stream changes to a key or a prefix until Ctrl-C',
  args: [{ name: '<key>', required: true }],
  options: {
    prefix: { type: 'boolean', help: 'watch every key starting with <key>' },
    'from-revision': { type: 'string', value: '<n>', help: 'first replay retained changes with revision >= n (resume where you left off)' },
    initial: { type: 'boolean', help: 'first print the current matching entries as puts' },
    prev: { type: 'boolean', help: 'include the previous value of each changed key' },
    count: { type: 'string', value: '<n>', help: 'exit 0 after n events' },
  },
  description:
    'One line per change: `[rev <n>] put <key> <value>` or `[rev <n>] delete <key> (<reason>)`; with --json\none JSON object per line ({type, key, value, version, revision, reason, prev}). Events come in\nrevision order with no gaps or repeats, also across reconnects and leader changes: the client\nresumes from the last revision it printed. Ctrl-C ends the watch with exit code 0. A revision\nolder than the store retains fails with COMPACTED (exit 4).',
  examples: ['clustron watch config/ --prefix', 'clustron watch jobs/ --prefix --json | jq -c .', 'clustron watch leader --count 1   # wait for the next change', 'clustron watch orders/ --prefix --from-revision 1200'],
  handlesInterrupt: true,
  async run(context) {
    const key = argument(context, 0)
    const fromRevision = integerOption(context, 'from-revision', { min: 1 })
    const count = integerOption(context, 'count', { min: 1 })
    const options: WatchOptions = { prefix: flag(context, 'prefix'), initial: flag(context, 'initial'), prevValue: flag(context, 'prev'), signal: context.signal }
    if (fromRevision !== undefined) options.fromRevision = fromRevision
    const store = await untilAborted(context.store(), context.signal)
    if (store === undefined) return exitCodes.ok
    const watch = store.watch(key, options)
    let seen = 0
    for await (const event of watch) {
      if (context.globals.json) context.printJson(eventJson(event))
      else context.print(eventLine(event))
      if (count !== undefined && ++seen >= count) {
        watch.close()
        break
      }
    }
    return exitCodes.ok
  },
}

function eventLine(event: WatchEvent): string {
  const value = (data: unknown) => displayValue(data).replace(/\r?\n/g, '\\n')
  const prev = event.prev === undefined ? '' : `  (was ${value(event.prev.value)})`
  if (event.type === 'put') return `[rev ${event.revision}] put ${event.key} ${value(event.value)}${prev}`
  return `[rev ${event.revision}] delete ${event.key} (${event.reason ?? 'deleted'})${prev}`
}

function eventJson(event: WatchEvent): JsonValue {
  const out: Record<string, JsonValue> = { type: event.type, key: event.key }
  if (event.type === 'put') out.value = toTypedJson(event.value)
  out.version = event.version
  out.revision = event.revision
  if (event.reason !== undefined) out.reason = event.reason
  if (event.prev !== undefined) out.prev = entryJson(event.prev)
  return out
}

/** `promise`, or undefined as soon as `signal` aborts (Ctrl-C while still connecting). */
export function untilAborted<T>(promise: Promise<T>, signal: AbortSignal): Promise<T | undefined> {
  if (signal.aborted) {
    promise.catch(() => undefined)
    return Promise.resolve(undefined)
  }
  return new Promise<T | undefined>((resolve, reject) => {
    const onAbort = () => resolve(undefined)
    signal.addEventListener('abort', onAbort, { once: true })
    promise.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort))
  })
}

export type { Context }
