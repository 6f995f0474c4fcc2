/**
 * @clustron/server — a Clustron node: the client WebSocket endpoint, stores on replicas, HTTP
 * health, and the `clustron-server` command.
 *
 * ```ts
 * import { startNode } from '@clustron/server'
 * const node = await startNode({ port: 0, stores: ['orders'] })
 * // connect(`${node.url}/orders`) ... then:
 * await node.close()
 * ```
 */
export { startNode } from './node.js'
export type { ClustronNode, NodeOptions, StaticTokenOptions, StoreOptions } from './node.js'
export { createToken, parseDuration, tokenAudience } from './auth/tokens.js'
export type { CreateTokenOptions } from './auth/tokens.js'
export { authAlgorithms, generateAuthKey } from './auth/keys.js'
export type { AuthAlgorithm } from './auth/keys.js'
export { roles } from './auth/roles.js'
export type { Role, StoreGrants } from './auth/roles.js'
export { createCerts } from './tls/certs.js'
export type { CertFiles, CreateCertsOptions } from './tls/certs.js'
export type { Health } from './http.js'
export { ConfigError, loadConfig } from './config/load.js'
export type { CommandLine, ConfigSources } from './config/load.js'
export type { LogLevel } from './config/schema.js'
export { SingleReplica } from './replica/single-replica.js'
export type { SingleReplicaOptions } from './replica/single-replica.js'
export type { AppliedOutput, ReplicaRole, ReplicaStatus, StoreReplica } from './replica/store-replica.js'
