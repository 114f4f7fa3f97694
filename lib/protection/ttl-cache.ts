/**
 * A small cache for describe calls: an answer is reused for `ttlMs`, and callers
 * that ask while a request is in flight share it. Failures are not kept, so the
 * next report asks again (a throttled call should not stay "unknown" for the TTL).
 */
export class TtlCache {
  private readonly entries = new Map<string, { expires: number; value: Promise<unknown> }>();

  constructor(
    private readonly ttlMs: number,
    private readonly now: () => number = Date.now,
    private readonly maxEntries = 5_000,
  ) {}

  get<T>(key: string, load: () => Promise<T>): Promise<T> {
    const hit = this.entries.get(key);
    if (hit && hit.expires > this.now()) return hit.value as Promise<T>;
    // Expires counts from the request, so a slow answer is not kept longer than a fast one.
    const value = load();
    const entry = { expires: this.now() + this.ttlMs, value };
    if (this.entries.size >= this.maxEntries) this.prune();
    this.entries.set(key, entry);
    value.catch(() => {
      if (this.entries.get(key) === entry) this.entries.delete(key);
    });
    return value;
  }

  /** After a change from the console, the next report must show the new state. */
  invalidate(prefix: string): void {
    for (const key of [...this.entries.keys()]) if (key.startsWith(prefix)) this.entries.delete(key);
  }

  clear(): void {
    this.entries.clear();
  }

  private prune(): void {
    const now = this.now();
    for (const [key, entry] of this.entries) if (entry.expires <= now) this.entries.delete(key);
    if (this.entries.size >= this.maxEntries) this.entries.clear();
  }
}
