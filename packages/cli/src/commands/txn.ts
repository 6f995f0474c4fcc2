import { readFile } from 'node:fs/promises'
import { resolve } from 'node:path'
import type { Entry, TxnOpResult, TxnRequest, TxnResponse } from '@clustron/client'
import { argument, type CommandSpec, type Context } from '../command.js'
import { exitCodes, UsageError } from '../exit-codes.js'
import { entryJson } from '../format.js'
import { displayValue, type JsonValue } from '../typed-json.js'
import { parseTxnFile } from './txn-file.js'

export const txnCommand: CommandSpec = {
  path: ['txn'],
  summary: 'run a compare-then-else transaction from a JSON file',
  args: [{ name: '<file.json>', required: true }],
  description: `The file holds the request of the API (spec §3), atomically applied at one revision:
{
  "if":   [{ "key": "config/v", "target": "version", "op": "==", "value": 3 }],
  "then": [{ "op": "put", "key": "config/mode", "value": "fast", "ttl": "1h" },
           { "op": "add", "key": "config/changes", "delta": 1 }],
  "else": [{ "op": "get", "key": "config/mode" }]
}
Targets: value, version, createRevision, modRevision, lease; ops: == != < > (default ==).
Operations: get, put (value, ttl or ttlMs, lease), delete, deletePrefix (prefix), add (delta).
Values are JSON (typed JSON for bigint, bytes and dates). Use - to read the file from stdin.
Exit 0 when the conditions held ("then" ran), 1 when they did not ("else" ran).`,
  examples: ['clustron txn move.json', "echo '{\"then\":[{\"op\":\"get\",\"key\":\"a\"}]}' | clustron txn -", 'clustron txn cas.json --json'],
  async run(context) {
    const file = argument(context, 0)
    const text = await readInput(context, file)
    const request = parseTxnFile(text, file === '-' ? 'stdin' : file)
    const response = await (await context.store()).txn(request)
    const branch = response.succeeded ? 'then' : 'else'
    const ops = (response.succeeded ? request.then : request.else) ?? []
    if (context.globals.json) {
      context.printJson({ succeeded: response.succeeded, revision: response.revision, results: response.results.map((result, index) => resultJson(ops[index]?.op, result)) })
    } else {
      context.print(response.succeeded ? `succeeded at revision ${response.revision}` : `conditions did not hold: ran "else" at revision ${response.revision}`)
      response.results.forEach((result, index) => context.print(`${branch}[${index}] ${describeResult(ops[index], result)}`))
    }
    return response.succeeded ? exitCodes.ok : exitCodes.notFound
  },
}

async function readInput(context: Context, file: string): Promise<string> {
  if (file !== '-') return readFile(resolve(context.io.cwd, file), 'utf8')
  if (context.io.readStdin === undefined) throw new UsageError('this clustron cannot read stdin; give a file name')
  return context.io.readStdin()
}

type Op = TxnRequest['then'][number]

function describeResult(op: Op | undefined, result: TxnResponse['results'][number]): string {
  switch (op?.op) {
    case 'get':
      return result === undefined ? `get ${op.key}: not found` : `get ${op.key}: ${displayValue((result as Entry).value)} (version ${(result as Entry).version})`
    case 'put': {
      const put = result as { revision: number; version: number }
      return `put ${op.key}: revision ${put.revision}, version ${put.version}`
    }
    case 'delete':
      return `delete ${op.key}: ${(result as { deleted: number }).deleted} deleted`
    case 'deletePrefix':
      return `deletePrefix ${op.prefix}: ${(result as { deleted: number }).deleted} deleted`
    case 'add': {
      const add = result as { value: number; previous: number }
      return `add ${op.key}: ${add.value} (was ${add.previous})`
    }
    default:
      return JSON.stringify(result)
  }
}

function resultJson(kind: Op['op'] | undefined, result: TxnOpResult): JsonValue {
  if (kind === 'get') return result === undefined ? null : entryJson(result as Entry)
  return result as JsonValue
}
