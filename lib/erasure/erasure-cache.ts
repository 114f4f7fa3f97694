import type { S3Client } from "@aws-sdk/client-s3";
import type { KeyValue } from "../archive/attribute-value";
import {
  ARCHIVER_ERASURE_CACHE_MS,
  erasureCovers,
  erasureKeyHash,
  erasureLedgerKey,
  listLedger,
  readLedgerEntry,
  toRecord,
  type ErasureRecord,
} from "./ledger-format";

/**
 * The archiver's view of the erasure ledger. Checking the ledger for every record
 * would add a GET per record to the hot path; instead each instance keeps the set of
 * erased key hashes of its service (one LIST per 1,000 erased keys, at most once every
 * ARCHIVER_ERASURE_CACHE_MS) and reads a ledger entry only on a hit, to compare the
 * erasure's date with the deletion's (a key created again and deleted after its erasure
 * is new data and is archived). Entries read are kept as long as the set.
 *
 * The window: an instance that listed the ledger just before an erasure does not know
 * of it for up to ARCHIVER_ERASURE_CACHE_MS, and a record it archives then comes back.
 * The scheduled re-check (erasure-recheck.ts) removes such records once no stream
 * record older than the erasure can arrive any more.
 *
 * Fails closed: a listing or an entry that cannot be read throws, so the record fails
 * and is retried rather than archived.
 */
export class ErasedKeyCache {
  private hashes: Promise<Set<string>> | null = null;
  private loadedAt = Number.NEGATIVE_INFINITY;
  private entries = new Map<string, Promise<ErasureRecord | null>>();

  constructor(
    private readonly s3: S3Client,
    private readonly ledger: { bucket: string; prefix: string; service: string },
    private readonly ttlMs: number = ARCHIVER_ERASURE_CACHE_MS,
  ) {}

  /** The erasure that covers this deletion of this key, or null: archive it. */
  async erasureCovering(partitionKey: KeyValue, deletedAt: Date, now: Date): Promise<ErasureRecord | null> {
    const keyHash = erasureKeyHash(this.ledger.service, partitionKey);
    if (!(await this.erasedHashes(now)).has(keyHash)) return null;
    const erasure = await this.entry(keyHash);
    return erasure && erasureCovers(erasure, deletedAt) ? erasure : null;
  }

  private erasedHashes(now: Date): Promise<Set<string>> {
    if (this.hashes === null || now.getTime() - this.loadedAt >= this.ttlMs) {
      this.loadedAt = now.getTime();
      this.entries = new Map();
      const loading = listLedger(this.s3, this.ledger.bucket, this.ledger.prefix, this.ledger.service).then((listing) => new Set(listing.entries.keys()));
      // A failed listing is not kept: the next record lists again.
      loading.catch(() => {
        if (this.hashes === loading) this.hashes = null;
      });
      this.hashes = loading;
    }
    return this.hashes;
  }

  private entry(keyHash: string): Promise<ErasureRecord | null> {
    let entry = this.entries.get(keyHash);
    if (!entry) {
      const reading = readLedgerEntry(this.s3, this.ledger.bucket, erasureLedgerKey(this.ledger.prefix, this.ledger.service, keyHash)).then((e) => (e ? toRecord(e) : null));
      reading.catch(() => this.entries.delete(keyHash));
      this.entries.set(keyHash, reading);
      entry = reading;
    }
    return entry;
  }
}
