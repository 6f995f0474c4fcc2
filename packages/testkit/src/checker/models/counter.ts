/**
 * A counter per key (api.md §6): add with optional bounds, get, set. A missing key counts as 0.
 * Partitioned per key.
 */
import { isUnknownOutput, type Model, type StepResult, type UnknownOutput } from '../history.js'
import { accept, partitionBy, reject } from './canonical.js'

export type CounterInput =
  | { type: 'add'; key: string; delta: number; min?: number; max?: number }
  | { type: 'get'; key: string }
  | { type: 'set'; key: string; value: number }

/** `ok: false`: the result would leave [min, max]; nothing changed and `value` is the current one. */
export type CounterAddOutput = { ok: true; value: number; previous: number } | { ok: false; value: number }

export interface CounterGetOutput {
  value: number
}

export interface CounterSetOutput {
  previous: number
}

export type CounterOutput = CounterAddOutput | CounterGetOutput | CounterSetOutput

function stepAdd(
  value: number,
  input: Extract<CounterInput, { type: 'add' }>,
  output: CounterOutput | UnknownOutput,
): StepResult<number> {
  const next = value + input.delta
  const inBounds = (input.min === undefined || next >= input.min) && (input.max === undefined || next <= input.max)
  if (isUnknownOutput(output)) return accept(inBounds ? next : value)
  if (!('ok' in output)) return reject(value)
  if (!output.ok) return !inBounds && output.value === value ? accept(value) : reject(value)
  return inBounds && output.value === next && output.previous === value ? accept(next) : reject(value)
}

function stepCounter(value: number, input: CounterInput, output: CounterOutput | UnknownOutput): StepResult<number> {
  switch (input.type) {
    case 'add':
      return stepAdd(value, input, output)
    case 'get':
      if (isUnknownOutput(output)) return accept(value)
      return 'value' in output && !('ok' in output) && output.value === value ? accept(value) : reject(value)
    case 'set':
      if (isUnknownOutput(output)) return accept(input.value)
      return 'previous' in output && !('ok' in output) && output.previous === value ? accept(input.value) : reject(value)
  }
}

function describeCounterInput(input: CounterInput): string {
  switch (input.type) {
    case 'add': {
      const bounds = [
        input.min === undefined ? '' : `min=${input.min}`,
        input.max === undefined ? '' : `max=${input.max}`,
      ].filter((text) => text !== '')
      return `add(${[JSON.stringify(input.key), String(input.delta), ...bounds].join(', ')})`
    }
    case 'get':
      return `get(${JSON.stringify(input.key)})`
    case 'set':
      return `set(${JSON.stringify(input.key)}, ${input.value})`
  }
}

function describeCounterOutput(output: CounterOutput | UnknownOutput): string {
  if (isUnknownOutput(output)) return '?'
  if ('ok' in output) return output.ok ? `ok ${output.previous}→${output.value}` : `bound hit at ${output.value}`
  if ('previous' in output) return `previous ${output.previous}`
  return String(output.value)
}

/** The state is the counter's value. */
export function createCounterModel(): Model<number, CounterInput, CounterOutput> {
  return {
    name: 'counter',
    init: () => 0,
    step: stepCounter,
    hash: (value) => String(value),
    partition: (history) => partitionBy(history, (operation) => operation.input.key),
    isReadOnly: (input, output) => input.type === 'get' || ('ok' in output && !output.ok),
    describeOperation: (input, output) => `${describeCounterInput(input)} → ${describeCounterOutput(output)}`,
    describeState: (value) => String(value),
  }
}
