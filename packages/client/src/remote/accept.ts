import type { CommandType, QueryType } from '@clustron/core/internal'
import { check, commandResultSchemas, queryResultSchemas, watchResultSchema } from '@clustron/protocol'

type Schema = Parameters<typeof check>[0]
export type Accept = (result: unknown) => unknown

/**
 * Checks of answers against the schema of what was asked, built once per command and query type.
 * A node that answers with the wrong shape fails that one call with INTERNAL instead of handing
 * the Store code something it does not expect.
 */
export function acceptWith(schema: Schema, what: string): Accept {
  return (result) => {
    const checked = check(schema, result, what)
    if (!checked.ok) throw new Error(checked.message)
    return checked.value
  }
}

const commandAccepts = new Map<string, Accept>()
const queryAccepts = new Map<string, Accept>()

export function acceptCommandResult(type: CommandType): Accept {
  let accept = commandAccepts.get(type)
  if (accept === undefined) {
    const schema = (commandResultSchemas as Record<string, Schema>)[type]
    // An unknown command type is the node's to reject; its error answer never reaches this check.
    accept = schema === undefined ? (result) => result : acceptWith(schema, `${type} result`)
    commandAccepts.set(type, accept)
  }
  return accept
}

export function acceptQueryResult(type: QueryType): Accept {
  let accept = queryAccepts.get(type)
  if (accept === undefined) {
    const schema = (queryResultSchemas as Record<string, Schema>)[type]
    accept = schema === undefined ? (result) => result : acceptWith(schema, `${type} result`)
    queryAccepts.set(type, accept)
  }
  return accept
}

export const acceptWatchResult = acceptWith(watchResultSchema, 'watch result')
