import { connect, ManualClock, type Store } from '@clustron/client'
import { dropInProcStore } from '@clustron/core/internal'
import { describeConformance } from '../src/conformance/index.js'

let sequence = 0

describeConformance({
  name: 'inproc',
  manualTime: true,
  async fixture() {
    const store = `conformance-${process.pid}-${++sequence}`
    const clock = new ManualClock()
    const handles: Store[] = []
    return {
      clock,
      async connect() {
        const handle = await connect({ mode: 'inproc', store, clock, limits: { watchHistoryRevisions: 10 } })
        handles.push(handle)
        return handle
      },
      async advance(ms) {
        clock.advance(ms)
      },
      async close() {
        await Promise.allSettled(handles.map((handle) => handle.close()))
        dropInProcStore(store)
      },
    }
  },
})
