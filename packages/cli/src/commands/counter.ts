import type { CounterAddOptions } from '@clustron/client'
import { argument, durationOption, integerOption, parseInteger, type CommandSpec } from '../command.js'
import { exitCodes } from '../exit-codes.js'

export const counterGroup = {
  name: 'counter',
  summary: 'atomic integer counters',
  description: 'Counters are ordinary keys holding an integer: get, watch and list see them too.',
}

export const counterAddCommand: CommandSpec = {
  path: ['counter', 'add'],
  summary: 'add to a counter (default 1) and print the new value',
  args: [
    { name: '<key>', required: true },
    { name: '[delta]', required: false },
  ],
  options: {
    min: { type: 'string', value: '<n>', help: 'refuse (exit 1, unchanged) if the result would be below n' },
    max: { type: 'string', value: '<n>', help: 'refuse (exit 1, unchanged) if the result would be above n' },
    ttl: { type: 'string', value: '<duration>', help: 'TTL set when the counter gets one (created, or had none): a fixed window' },
  },
  description: 'A missing key counts as 0. If --min/--max would be passed, nothing changes, the current value\nis printed and clustron exits with 1 (a rate limit hit, a pool empty).',
  examples: ['clustron counter add page-views', 'clustron counter add stock/sku-1 -1 --min 0 || echo "sold out"', 'clustron counter add rate/ip-1 --max 100 --ttl 1m'],
  async run(context) {
    const key = argument(context, 0)
    const delta = context.args[1] === undefined ? 1 : parseInteger(context.args[1], '[delta]')
    const options: CounterAddOptions = {}
    const min = integerOption(context, 'min')
    const max = integerOption(context, 'max')
    const ttlMs = durationOption(context, 'ttl')
    if (min !== undefined) options.min = min
    if (max !== undefined) options.max = max
    if (ttlMs !== undefined) options.ttlMs = ttlMs
    const result = await (await context.store()).counters.add(key, delta, options)
    if (context.globals.json) context.printJson(result)
    else context.print(String(result.value))
    if (result.ok) return exitCodes.ok
    const bound = delta < 0 ? `--min ${String(min)}` : `--max ${String(max)}`
    context.warn(`counter '${key}' not changed: ${result.value} ${delta < 0 ? '-' : '+'} ${Math.abs(delta)} would pass ${bound}`)
    return exitCodes.notFound
  },
}

export const counterGetCommand: CommandSpec = {
  path: ['counter', 'get'],
  summary: "print a counter's value (0 when missing)",
  args: [{ name: '<key>', required: true }],
  description: 'A key holding something other than an integer fails with TYPE_MISMATCH (exit 4).',
  examples: ['clustron counter get page-views'],
  async run(context) {
    const value = await (await context.store()).counters.get(argument(context, 0))
    if (context.globals.json) context.printJson({ value })
    else context.print(String(value))
    return exitCodes.ok
  },
}

export const counterSetCommand: CommandSpec = {
  path: ['counter', 'set'],
  summary: 'set a counter and print the previous value',
  args: [
    { name: '<key>', required: true },
    { name: '<value>', required: true },
  ],
  examples: ['clustron counter set page-views 0', 'clustron counter set stock/sku-1 250 --json'],
  async run(context) {
    const key = argument(context, 0)
    const value = parseInteger(argument(context, 1), '<value>')
    const previous = await (await context.store()).counters.set(key, value)
    if (context.globals.json) context.printJson({ value, previous })
    else context.print(`${value} (was ${previous})`)
    return exitCodes.ok
  },
}
