import "server-only";
import { randomUUID } from "node:crypto";
import { DeleteObjectCommand, DeleteObjectsCommand, GetObjectCommand, ListObjectVersionsCommand, PutObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import { z } from "zod";
import { isMissingObject, isPreconditionFailed } from "../aws/aws-errors";
import type { LazarusConfig, ServiceConfig } from "../config/schema";
import { DomainError } from "../errors/domain-error";
import { formatDay, type CalendarDay } from "./archive-input";

/**
 * A per-day lease: whoever rewrites a day (the sealer, an erasure, the erasure re-check)
 * holds `{prefix}_leases/{service}/{yyyy}/{mm}/{dd}.json` while it does, so a seal and an
 * erasure of the same day never interleave (docs/ARCHIVE-FORMAT.md, "Day leases").
 *
 * Taken with `If-None-Match: *`; a lease whose `expiresAt` has passed (its holder crashed)
 * is taken over with `If-Match` on the ETag that was read, so of two takers only one
 * wins. Renewed with `If-Match` every third of its length while the work runs; a holder
 * whose renewal is refused, or whose lease ran out, has lost it and stops before its
 * next write. Released by deleting the versions it wrote. Cost: 1 PUT to take, 1
 * DeleteObjects (versioned bucket) or conditional DeleteObject to release, 1 PUT per
 * renewal; a takeover adds 1 GET, 1 ListObjectVersions.
 */

export const LEASE_SEGMENT = "_leases";
/** Long enough for a renewal to be late a few times, short enough that a crashed holder delays the next run by minutes. */
export const DAY_LEASE_MS = 5 * 60_000;

export type DayLeasePurpose = "seal" | "erase" | "erasure-recheck";

const leaseBodySchema = z
  .object({
    schemaVersion: z.literal(1),
    service: z.string(),
    date: z.string(),
    holder: z.string(),
    purpose: z.enum(["seal", "erase", "erasure-recheck"]),
    takenAt: z.string(),
    expiresAt: z.string(),
  })
  .strict();
export type DayLeaseBody = z.infer<typeof leaseBodySchema>;

export interface DayLeaseOptions {
  /** Who holds it, for the lease object and a busy message; a random id unless said. */
  holder?: string;
  /** Length of the lease (DAY_LEASE_MS unless said); renewed every third of it. */
  leaseMs?: number;
  now?: () => Date;
}

export function dayLeaseKey(prefix: string, service: string, day: CalendarDay): string {
  return `${prefix}${LEASE_SEGMENT}/${service}/${formatDay(day).replaceAll("-", "/")}.json`;
}

const DOING: Record<DayLeasePurpose, string> = { seal: "is being sealed", erase: "is being edited by an erasure", "erasure-recheck": "is being edited by the erasure re-check" };

/** "day 2026-09-02 of usr-contact-svc is being sealed" */
export function busyDayText(lease: Pick<DayLeaseBody, "service" | "date" | "purpose">): string {
  return `day ${lease.date} of ${lease.service} ${DOING[lease.purpose]}`;
}

export function describeBusyDay(lease: Pick<DayLeaseBody, "service" | "date" | "purpose">): string {
  return `${busyDayText(lease)}; try again in a minute`;
}

export class DayBusyError extends DomainError {
  override name = "DayBusyError";
  constructor(readonly lease: DayLeaseBody) {
    super(409, "day-busy", describeBusyDay(lease), { details: { service: lease.service, date: lease.date, purpose: lease.purpose, expiresAt: lease.expiresAt } });
  }
}

export class DayLeaseLostError extends DomainError {
  override name = "DayLeaseLostError";
  constructor(service: string, date: string) {
    super(409, "day-lease-lost", `the lease on day ${date} of ${service} ran out or was taken over before the work was done; run it again`);
  }
}

/** A lease this process holds. */
export class DayLease {
  private lost = false;
  private timer: NodeJS.Timeout | undefined;
  private renewing: Promise<void> | undefined;

  constructor(
    private readonly s3: S3Client,
    private readonly bucket: string,
    readonly key: string,
    private body: DayLeaseBody,
    private etag: string,
    /** Versions to delete on release: the ones this holder wrote, and those it took over. */
    private readonly versions: string[],
    private readonly leaseMs: number,
    private readonly now: () => Date,
  ) {}

  get expiresAt(): Date {
    return new Date(this.body.expiresAt);
  }

  /** Throws when the lease is no longer held: call before each write that needs it. */
  assertHeld(): void {
    if (this.lost || this.now().getTime() >= this.expiresAt.getTime()) throw new DayLeaseLostError(this.body.service, this.body.date);
  }

  async renew(): Promise<void> {
    this.assertHeld();
    const next: DayLeaseBody = { ...this.body, expiresAt: new Date(this.now().getTime() + this.leaseMs).toISOString() };
    try {
      const written = await putLease(this.s3, this.bucket, this.key, next, { IfMatch: this.etag });
      this.body = next;
      this.etag = written.etag;
      if (written.versionId) this.versions.push(written.versionId);
    } catch (error) {
      if (isPreconditionFailed(error) || isMissingObject(error)) this.lost = true;
      throw error;
    }
  }

  /** Renews every third of the lease until released; a failed renewal is tried again at the next tick. */
  keepRenewed(): this {
    this.timer = setInterval(() => {
      if (this.renewing || this.lost) return;
      this.renewing = this.renew()
        .catch(() => undefined)
        .finally(() => (this.renewing = undefined));
    }, Math.max(50, Math.floor(this.leaseMs / 3)));
    this.timer.unref();
    return this;
  }

  /** Deletes what this holder wrote; a lease already lost is left to whoever has it now. */
  async release(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.renewing;
    if (this.lost) return;
    this.lost = true;
    try {
      if (this.versions.length > 0) {
        await this.s3.send(new DeleteObjectsCommand({ Bucket: this.bucket, Delete: { Objects: this.versions.map((v) => ({ Key: this.key, VersionId: v })), Quiet: true } }));
      } else {
        // Unversioned: only the object as this holder last wrote it.
        await this.s3.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: this.key, IfMatch: this.etag }));
      }
    } catch (error) {
      // Taken over or gone already: nothing of ours to remove.
      if (!isPreconditionFailed(error) && !isMissingObject(error)) throw error;
    }
  }
}

async function putLease(s3: S3Client, bucket: string, key: string, body: DayLeaseBody, condition: { IfNoneMatch: "*" } | { IfMatch: string }) {
  const out = await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: JSON.stringify(body), ContentType: "application/json", ...condition }));
  return { etag: out.ETag ?? "", versionId: out.VersionId && out.VersionId !== "null" ? out.VersionId : undefined };
}

async function readLease(s3: S3Client, bucket: string, key: string): Promise<{ body: DayLeaseBody | null; etag: string } | null> {
  try {
    const out = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    const text = (await out.Body?.transformToString("utf-8")) ?? "";
    let parsed: DayLeaseBody | null = null;
    try {
      const result = leaseBodySchema.safeParse(JSON.parse(text));
      parsed = result.success ? result.data : null;
    } catch {
      parsed = null;
    }
    return { body: parsed, etag: out.ETag ?? "" };
  } catch (error) {
    if (isMissingObject(error)) return null;
    throw error;
  }
}

/** Every version of the lease object but the current one: a crashed holder's renewals, left by a takeover. */
async function olderVersions(s3: S3Client, bucket: string, key: string): Promise<string[]> {
  const out = await s3.send(new ListObjectVersionsCommand({ Bucket: bucket, Prefix: key }));
  return [...(out.Versions ?? []), ...(out.DeleteMarkers ?? [])].filter((v) => v.Key === key && v.VersionId && v.VersionId !== "null").map((v) => v.VersionId as string);
}

/**
 * Takes the day's lease, or returns the lease someone else holds. A lease that cannot be
 * read as one (damaged, or written by something else) counts as expired, so it can never
 * block a day for good.
 */
export async function takeDayLease(
  s3: S3Client,
  config: LazarusConfig,
  service: ServiceConfig,
  day: CalendarDay,
  purpose: DayLeasePurpose,
  options: DayLeaseOptions = {},
): Promise<{ lease: DayLease } | { busy: DayLeaseBody }> {
  const bucket = config.archive.bucket;
  const key = dayLeaseKey(config.archive.prefix, service.name, day);
  const now = options.now ?? (() => new Date());
  const leaseMs = options.leaseMs ?? DAY_LEASE_MS;
  const bodyAt = (at: Date): DayLeaseBody => ({
    schemaVersion: 1,
    service: service.name,
    date: formatDay(day),
    holder: options.holder ?? randomUUID(),
    purpose,
    takenAt: at.toISOString(),
    expiresAt: new Date(at.getTime() + leaseMs).toISOString(),
  });
  // A few rounds at most: each lost round means another taker moved in between.
  for (let round = 0; round < 4; round++) {
    const body = bodyAt(now());
    try {
      const written = await putLease(s3, bucket, key, body, { IfNoneMatch: "*" });
      return { lease: new DayLease(s3, bucket, key, body, written.etag, written.versionId ? [written.versionId] : [], leaseMs, now).keepRenewed() };
    } catch (error) {
      if (!isPreconditionFailed(error)) throw error;
    }
    const current = await readLease(s3, bucket, key);
    if (!current) continue;
    if (current.body && new Date(current.body.expiresAt).getTime() > now().getTime()) return { busy: current.body };
    try {
      const taken = bodyAt(now());
      const written = await putLease(s3, bucket, key, taken, { IfMatch: current.etag });
      const versions = [...(await olderVersions(s3, bucket, key)).filter((v) => v !== written.versionId), ...(written.versionId ? [written.versionId] : [])];
      return { lease: new DayLease(s3, bucket, key, taken, written.etag, versions, leaseMs, now).keepRenewed() };
    } catch (error) {
      if (!isPreconditionFailed(error) && !isMissingObject(error)) throw error;
    }
  }
  const current = await readLease(s3, bucket, key);
  if (current?.body) return { busy: current.body };
  throw new Error(`the lease on day ${formatDay(day)} of ${service.name} changed hands too often to be taken`);
}

export interface DayLeaseWait extends DayLeaseOptions {
  /** How long to wait for a busy day before giving up (0: do not wait). */
  waitMs?: number;
  /** How often to try again meanwhile. */
  pollMs?: number;
}

/** How long an erasure waits for a day being sealed before it refuses: most days seal within it. */
export const DAY_LEASE_WAIT_MS = 20_000;
const DAY_LEASE_POLL_MS = 2_000;

/**
 * Takes the leases of several days, in one order (so two takers never hold each other's
 * days), waiting up to `waitMs` for busy ones. If one is still busy then, the ones taken
 * are released and DayBusyError names the busy day: nothing was done under them.
 */
export async function takeDayLeases(
  s3: S3Client,
  config: LazarusConfig,
  days: readonly { service: ServiceConfig; day: CalendarDay }[],
  purpose: DayLeasePurpose,
  options: DayLeaseWait = {},
): Promise<DayLeases> {
  const unique = new Map<string, { service: ServiceConfig; day: CalendarDay }>();
  for (const d of days) unique.set(`${d.service.name}/${formatDay(d.day)}`, d);
  const ordered = [...unique.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, d]) => d);
  const held = new DayLeases();
  const now = options.now ?? (() => new Date());
  const deadline = now().getTime() + (options.waitMs ?? DAY_LEASE_WAIT_MS);
  try {
    for (const { service, day } of ordered) {
      for (;;) {
        const taken = await takeDayLease(s3, config, service, day, purpose, options);
        if ("lease" in taken) {
          held.add(`${service.name}/${formatDay(day)}`, taken.lease);
          break;
        }
        if (now().getTime() >= deadline) throw new DayBusyError(taken.busy);
        await new Promise((resolve) => setTimeout(resolve, Math.min(options.pollMs ?? DAY_LEASE_POLL_MS, Math.max(1, deadline - now().getTime()))));
      }
    }
  } catch (error) {
    await held.releaseAll();
    throw error;
  }
  return held;
}

/** Leases held together: checked and released as one. */
export class DayLeases {
  private readonly leases = new Map<string, DayLease>();

  add(id: string, lease: DayLease): void {
    this.leases.set(id, lease);
  }

  get size(): number {
    return this.leases.size;
  }

  holds(service: string, date: string): boolean {
    return this.leases.has(`${service}/${date}`);
  }

  /** Takes over the leases of another set (which is left empty). */
  merge(other: DayLeases): void {
    for (const [id, lease] of other.leases) this.leases.set(id, lease);
    other.leases.clear();
  }

  assertHeld(): void {
    for (const lease of this.leases.values()) lease.assertHeld();
  }

  async releaseAll(): Promise<void> {
    const results = await Promise.allSettled([...this.leases.values()].map((l) => l.release()));
    this.leases.clear();
    const failed = results.find((r): r is PromiseRejectedResult => r.status === "rejected");
    if (failed) throw failed.reason;
  }
}
