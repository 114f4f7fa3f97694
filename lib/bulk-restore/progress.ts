import type { ChunkResult, ItemOutcome, JobProgress } from "./job-types";

/** Chunk c of a job: the items at positions [start, end). */
export function chunkBounds(chunk: number, chunkSize: number, itemCount: number): { start: number; end: number } {
  if (!Number.isInteger(chunk) || chunk < 0 || !Number.isInteger(chunkSize) || chunkSize < 1) throw new RangeError(`invalid chunk ${chunk} of size ${chunkSize}`);
  const start = chunk * chunkSize;
  return { start: Math.min(start, itemCount), end: Math.min(start + chunkSize, itemCount) };
}

/**
 * Progress moves a chunk at a time, so a small job gets small chunks (about 20 steps,
 * at least 5 items each) and a large one chunks of at most `max`, which keeps the
 * checkpoint writes (a few S3 requests per chunk) a small share of the work.
 */
export function chunkSizeFor(itemCount: number, max: number): number {
  return Math.min(max, Math.max(5, Math.ceil(itemCount / 20)));
}

export function chunkCount(itemCount: number, chunkSize: number): number {
  return Math.ceil(itemCount / chunkSize);
}

export function chunkItems<T>(items: readonly T[], chunkSize: number): T[][] {
  const chunks: T[][] = [];
  for (let start = 0; start < items.length; start += chunkSize) chunks.push(items.slice(start, start + chunkSize));
  return chunks;
}

/**
 * Each item's result once: two runners whose leases overlapped can both record an item
 * (its write is conditional, so at most one of them wrote it); the first recorded, in
 * chunk order, stands.
 */
export function firstResults<T extends Pick<ChunkResult, "items">>(chunks: readonly T[]): T[] {
  const seen = new Set<number>();
  return chunks.map((chunk) => ({ ...chunk, items: chunk.items.filter((item) => !seen.has(item.i) && (seen.add(item.i), true)) }));
}

const DONE: ReadonlySet<ItemOutcome> = new Set(["restored", "already-restored"]);

/**
 * Progress from the recorded checkpoints alone, so every console instance
 * computes the same numbers. The rate is items over the time runners spent on
 * recorded chunks (pauses between runs do not count); the ETA assumes that rate
 * for the remaining items.
 */
export function computeProgress(total: number, chunks: readonly Pick<ChunkResult, "startedAt" | "finishedAt" | "items">[]): JobProgress {
  let done = 0;
  let skipped = 0;
  let failed = 0;
  let busyMs = 0;
  for (const chunk of firstResults(chunks)) {
    for (const item of chunk.items) {
      if (DONE.has(item.outcome)) done += 1;
      else if (item.outcome === "skipped") skipped += 1;
      else failed += 1;
    }
    busyMs += Math.max(0, Date.parse(chunk.finishedAt) - Date.parse(chunk.startedAt));
  }
  const processed = done + skipped + failed;
  const itemsPerSecond = processed > 0 && busyMs > 0 ? (processed * 1000) / busyMs : null;
  const remaining = Math.max(0, total - processed);
  return {
    total,
    done,
    skipped,
    failed,
    processed,
    percent: total === 0 ? 100 : Math.min(100, Math.floor((processed * 100) / total)),
    itemsPerSecond,
    etaSeconds: remaining === 0 ? 0 : itemsPerSecond ? Math.ceil(remaining / itemsPerSecond) : null,
    chunksRecorded: chunks.length,
  };
}
