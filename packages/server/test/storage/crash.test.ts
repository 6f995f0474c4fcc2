import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { afterEach, describe, expect, it } from 'vitest'
import type { Entry } from '@clustron/raft'
import { makeSnapshot, openWithNotes, seededRandom, TemporaryDirectories } from './support.js'

const directories = new TemporaryDirectories()
afterEach(() => directories.cleanup())

const writerPath = fileURLToPath(new URL('./crash-writer.ts', import.meta.url))
const packageRoot = fileURLToPath(new URL('../..', import.meta.url))

interface Ack {
  lastIndex: number
  term: number
  commit: number
}

/** Runs crash-writer.ts until it has acknowledged `acksBeforeKill` syncs, then SIGKILLs it; returns every ack printed. */
function runUntilKilled(directory: string, seed: number, acksBeforeKill: number): Promise<Ack[]> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', writerPath, directory, String(seed)], { cwd: packageRoot, stdio: ['ignore', 'pipe', 'pipe'] })
    const acks: Ack[] = []
    let partial = ''
    let stderr = ''
    child.stdout.setEncoding('utf8')
    child.stdout.on('data', (chunk: string) => {
      const lines = (partial + chunk).split('\n')
      partial = lines.pop()!
      for (const line of lines) {
        const [word, lastIndex, term, commit] = line.split(' ')
        if (word === 'acked') acks.push({ lastIndex: Number(lastIndex), term: Number(term), commit: Number(commit) })
      }
      if (acks.length >= acksBeforeKill && child.exitCode === null) child.kill('SIGKILL')
    })
    child.stderr.on('data', (chunk: Buffer) => { stderr += chunk.toString() })
    child.on('error', reject)
    child.on('close', (code, signal) => {
      if (signal === 'SIGKILL') resolve(acks)
      else reject(new Error(`crash-writer exited with code ${code} before it was killed: ${stderr}`))
    })
  })
}

/** Data written by makeEntries: byte k is (index * 31 + term * 7 + k) & 0xff, whatever the length. */
function hasWrittenData(entry: Entry): boolean {
  return entry.data.every((byte, position) => byte === ((entry.index * 31 + entry.term * 7 + position) & 0xff))
}

describe('crash (SIGKILL) with fsync on', () => {
  it('keeps every entry whose sync() resolved, across repeated kills and restarts', async () => {
    const directory = await directories.create()
    const random = seededRandom(20_240_601)
    let previousTerm = 0
    for (let run = 0; run < 3; run++) {
      const acksBeforeKill = 20 + random(120)
      const acks = await runUntilKilled(directory, 1000 + run, acksBeforeKill)
      expect(acks.length).toBeGreaterThanOrEqual(acksBeforeKill)
      const { state, storage } = await openWithNotes(directory)
      await storage.close()
      const snapshotIndex = state.snapshot?.metadata.index ?? 0
      if (state.snapshot !== undefined) expect(state.snapshot).toEqual(makeSnapshot(snapshotIndex, state.snapshot.metadata.term))
      // Contiguous after the snapshot, terms never decreasing, data as written.
      state.entries.forEach((entry, offset) => {
        expect(entry.index).toBe(snapshotIndex + 1 + offset)
        expect(hasWrittenData(entry)).toBe(true)
        if (offset > 0) expect(entry.term).toBeGreaterThanOrEqual(state.entries[offset - 1]!.term)
      })
      const lastIndex = state.entries[state.entries.length - 1]?.index ?? snapshotIndex
      const termAt = (index: number): number | undefined =>
        index === snapshotIndex ? state.snapshot?.metadata.term : state.entries[index - snapshotIndex - 1]?.term
      const runTerm = acks[0]!.term
      expect(runTerm).toBeGreaterThan(previousTerm)
      previousTerm = runTerm
      for (const ack of acks) {
        expect(lastIndex).toBeGreaterThanOrEqual(ack.lastIndex)
        // The acknowledged entry is there, from this run (a snapshot may cover it instead).
        if (ack.lastIndex > snapshotIndex) expect(termAt(ack.lastIndex)).toBe(runTerm)
        expect(state.hardState.commit).toBeGreaterThanOrEqual(ack.commit)
        expect(state.hardState.term).toBeGreaterThanOrEqual(ack.term)
      }
    }
  })
})
