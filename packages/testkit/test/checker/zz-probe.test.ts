import { it } from 'vitest'
import { checkOperations, createKvRegisterModel } from '../../src/checker/index.js'
import { generateRegisterHistory } from './generate.js'
it('probe', () => {
  const kv = createKvRegisterModel()
  for (const [n, keys, clients, unknown, latency] of [[10000,10,8,0.02,20],[10000,1,8,0.005,20],[5000,1,16,0,20],[5000,1,16,0.01,20],[5000,1,32,0,20],[5000,1,32,0.01,20],[10000,1,64,0.005,20]] as const) {
    const history = generateRegisterHistory({ operationCount: n, keyCount: keys, clientCount: clients, seed: 1, unknownRate: unknown, latencyMaxMs: latency })
    const t = performance.now()
    const r = checkOperations(kv, history, { timeoutMs: 30000 })
    console.log(n, keys, clients, unknown, r.result, (performance.now()-t).toFixed(0), 'ms', r.partitions.reduce((a,p)=>a+p.searchSteps,0))
  }
}, 300000)
