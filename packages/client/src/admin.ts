import { InvalidArgumentError } from '@clustron/core'
import type { Member } from '@clustron/protocol'
import { parseUrl, type RemoteConnectOptions } from './connect.js'
import { openBackend } from './remote/connect-remote.js'
import type { RemoteBackend } from './remote/remote-backend.js'

export type { Member }

/**
 * Cluster administration of one store's Raft group (what `clustron members` uses): list, add a
 * member (as a learner that catches up, then as a voter) and remove one. Requests go to the leader.
 */
export class ClusterAdmin implements AsyncDisposable {
  private constructor(private readonly backend: RemoteBackend) {}

  static async connect(target: string | RemoteConnectOptions): Promise<ClusterAdmin> {
    const options = typeof target === 'string' ? parseUrl(target) : target
    if (options.mode !== 'remote') throw new InvalidArgumentError('cluster administration needs a remote store (clustron://host:port/store)')
    return new ClusterAdmin(await openBackend(options))
  }

  async members(): Promise<Member[]> {
    return (await this.backend.admin({ kind: 'members.list' })).members
  }

  /** Adds `nodeId` at `address` (host:port): as a learner unless `voter` (which also promotes a learner). */
  async addMember(nodeId: string, address: string, options: { voter?: boolean } = {}): Promise<Member[]> {
    return (await this.backend.admin({ kind: 'members.add', nodeId, address, voter: options.voter ?? false })).members
  }

  async removeMember(nodeId: string): Promise<Member[]> {
    return (await this.backend.admin({ kind: 'members.remove', nodeId })).members
  }

  close(): Promise<void> {
    return this.backend.close()
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close()
  }
}
