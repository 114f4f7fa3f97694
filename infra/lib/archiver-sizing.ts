import { DEFAULT_CONCURRENCY } from "../../lib/archive/archiver";

/**
 * CPU time the handler spends per record at one full vCPU: parsing, building the
 * archive object and index entry, and the SDK's serialization and signing of both
 * PUTs. `npm run bench -- archiver-cost` measured 0.83 ms on one x86 core
 * (docs/BENCHMARKS.md); this is 1.6 times that, for an arm64 Lambda vCPU and noisy neighbours.
 */
export const CPU_MS_PER_RECORD = 1.35;
/** Lambda gives a function a whole vCPU at 1,769 MB and a proportional share below. */
export const MB_PER_VCPU = 1_769;
/** A conditional PutObject's latency from Lambda, generously: S3 answers small PUTs in tens of ms. */
export const S3_PUT_MS = 50;
/** CPU seconds a batch may take at the chosen memory; above it the next size up is used. */
const CPU_BUDGET_SECONDS = 20;
const MEMORY_STEPS_MB = [256, 512, 1_024, MB_PER_VCPU] as const;
const MIN_TIMEOUT_SECONDS = 60;
/** A stream batch that takes longer than this is retried whole, and blocks its shard meanwhile. */
const MAX_TIMEOUT_SECONDS = 900;
/** The timeout leaves this much headroom over the expected time of a full batch. */
const HEADROOM = 3;

export interface ArchiverSize {
  memoryMb: number;
  timeoutSeconds: number;
  /** Expected seconds for a full batch at that memory: CPU plus S3 writes in flight. */
  expectedSeconds: number;
}

/**
 * Memory and timeout for an archiver whose batches hold up to `batchSize` records.
 * Memory buys CPU: the smallest step that does a full batch's CPU work in 20 s; the
 * timeout is three times the expected time of a full batch (CPU plus two PUTs per
 * record, DEFAULT_CONCURRENCY at a time), at least 60 s.
 */
export function archiverSize(batchSize: number): ArchiverSize {
  const cpuSecondsAt = (memoryMb: number) => (batchSize * CPU_MS_PER_RECORD * (MB_PER_VCPU / memoryMb)) / 1_000;
  const memoryMb = MEMORY_STEPS_MB.find((mb) => cpuSecondsAt(mb) <= CPU_BUDGET_SECONDS) ?? MB_PER_VCPU;
  const ioSeconds = (batchSize * 2 * S3_PUT_MS) / DEFAULT_CONCURRENCY / 1_000;
  const expectedSeconds = cpuSecondsAt(memoryMb) + ioSeconds;
  const timeoutSeconds = Math.min(MAX_TIMEOUT_SECONDS, Math.max(MIN_TIMEOUT_SECONDS, Math.ceil((expectedSeconds * HEADROOM) / 10) * 10));
  return { memoryMb, timeoutSeconds, expectedSeconds };
}
