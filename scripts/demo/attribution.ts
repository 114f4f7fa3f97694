import { createHash } from "node:crypto";
import type { S3Client } from "@aws-sdk/client-s3";
import pLimit from "p-limit";
import type { KeyValue } from "../../lib/archive/attribute-value";
import { ErasedKeysByService, recordCallEvent } from "../../lib/attribution/record-calls";
import type { LazarusConfig } from "../../lib/config/schema";
import { cloudTrailEventFor, type LocalCall, type LoggedKey } from "../local-stack/cloudtrail-events";
import { DEMO_INCIDENT, DEMO_SERVICES, walkthroughDeletedAt } from "./fixtures";
import { DEMO_PRINCIPALS } from "./principals";
import type { PlannedDeletion } from "./history";

/** The demo account's two callers: support staff deleting by hand, and the clean-up job that caused the incident. */

const logged = (value: KeyValue): string => ("S" in value ? value.S : "N" in value ? value.N : value.B);

/** A stable event id per planned deletion, so seeding twice records each call once. */
const eventIdFor = (seed: string) => {
  const h = createHash("sha256").update(`cloudtrail:${seed}`).digest("hex");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
};

/**
 * The CloudTrail calls behind the demo's manual deletions, fed to the attribution code as
 * EventBridge would deliver them: the clean-up job's deletes in the incident window as
 * BatchWriteItem calls (one per second, up to 25 keys), every other manual delete as a
 * support engineer's DeleteItem. TTL expiries have no call.
 */
export function demoCalls(config: LazarusConfig, deletions: readonly PlannedDeletion[], day: Date): LocalCall[] {
  const from = walkthroughDeletedAt({ daysAgo: DEMO_INCIDENT.daysAgo, time: DEMO_INCIDENT.from, deletionType: "manual" }, day).getTime();
  const to = walkthroughDeletedAt({ daysAgo: DEMO_INCIDENT.daysAgo, time: DEMO_INCIDENT.to, deletionType: "manual" }, day).getTime() + 999;
  const incidentService = DEMO_SERVICES[DEMO_INCIDENT.service];
  const keyOf = (d: PlannedDeletion): LoggedKey => {
    const { partitionKey, sortKey } = d.service.table;
    const key: LoggedKey = { [partitionKey.name]: logged(d.keys[partitionKey.name]!) };
    if (sortKey) key[sortKey.name] = logged(d.keys[sortKey.name]!);
    return key;
  };
  const calls: LocalCall[] = [];
  const batches = new Map<number, PlannedDeletion[]>();
  for (const d of deletions) {
    if (d.deletionType !== "manual") continue;
    const t = d.deletedAt.getTime();
    if (d.service.name === incidentService && t >= from && t <= to) {
      const second = Math.floor(t / 1000);
      batches.set(second, [...(batches.get(second) ?? []), d]);
      continue;
    }
    calls.push({ api: "DeleteItem", principal: DEMO_PRINCIPALS.support, at: d.deletedAt, region: config.region, deletes: [{ table: d.service.table.name, key: keyOf(d) }], eventId: eventIdFor(d.eventId) });
  }
  for (const group of batches.values()) {
    for (let i = 0; i < group.length; i += 25) {
      const part = group.slice(i, i + 25);
      calls.push({
        api: "BatchWriteItem",
        principal: DEMO_PRINCIPALS.cleanup,
        at: part[0]!.deletedAt,
        region: config.region,
        deletes: part.map((d) => ({ table: d.service.table.name, key: keyOf(d) })),
        eventId: eventIdFor(part.map((d) => d.eventId).join(",")),
      });
    }
  }
  return calls;
}

export async function seedAttribution(config: LazarusConfig, s3: S3Client, deletions: readonly PlannedDeletion[], day: Date, concurrency: number): Promise<{ calls: number; written: number }> {
  if (!config.attribution.enabled) return { calls: 0, written: 0 };
  const calls = demoCalls(config, deletions, day);
  const limit = pLimit(concurrency);
  const erasures = new ErasedKeysByService(s3, config.archive);
  const outcomes = await Promise.all(calls.map((c) => limit(() => recordCallEvent(s3, config, cloudTrailEventFor(c), new Date(), erasures))));
  return { calls: calls.length, written: outcomes.reduce((n, o) => n + o.written, 0) };
}
