/** One sample of a Prometheus text exposition: `name{label="value",...} 42`. */
export interface PromSample {
  name: string
  labels: Record<string, string>
  value: number
}

/** Upper bound on the lines read from one /metrics answer (a node exposes a few hundred). */
export const metricsLinesMax = 20_000

const samplePattern = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)(?:\s+\d+)?$/
const labelPattern = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g

/**
 * Reads the samples of the metrics named in `wanted` from Prometheus text (version 0.0.4), skipping
 * comments and every other metric. Enough for the few gauges the dashboard shows, not a full parser.
 */
export function parseMetrics(text: string, wanted: ReadonlySet<string>): PromSample[] {
  const out: PromSample[] = []
  const lines = text.split('\n', metricsLinesMax)
  for (const raw of lines) {
    const line = raw.trim()
    if (line === '' || line.startsWith('#')) continue
    const match = samplePattern.exec(line)
    if (match === null) continue
    const [, name = '', labelText = '', valueText = ''] = match
    if (!wanted.has(name)) continue
    const labels: Record<string, string> = {}
    for (const label of labelText.matchAll(labelPattern)) labels[label[1]!] = unescape(label[2]!)
    out.push({ name, labels, value: parseValue(valueText) })
  }
  return out
}

function parseValue(text: string): number {
  if (text === '+Inf') return Infinity
  if (text === '-Inf') return -Infinity
  return Number(text)
}

function unescape(value: string): string {
  return value.replace(/\\(.)/g, (_, character: string) => (character === 'n' ? '\n' : character))
}

/** The value of `name` for each store (`store` label), as this node reports it. */
export function gaugeByStore(samples: readonly PromSample[], name: string): Map<string, number> {
  const out = new Map<string, number>()
  for (const sample of samples) if (sample.name === name && sample.labels.store !== undefined) out.set(sample.labels.store, sample.value)
  return out
}
