/**
 * A render shared by the requests that want it: requests that arrive while one runs get its
 * result, and a result younger than `reuseFactor` times what it cost to make is served again.
 * A 10,000-real-server /metrics costs ~0.2 s of the event loop; without this, clients scraping
 * back to back would keep the loop busy. Small configurations render in a millisecond and stay
 * as fresh as before.
 */
export class CoalescedRender<T> {
  #inFlight: Promise<T> | null = null;
  #last: { value: T; atMs: number; costMs: number } | null = null;

  constructor(
    private readonly render: () => Promise<T>,
    private readonly reuseFactor = 4,
    private readonly nowMs: () => number = () => performance.now(),
  ) {}

  get(): Promise<T> {
    if (this.#inFlight) return this.#inFlight;
    const now = this.nowMs();
    if (this.#last && now - this.#last.atMs < this.#last.costMs * this.reuseFactor) return Promise.resolve(this.#last.value);
    const started = now;
    this.#inFlight = this.render().then(
      (value) => {
        const end = this.nowMs();
        this.#last = { value, atMs: end, costMs: end - started };
        this.#inFlight = null;
        return value;
      },
      (e: unknown) => {
        this.#inFlight = null;
        throw e;
      },
    );
    return this.#inFlight;
  }
}
