import type { Message } from '@clustron/raft'
import { describe, expect, it } from 'vitest'
import { EventLoop, Random, SimNetwork, calmNetwork } from '../../src/simulator/index.js'

function heartbeat(from: string, to: string, term = 1): Message {
  return { type: 'heartbeat', from, to, term, commit: 0, context: undefined }
}

function setup(down: Set<string> = new Set()) {
  const loop = new EventLoop()
  const received: string[] = []
  const network = new SimNetwork(loop, new Random(7), (message) => {
    if (down.has(message.to)) return false
    received.push(`${message.from}>${message.to}`)
    return true
  })
  const alive = () => true
  const sendAll = (pairs: [string, string][]) => network.send(pairs.map(([from, to]) => heartbeat(from, to)), alive)
  const run = () => loop.runUntil(() => false, Infinity)
  return { loop, network, received, sendAll, run }
}

const everyPair: [string, string][] = [
  ['a', 'b'], ['a', 'c'], ['b', 'a'], ['b', 'c'], ['c', 'a'], ['c', 'b'],
]

describe('fake network', () => {
  it('a full split cuts both directions between sides', async () => {
    const { network, received, sendAll, run } = setup()
    network.split([['a'], ['b', 'c']])
    sendAll(everyPair)
    await run()
    expect(received.sort()).toEqual(['b>c', 'c>b'])
  })

  it('an asymmetric cut drops a→b and still delivers b→a', async () => {
    const { network, received, sendAll, run } = setup()
    network.cutOneWay('a', 'b')
    sendAll([['a', 'b'], ['b', 'a']])
    await run()
    expect(received).toEqual(['b>a'])
  })

  it('a bridge node reaches both sides while the sides cannot reach each other', async () => {
    const { network, received, sendAll, run } = setup()
    network.bridge(['a', 'b'], ['b', 'c'], 'b')
    sendAll(everyPair)
    await run()
    expect(received.sort()).toEqual(['a>b', 'b>a', 'b>c', 'c>b'])
  })

  it('heal restores every link', async () => {
    const { network, received, sendAll, run } = setup()
    network.split([['a'], ['b'], ['c']])
    network.heal()
    sendAll(everyPair)
    await run()
    expect(received).toHaveLength(6)
  })

  it('reorders with delays, duplicates and loses messages at the configured rates', async () => {
    const { network, received, loop } = setup()
    network.conditions = { ...calmNetwork, lossRate: 0.2, duplicateRate: 0.1, tailRate: 0.5, tailMeanMs: 50 }
    const order: number[] = []
    const numbered = new SimNetwork(loop, new Random(3), (message) => {
      order.push(message.term)
      return true
    })
    numbered.conditions = network.conditions
    numbered.send(Array.from({ length: 2_000 }, (_, term) => heartbeat('a', 'b', term)), () => true)
    await loop.runUntil(() => false, Infinity)
    expect(received).toEqual([])
    expect(numbered.stats.dropped / 2_000).toBeCloseTo(0.2, 1)
    expect(numbered.stats.duplicated / 2_000).toBeCloseTo(0.08, 1)
    expect(new Set(order).size).toBeLessThan(order.length) // duplicates arrived
    expect(order.some((term, position) => position > 0 && term < order[position - 1]!)).toBe(true) // reordered
  })

  it('holds messages for a peer that is down and delivers them once it is back, unless the sender died', async () => {
    const down = new Set(['b'])
    const { network, received, run } = setup(down)
    network.holdRate = 1
    let senderAlive = true
    network.send([heartbeat('a', 'b')], () => true)
    network.send([heartbeat('c', 'b')], () => senderAlive)
    await run()
    expect(received).toEqual([])
    senderAlive = false
    down.delete('b')
    network.release('b')
    await run()
    expect(received).toEqual(['a>b'])
  })

  it('messages are copies: the receiver never shares objects with the sender', async () => {
    const loop = new EventLoop()
    const sent: Message = { type: 'appendEntries', from: 'a', to: 'b', term: 1, index: 0, logTerm: 0, commit: 0, entries: [{ index: 1, term: 1, type: 'normal', data: new Uint8Array([1]) }] }
    let got: Message | undefined
    const network = new SimNetwork(loop, new Random(1), (message) => ((got = message), true))
    network.send([sent], () => true)
    await loop.runUntil(() => false, Infinity)
    expect(got).toEqual(sent)
    expect(got).not.toBe(sent)
    expect(got?.type === 'appendEntries' && got.entries[0]!.data).not.toBe(sent.entries[0]!.data)
  })
})
