import {
  ConditionalCheckFailedException,
  DeleteItemCommand,
  ScanCommand,
  type AttributeValue as SdkAttributeValue,
  type DynamoDBClient,
} from "@aws-sdk/client-dynamodb";
import { toTypedJson } from "../../lib/archive/attribute-value";
import { TTL_PRINCIPAL } from "../../lib/archive/stream-record";
import type { LazarusConfig, ServiceConfig } from "../../lib/config/schema";

/**
 * What DynamoDB's TTL does and moto does not: delete items whose TTL attribute (a
 * top-level Number, epoch seconds, no more than five years in the past) has passed,
 * and make the resulting REMOVE stream records carry the service identity
 * `{ type: "Service", principalId: "dynamodb.amazonaws.com" }`.
 *
 * moto's stream records carry no userIdentity, so the sweeper tells the stream mapping
 * runner which REMOVE records are its own through a TtlDeletionLedger.
 */

export const TTL_IDENTITY = { type: "Service", principalId: TTL_PRINCIPAL } as const;

/** DynamoDB's TTL ignores expiry times more than five years old. */
const MAX_EXPIRED_AGE_SECONDS = 5 * 365 * 24 * 3_600;
/** How long a confirmed deletion waits to be matched: a stream keeps records for 24 hours. */
const CONFIRMED_MARK_LIFETIME_MS = 24 * 3_600_000;
/** Stream times are rounded down to the second; allow for that and a little clock skew. */
const STREAM_TIME_SLACK_MS = 2_000;
const DELETE_TIMEOUT_MS = 30_000;

type SdkItem = Record<string, SdkAttributeValue>;

interface Mark {
  state: "pending" | "confirmed";
  /** Set once confirmed: the item exactly as DeleteItem removed it (canonical typed JSON). */
  oldImage?: string;
  /** When the DeleteItem request was sent; the REMOVE record cannot be older. */
  sentAt: number;
  settled: Promise<void>;
}

/**
 * Deletions the sweeper has made or is making, so a REMOVE record can be matched to
 * exactly one of them: same table, same key, the same deleted image, and not older
 * than the request. A mark is registered before DeleteItem is sent (the REMOVE record
 * can be read before DeleteItem returns) and removed if the delete does not happen.
 * While a mark for a key is pending, claims for that key wait for it to settle.
 */
export class TtlDeletionLedger {
  private readonly marks = new Map<string, Mark[]>();

  constructor(private readonly now: () => number = Date.now) {}

  /** Registers a deletion about to be attempted; settle it with confirm() or cancel(). */
  begin(table: string, key: Record<string, unknown>): { confirm(oldImage: Record<string, unknown>): void; cancel(): void } {
    this.prune();
    const id = markId(table, key);
    let settle!: () => void;
    const mark: Mark = { state: "pending", sentAt: this.now(), settled: new Promise<void>((r) => (settle = r)) };
    const list = this.marks.get(id) ?? [];
    list.push(mark);
    this.marks.set(id, list);
    let isSettled = false;
    return {
      confirm: (oldImage) => {
        if (isSettled) return;
        isSettled = true;
        mark.state = "confirmed";
        mark.oldImage = canonicalJson(toTypedJson(oldImage));
        settle();
      },
      cancel: () => {
        if (isSettled) return;
        isSettled = true;
        this.remove(id, mark);
        settle();
      },
    };
  }

  /**
   * Whether a REMOVE record (table, key, old image, creation time) is one of the
   * sweeper's deletions. A match is consumed, so a record is claimed at most once.
   */
  async claim(table: string, key: Record<string, unknown>, oldImage: Record<string, unknown> | undefined, createdAt: Date): Promise<boolean> {
    const id = markId(table, key);
    for (;;) {
      const pending = (this.marks.get(id) ?? []).filter((m) => m.state === "pending");
      if (pending.length === 0) break;
      await Promise.all(pending.map((m) => m.settled));
    }
    if (!oldImage) return false;
    const image = canonicalJson(toTypedJson(oldImage));
    const list = this.marks.get(id) ?? [];
    const match = list.find((m) => m.state === "confirmed" && m.oldImage === image && createdAt.getTime() >= m.sentAt - STREAM_TIME_SLACK_MS);
    if (!match) return false;
    this.remove(id, match);
    return true;
  }

  /** Marks registered and not yet claimed or cancelled. */
  size(): number {
    let n = 0;
    for (const list of this.marks.values()) n += list.length;
    return n;
  }

  private remove(id: string, mark: Mark): void {
    const list = (this.marks.get(id) ?? []).filter((m) => m !== mark);
    if (list.length > 0) this.marks.set(id, list);
    else this.marks.delete(id);
  }

  private prune(): void {
    const oldest = this.now() - CONFIRMED_MARK_LIFETIME_MS;
    for (const [id, list] of this.marks) {
      for (const mark of list) if (mark.state === "confirmed" && mark.sentAt < oldest) this.remove(id, mark);
    }
  }
}

function markId(table: string, key: Record<string, unknown>): string {
  return `${table}\u0000${canonicalJson(toTypedJson(key))}`;
}

/** JSON with sorted object keys and sorted set members, so equal items serialize equally. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(canonicalize(value));
}

function canonicalize(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonicalize);
  if (value && typeof value === "object") {
    // fromEntries keeps an attribute named "__proto__" as an ordinary property.
    return Object.fromEntries(
      Object.entries(value)
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
        .map(([k, v]) => [k, (k === "SS" || k === "NS" || k === "BS") && Array.isArray(v) ? [...(v as string[])].sort() : canonicalize(v)]),
    );
  }
  return value;
}

export interface TtlSweeperOptions {
  config: LazarusConfig;
  dynamodb: DynamoDBClient;
  ledger: TtlDeletionLedger;
  /** The shortest time between the end of one sweep and the start of the next. */
  intervalMs?: number;
  /**
   * The longest: a sweep waits for the earliest expiry it saw, and no longer than this for
   * items written since with an expiry already past or sooner. At least `intervalMs`.
   */
  idleIntervalMs?: number;
  now?: () => Date;
  log?: (message: string) => void;
}

export interface SweepResult {
  service: string;
  scanned: number;
  expired: number;
  deleted: number;
  /** Expired when scanned, but changed or deleted by someone else before the sweeper's delete. */
  skipped: number;
  /** The earliest expiry (epoch seconds) among the items not yet expired; undefined if none. */
  nextExpiry?: number;
}

export interface TtlSweeper {
  /** Runs one sweep of every table with a TTL attribute now (also used by tests). */
  sweepOnce(): Promise<SweepResult[]>;
  stop(): Promise<void>;
}

export function startTtlSweeper(options: TtlSweeperOptions): TtlSweeper {
  const intervalMs = options.intervalMs ?? 1_000;
  const idleIntervalMs = Math.max(intervalMs, options.idleIntervalMs ?? 10_000);
  const now = options.now ?? (() => new Date());
  const log = options.log ?? (() => {});
  const services = options.config.services.filter((s) => s.table.ttlAttribute);
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<unknown> = Promise.resolve();

  // Sweeps never overlap: a manual sweepOnce() queues behind the timer's.
  const sweepOnce = (): Promise<SweepResult[]> => {
    const next = running.then(() => Promise.all(services.map((s) => sweepTable(s, options, { now, log, isStopped: () => stopped }))));
    running = next.catch(() => undefined);
    return next;
  };

  const schedule = (delayMs: number) => {
    if (stopped) return;
    timer = setTimeout(() => {
      sweepOnce()
        .then((results) => schedule(nextSweepDelay(results, now().getTime(), intervalMs, idleIntervalMs)))
        .catch((e: Error) => {
          log(`TTL sweep failed: ${e.name}: ${e.message}`);
          schedule(intervalMs);
        });
    }, delayMs);
  };
  if (services.length > 0) schedule(intervalMs);

  return {
    sweepOnce,
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      await running;
    },
  };
}

async function sweepTable(
  service: ServiceConfig,
  options: TtlSweeperOptions,
  { now, log, isStopped }: { now: () => Date; log: (message: string) => void; isStopped: () => boolean },
): Promise<SweepResult> {
  const { dynamodb, ledger } = options;
  const table = service.table.name;
  const ttlAttribute = service.table.ttlAttribute as string;
  const keyNames = [service.table.partitionKey.name, ...(service.table.sortKey ? [service.table.sortKey.name] : [])];
  const names: Record<string, string> = { "#ttl": ttlAttribute };
  keyNames.forEach((k, i) => (names[`#k${i}`] = k));
  const result: SweepResult = { service: service.name, scanned: 0, expired: 0, deleted: 0, skipped: 0 };

  let startKey: SdkItem | undefined;
  do {
    const page = await dynamodb.send(
      new ScanCommand({
        TableName: table,
        ProjectionExpression: ["#ttl", ...keyNames.map((_, i) => `#k${i}`)].join(", "),
        ExpressionAttributeNames: names,
        ...(startKey ? { ExclusiveStartKey: startKey } : {}),
      }),
    );
    startKey = page.LastEvaluatedKey && Object.keys(page.LastEvaluatedKey).length > 0 ? page.LastEvaluatedKey : undefined;
    for (const item of page.Items ?? []) {
      if (isStopped()) return result;
      result.scanned += 1;
      const ttl = item[ttlAttribute];
      const nowSeconds = now().getTime() / 1000;
      if (!ttl) continue;
      const expiresAt = ttl.N === undefined ? NaN : Number(ttl.N);
      if (!isExpired(ttl, nowSeconds)) {
        if (expiresAt >= nowSeconds) result.nextExpiry = Math.min(result.nextExpiry ?? Infinity, expiresAt);
        continue;
      }
      result.expired += 1;
      const key = Object.fromEntries(keyNames.map((k) => [k, item[k] as SdkAttributeValue]));
      const isDeleted = await deleteExpired(dynamodb, ledger, table, key, { attribute: ttlAttribute, value: ttl }, nowSeconds);
      if (isDeleted) result.deleted += 1;
      else result.skipped += 1;
    }
  } while (startKey);

  if (result.deleted > 0 || result.skipped > 0) {
    log(`TTL sweep ${service.name}: deleted ${result.deleted} expired item(s)${result.skipped ? `, ${result.skipped} changed meanwhile` : ""}`);
  }
  return result;
}

/**
 * Until the earliest expiry a sweep saw, within the sweeper's shortest and longest
 * intervals. The delete's condition compares with whole seconds, so an item can be
 * deleted from the second after its TTL. After a sweep that had to skip an item, the
 * shortest interval: it may be deletable then.
 */
export function nextSweepDelay(results: SweepResult[], nowMs: number, intervalMs: number, idleIntervalMs: number): number {
  if (results.some((r) => r.skipped > 0)) return intervalMs;
  const next = Math.min(...results.map((r) => r.nextExpiry ?? Infinity));
  const untilDeletable = (Math.floor(next) + 1) * 1000 - nowMs;
  return Math.min(idleIntervalMs, Math.max(intervalMs, untilDeletable));
}

function isExpired(ttl: SdkAttributeValue, nowSeconds: number): ttl is SdkAttributeValue.NMember {
  if (ttl.N === undefined) return false;
  const expiresAt = Number(ttl.N);
  return Number.isFinite(expiresAt) && expiresAt < nowSeconds && expiresAt >= nowSeconds - MAX_EXPIRED_AGE_SECONDS;
}

/**
 * Deletes one expired item only if its TTL value is still the expired value the scan
 * saw: an item whose TTL was extended meanwhile stays, and an item deleted by someone
 * else meanwhile is not claimed as a TTL deletion.
 */
async function deleteExpired(
  dynamodb: DynamoDBClient,
  ledger: TtlDeletionLedger,
  table: string,
  key: SdkItem,
  ttl: { attribute: string; value: SdkAttributeValue.NMember },
  nowSeconds: number,
): Promise<boolean> {
  const mark = ledger.begin(table, key);
  try {
    const deleted = await dynamodb.send(
      new DeleteItemCommand({
        TableName: table,
        Key: key,
        ConditionExpression: "#ttl = :seen AND #ttl < :now",
        ExpressionAttributeNames: { "#ttl": ttl.attribute },
        ExpressionAttributeValues: { ":seen": ttl.value, ":now": { N: String(Math.floor(nowSeconds)) } },
        ReturnValues: "ALL_OLD",
      }),
      { abortSignal: AbortSignal.timeout(DELETE_TIMEOUT_MS) },
    );
    if (!deleted.Attributes) return false;
    mark.confirm(deleted.Attributes);
    return true;
  } catch (e) {
    if (e instanceof ConditionalCheckFailedException) return false;
    throw e;
  } finally {
    // Settles the mark on every path that did not confirm it (a no-op after confirm).
    mark.cancel();
  }
}
