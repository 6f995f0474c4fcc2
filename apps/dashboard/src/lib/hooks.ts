import { useEffect, useRef, useState } from 'preact/hooks'
import type { LiveState, Monitor } from './monitor.js'

/** The monitor's state, re-rendering on every change. */
export function useLive(monitor: Monitor): LiveState {
  const [state, setState] = useState(monitor.state)
  useEffect(() => {
    setState(monitor.state)
    return monitor.subscribe(setState)
  }, [monitor])
  return state
}

/** The page clock, ticking every `periodMs` (TTL countdowns, "seen 3s ago"). */
export function useNow(periodMs = 1_000): number {
  const [now, setNow] = useState(Date.now())
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), periodMs)
    return () => clearInterval(timer)
  }, [periodMs])
  return now
}

/** The content width of an element, following resizes (charts draw to it). */
export function useWidth<E extends Element>(fallback: number): [{ current: E | null }, number] {
  const ref = useRef<E>(null)
  const [width, setWidth] = useState(fallback)
  useEffect(() => {
    const element = ref.current
    if (element === null) return
    const observer = new ResizeObserver((entries) => {
      const measured = entries[0]?.contentRect.width
      if (measured !== undefined && measured > 0) setWidth(Math.floor(measured))
    })
    observer.observe(element)
    return () => observer.disconnect()
  }, [])
  return [ref, width]
}

/**
 * Runs `load` now and every `periodMs` while mounted and `enabled`, one call at a time; keeps the
 * last answer and the last error. `key` restarts it (another store, another connection).
 */
export function usePoll<T>(load: () => Promise<T>, periodMs: number, key: unknown, enabled = true): { value?: T; error?: unknown; reload: () => void } {
  const [result, setResult] = useState<{ value?: T; error?: unknown }>({})
  const [generation, setGeneration] = useState(0)
  const loadRef = useRef(load)
  loadRef.current = load
  const keyRef = useRef(key)
  useEffect(() => {
    if (!enabled) return
    let stopped = false
    let timer: ReturnType<typeof setTimeout> | undefined
    // Another store: forget the last answer. A reload keeps it on screen until the new one comes.
    if (keyRef.current !== key) setResult({})
    keyRef.current = key
    const run = async () => {
      try {
        const value = await loadRef.current()
        if (!stopped) setResult({ value })
      } catch (error) {
        if (!stopped) setResult((before) => ({ ...before, error }))
      }
      if (!stopped) timer = setTimeout(() => void run(), periodMs)
    }
    void run()
    return () => {
      stopped = true
      if (timer !== undefined) clearTimeout(timer)
    }
  }, [key, periodMs, enabled, generation])
  return { ...result, reload: () => setGeneration((value) => value + 1) }
}
