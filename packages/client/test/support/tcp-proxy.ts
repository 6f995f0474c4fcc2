import { createServer, connect as connectTcp, type Server, type Socket } from 'node:net'

/**
 * A loopback TCP proxy in front of a node, for disconnect tests. `cut()` drops every connection
 * through it and refuses new ones until `restore()`; `holdReplies()` keeps the node's bytes from
 * reaching the client (requests still get through) so a test can cut while answers are in flight.
 */
export class TcpProxy {
  readonly #server: Server
  readonly #pairs = new Set<{ client: Socket; upstream: Socket }>()
  #cut = false
  #hold = false
  #held: { client: Socket; data: Buffer }[] = []
  #waiters: (() => void)[] = []
  /** Connections accepted and passed on, and refused while cut. */
  accepted = 0
  refused = 0

  private constructor(
    server: Server,
    readonly port: number,
  ) {
    this.#server = server
  }

  static async start(targetPort: number): Promise<TcpProxy> {
    const server = createServer()
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    const proxy = new TcpProxy(server, (server.address() as { port: number }).port)
    server.on('connection', (client) => proxy.#accept(client, targetPort))
    return proxy
  }

  get seed(): string {
    return `127.0.0.1:${this.port}`
  }

  /** Drops every connection and refuses new ones. */
  cut(): void {
    this.#cut = true
    this.#held = []
    for (const { client, upstream } of this.#pairs) {
      client.destroy()
      upstream.destroy()
    }
    this.#pairs.clear()
    this.#wake()
  }

  restore(): void {
    this.#cut = false
    this.#hold = false
  }

  /** Stops passing the node's bytes to clients (they are kept, and dropped by a cut). */
  holdReplies(): void {
    this.#hold = true
  }

  /** Resolves once `predicate` holds (checked on every connection event). */
  async until(predicate: () => boolean): Promise<void> {
    while (!predicate()) await new Promise<void>((resolve) => this.#waiters.push(resolve))
  }

  async close(): Promise<void> {
    this.cut()
    await new Promise<void>((resolve) => this.#server.close(() => resolve()))
  }

  #accept(client: Socket, targetPort: number): void {
    client.on('error', () => undefined)
    if (this.#cut) {
      this.refused++
      client.destroy()
      this.#wake()
      return
    }
    this.accepted++
    const upstream = connectTcp(targetPort, '127.0.0.1')
    upstream.on('error', () => client.destroy())
    const pair = { client, upstream }
    this.#pairs.add(pair)
    client.on('data', (data) => upstream.write(data))
    upstream.on('data', (data) => {
      if (this.#hold) this.#held.push({ client, data })
      else client.write(data)
    })
    const end = () => {
      this.#pairs.delete(pair)
      client.destroy()
      upstream.destroy()
      this.#wake()
    }
    client.on('close', end)
    upstream.on('close', end)
    this.#wake()
  }

  #wake(): void {
    const waiters = this.#waiters
    this.#waiters = []
    for (const wake of waiters) wake()
  }
}
