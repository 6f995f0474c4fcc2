import { it } from 'vitest'
import { checkOperations, createKvRegisterModel } from '../../src/checker/index.js'
import { generateRegisterHistory } from './generate.js'
it('illegal probe', () => {
  const kv = createKvRegisterModel()
  for (const [n, keys, clients, unknown, where] of [[3000,3,8,0.01,'last'],[3000,3,8,0.01,'middle'],[10000,10,8,0.005,'last'],[3000,3,8,0.03,'last'],[2000,1,16,0.01,'middle']] as const) {
    const history = generateRegisterHistory({ operationCount: n, keyCount: keys, clientCount: clients, seed: 5, unknownRate: unknown })
    const gets = history.map((item, index) => ({ item, index })).filter(({ item }) => item.input.type === 'get' && 'entry' in item.output && item.output.entry !== undefined)
    const pick = where === 'last' ? gets[gets.length - 1]! : gets[Math.floor(gets.length / 2)]!
    history[pick.index] = { ...pick.item, output: { entry: { value: 'stale', version: 1 } } }
    const t = performance.now()
    const r = checkOperations(kv, history, { timeoutMs: 30000 })
    console.log(n, keys, clients, unknown, where, r.result, (performance.now() - t).toFixed(0), 'ms', r.partitions.reduce((a, p) => a + p.searchSteps, 0))
  }
}, 300000)
