import { useWidth } from '../lib/hooks.js'

export interface Series {
  name: string
  /** A CSS color (a var() of the palette). */
  color: string
  /** One value per point of `times`; undefined leaves a gap. */
  values: readonly (number | undefined)[]
}

export interface LineChartProps {
  title: string
  /** Epoch ms of each point (the node's clock). */
  times: readonly number[]
  series: readonly Series[]
  windowMs: number
  format: (value: number) => string
  height?: number
  /** Shown when there is no point yet. */
  empty?: string
}

const margin = { top: 8, right: 12, bottom: 22, left: 56 }

/**
 * A small live line chart drawn as SVG: nice y ticks, a time axis ending at the newest point, gaps
 * where a value is missing, the latest values in the legend. Hand-drawn: the dashboard needs lines
 * and a grid, not a charting library (see README).
 */
export function LineChart({ title, times, series, windowMs, format, height = 170, empty = 'Collecting samples…' }: LineChartProps) {
  const [ref, width] = useWidth<HTMLDivElement>(480)
  const plotWidth = Math.max(40, width - margin.left - margin.right)
  const plotHeight = height - margin.top - margin.bottom
  const end = times.at(-1) ?? 0
  const start = end - windowMs
  let max = 0
  for (const one of series) for (const value of one.values) if (value !== undefined && Number.isFinite(value)) max = Math.max(max, value)
  const ticks = niceTicks(max)
  const top = ticks.at(-1) ?? 1
  const x = (time: number) => margin.left + ((time - start) / windowMs) * plotWidth
  const y = (value: number) => margin.top + plotHeight - (value / top) * plotHeight
  return (
    <figure class="chart" ref={ref}>
      <figcaption>
        <span class="chart-title">{title}</span>
        <span class="chart-legend">
          {series.map((one) => (
            <span class="legend-item" key={one.name}>
              <i style={{ background: one.color }} />
              {one.name} <b>{lastValue(one.values, format)}</b>
            </span>
          ))}
        </span>
      </figcaption>
      <svg width={width} height={height} role="img" aria-label={title}>
        {ticks.map((tick) => (
          <g key={tick}>
            <line class="grid" x1={margin.left} x2={margin.left + plotWidth} y1={y(tick)} y2={y(tick)} />
            <text class="axis" x={margin.left - 8} y={y(tick) + 4} text-anchor="end">{format(tick)}</text>
          </g>
        ))}
        {[0, 0.5, 1].map((fraction) => (
          <text key={fraction} class="axis" x={margin.left + fraction * plotWidth} y={height - 6} text-anchor={fraction === 0 ? 'start' : fraction === 1 ? 'end' : 'middle'}>
            {fraction === 1 ? 'now' : `−${Math.round(((1 - fraction) * windowMs) / 1000)}s`}
          </text>
        ))}
        {times.length < 2 ? (
          <text class="chart-empty" x={margin.left + plotWidth / 2} y={margin.top + plotHeight / 2} text-anchor="middle">{empty}</text>
        ) : (
          series.map((one, index) => {
            const path = linePath(times, one.values, x, y, start)
            return (
              <g key={one.name}>
                {index === 0 && <path d={areaPath(times, one.values, x, y, start, margin.top + plotHeight)} fill={one.color} class="area" />}
                <path d={path} stroke={one.color} class="line" />
              </g>
            )
          })
        )}
      </svg>
    </figure>
  )
}

function lastValue(values: readonly (number | undefined)[], format: (value: number) => string): string {
  for (let index = values.length - 1; index >= 0; index--) {
    const value = values[index]
    if (value !== undefined) return format(value)
  }
  return '—'
}

/** Up to five ticks from 0 at a step of 1, 2 or 5 × 10^k covering `max`. */
export function niceTicks(max: number): number[] {
  if (!(max > 0)) return [0, 1]
  const rough = max / 4
  const magnitude = 10 ** Math.floor(Math.log10(rough))
  const step = [1, 2, 5, 10].map((factor) => factor * magnitude).find((candidate) => candidate >= rough) ?? 10 * magnitude
  const ticks: number[] = []
  for (let tick = 0; tick < max + step * 0.999; tick += step) ticks.push(Number(tick.toPrecision(12)))
  return ticks.length < 2 ? [0, step] : ticks
}

type Scale = (value: number) => number

function segments(times: readonly number[], values: readonly (number | undefined)[], start: number): [number, number][][] {
  const out: [number, number][][] = []
  let current: [number, number][] = []
  for (let index = 0; index < times.length; index++) {
    const time = times[index]!
    const value = values[index]
    if (value === undefined || !Number.isFinite(value) || time < start) {
      if (current.length > 0) out.push(current)
      current = []
      continue
    }
    current.push([time, value])
  }
  if (current.length > 0) out.push(current)
  return out
}

function linePath(times: readonly number[], values: readonly (number | undefined)[], x: Scale, y: Scale, start: number): string {
  return segments(times, values, start)
    .map((points) => (points.length === 1 ? `M${x(points[0]![0]) - 1.5},${y(points[0]![1])}h3` : points.map(([time, value], index) => `${index === 0 ? 'M' : 'L'}${x(time).toFixed(1)},${y(value).toFixed(1)}`).join('')))
    .join('')
}

function areaPath(times: readonly number[], values: readonly (number | undefined)[], x: Scale, y: Scale, start: number, bottom: number): string {
  return segments(times, values, start)
    .filter((points) => points.length > 1)
    .map((points) => `M${x(points[0]![0]).toFixed(1)},${bottom}${points.map(([time, value]) => `L${x(time).toFixed(1)},${y(value).toFixed(1)}`).join('')}L${x(points.at(-1)![0]).toFixed(1)},${bottom}Z`)
    .join('')
}
