import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'

/** Runs the memory probe in a fresh process (clean heap, --expose-gc) and returns its report line. */
export async function runMemory(keys: number, valueBytes: number): Promise<string> {
  const script = fileURLToPath(new URL('./memory.ts', import.meta.url))
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--expose-gc', '--conditions=source', '--import', 'tsx', script, String(keys), String(valueBytes)], {
      stdio: ['ignore', 'pipe', 'inherit'],
    })
    let output = ''
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()))
    child.on('error', reject)
    child.on('exit', (code) => (code === 0 ? resolve(output.trim()) : reject(new Error(`memory probe exited with ${code}`))))
  })
}
