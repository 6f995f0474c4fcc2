/**
 * Everything the CLI touches of its process, passed in: the bin gives the real ones, tests give
 * buffers. `main` never reads `process.*` itself, and returns its exit code instead of exiting.
 */
export interface CliIo {
  /** Arguments after the program name. */
  argv: readonly string[]
  /** CLUSTRON_URL, CLUSTRON_TOKEN; also the environment of `lock -- <cmd>` children. */
  env: Readonly<Record<string, string | undefined>>
  /** Where relative paths (snapshot and txn files) and `lock` children start. */
  cwd: string
  stdout(text: string): void
  stderr(text: string): void
  /** Whether stderr is a terminal: progress bars are drawn only then. */
  stderrIsTTY?: boolean
  /**
   * Aborted on Ctrl-C or SIGTERM; `reason` is the signal name ('SIGINT' | 'SIGTERM'). `watch` and
   * `lease grant --keep-alive` end with exit 0 on it; other commands stop with 130.
   */
  signal?: AbortSignal
  /**
   * How a `lock -- <cmd>` child gets its stdio: 'inherit' (the bin: the child talks to the terminal)
   * or 'pipe' (default: its output goes through stdout/stderr above, as tests want).
   */
  childStdio?: 'inherit' | 'pipe'
  /** Reads standard input to the end (`txn -`). */
  readStdin?(): Promise<string>
  /**
   * A connection that must outlive `main`: closing it would revoke the leases granted through it
   * (`lease grant` without --keep-alive). The bin exits the process, which drops the socket without
   * revoking; tests may close it when they are done. Without this hook it is simply left open.
   */
  detach?(connection: { close(): Promise<void> }): void
}
