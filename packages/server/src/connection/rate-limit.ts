/**
 * A token bucket: `ratePerSecond` tokens a second, holding at most one second's worth (a client may
 * burst up to the rate, then is paced to it). Time is a value passed in (the connection's clock).
 */
export class TokenBucket {
  #tokens: number
  #at: number

  constructor(
    readonly ratePerSecond: number,
    now: number,
  ) {
    this.#tokens = ratePerSecond
    this.#at = now
  }

  /** Takes one token: 0 when there was one, else the milliseconds until there will be (nothing taken). */
  take(now: number): number {
    if (now > this.#at) {
      this.#tokens = Math.min(this.ratePerSecond, this.#tokens + ((now - this.#at) * this.ratePerSecond) / 1000)
      this.#at = now
    }
    if (this.#tokens >= 1) {
      this.#tokens -= 1
      return 0
    }
    return Math.max(1, Math.ceil(((1 - this.#tokens) * 1000) / this.ratePerSecond))
  }
}
