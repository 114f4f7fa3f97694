import { describe, expect, it } from "vitest";
import { parseConfig } from "../../lib/config/load";
import { DEMO_INCIDENT, EXPIRING_SOON, WALKTHROUGH, walkthroughDeletedAt } from "./fixtures";
import { DemoConfigError, HISTORY_DAYS, planDemo, resolveDemoServices, type DemoPlan } from "./history";

const DAY_MS = 86_400_000;
const now = new Date("2026-11-22T09:41:07Z");

const service = (name: string, table: object, onFailure: object = { type: "sqs", queueName: `${name}-dlq` }) => ({
  name,
  table: { name: `${name}-table`, ...table },
  archiver: { functionName: `${name}-archiver` },
  onFailure,
});
const config = parseConfig({
  region: "eu-west-1",
  archive: { bucket: "demo-archive" },
  services: [
    service("usr-contact-svc", { partitionKey: { name: "PK", type: "S" }, sortKey: { name: "SK", type: "S" }, ttlAttribute: "expiresAt" }),
    service("sor-service-order-svc", { partitionKey: { name: "PK", type: "S" }, sortKey: { name: "SK", type: "S" }, ttlAttribute: "ttl" }, { type: "s3", bucket: "failures" }),
    service("unt-svc", { partitionKey: { name: "unitId", type: "S" }, ttlAttribute: "expiresAt" }),
  ],
});
const services = resolveDemoServices(config);
const full = planDemo({ services, now, scale: "full" });
const small = planDemo({ services, now, scale: "small" });

const epoch = (value: unknown) => Number((value as { N: string }).N) * 1_000;
const pkOf = (keys: Record<string, unknown>) => Object.values(keys)[0] as { S: string };

describe("the demo plan", () => {
  it("is the same for the same day, seed and scale, whatever the time of day", () => {
    const later = planDemo({ services, now: new Date("2026-11-22T23:59:58Z"), scale: "full" });
    expect(later.deletions).toEqual(full.deletions);
    const otherSeed = planDemo({ services, now, scale: "small", seed: "another" });
    expect(otherSeed.deletions.map((d) => d.eventId)).not.toEqual(small.deletions.map((d) => d.eventId));
  });

  it("has thousands of deletions at full scale and a few hundred at small scale, every event id and sequence number once", () => {
    expect(full.deletions.length).toBeGreaterThan(2_500);
    expect(small.deletions.length).toBeGreaterThan(200);
    expect(small.deletions.length).toBeLessThan(500);
    for (const plan of [full, small]) {
      expect(new Set(plan.deletions.map((d) => d.eventId)).size).toBe(plan.deletions.length);
      expect(new Set(plan.deletions.map((d) => d.sequenceNumber)).size).toBe(plan.deletions.length);
    }
  });

  it("ends yesterday, reaches back four months, and puts what is older than a year in GLACIER", () => {
    for (const plan of [full, small]) {
      const times = plan.deletions.map((d) => d.deletedAt.getTime());
      expect(Math.max(...times)).toBeLessThan(plan.day.getTime());
      const regular = plan.deletions.filter((d) => d.storageClass === "STANDARD");
      expect(Math.min(...regular.map((d) => d.deletedAt.getTime()))).toBeLessThanOrEqual(plan.day.getTime() - (HISTORY_DAYS - 2) * DAY_MS);
      const glacier = plan.deletions.filter((d) => d.storageClass === "GLACIER");
      expect(glacier.length).toBeGreaterThanOrEqual(3);
      for (const d of glacier) expect(d.deletedAt.getTime()).toBeLessThan(plan.day.getTime() - 365 * DAY_MS);
    }
  });

  it("mixes TTL and manual deletions, and a TTL deletion's item expired before it was deleted", () => {
    const ttl = full.deletions.filter((d) => d.deletionType === "ttl");
    expect(ttl.length).toBeGreaterThan(full.deletions.length / 4);
    expect(full.deletions.length - ttl.length).toBeGreaterThan(full.deletions.length / 4);
    for (const d of ttl) {
      const attribute = d.service.table.ttlAttribute as string;
      expect(epoch(d.oldImage[attribute])).toBeLessThan(d.deletedAt.getTime());
    }
  });

  it("deletes more by hand on weekdays than at weekends, with one incident day", () => {
    const manualPerDay = new Map<string, number>();
    for (const d of full.deletions.filter((d) => d.deletionType === "manual" && d.storageClass === "STANDARD")) {
      const day = d.deletedAt.toISOString().slice(0, 10);
      manualPerDay.set(day, (manualPerDay.get(day) ?? 0) + 1);
    }
    const average = (weekend: boolean) => {
      const counts = [...manualPerDay].filter(([day]) => [0, 6].includes(new Date(day).getUTCDay()) === weekend).map(([, n]) => n);
      return counts.reduce((a, b) => a + b, 0) / counts.length;
    };
    expect(average(false)).toBeGreaterThan(1.8 * average(true));
    const incidentDay = walkthroughDeletedAt({ daysAgo: DEMO_INCIDENT.daysAgo, time: "00:00:00", deletionType: "manual" }, now).toISOString().slice(0, 10);
    const busiest = [...manualPerDay].sort((a, b) => b[1] - a[1])[0]!;
    expect(busiest[0]).toBe(incidentDay);
    expect(busiest[1]).toBeGreaterThan(200);
  });

  it("holds every walkthrough record at both scales, deleted when the fixtures say", () => {
    for (const plan of [full, small] as DemoPlan[]) {
      for (const record of Object.values(WALKTHROUGH)) {
        const found = plan.deletions.filter((d) => d.service.name === record.serviceName && pkOf(d.keys).S === record.partitionKey);
        expect(found.map((d) => [d.deletedAt.toISOString(), d.deletionType, d.storageClass])).toEqual(
          record.deletions.map((w) => [walkthroughDeletedAt(w, now).toISOString(), w.deletionType, record.storageClass]),
        );
        const live = plan.live.filter((l) => l.service.name === record.serviceName && (l.item[l.service.table.partitionKey.name] as { S: string }).S === record.partitionKey);
        expect(live.map((l) => l.reason)).toEqual(record.live === "gone" ? [] : [record.live]);
      }
    }
  });

  it("writes no live item that the TTL sweeper would delete at once, and one that expires minutes after seeding", () => {
    for (const l of full.live) {
      const attribute = l.service.table.ttlAttribute;
      const ttl = attribute ? l.item[attribute] : undefined;
      if (ttl) expect(epoch(ttl)).toBeGreaterThan(now.getTime());
    }
    const expiring = full.live.find((l) => (l.item.PK as { S: string } | undefined)?.S === EXPIRING_SOON.partitionKey);
    expect(expiring?.reason).toBe("expiring");
    expect(epoch(expiring!.item.expiresAt) - now.getTime()).toBeLessThanOrEqual(EXPIRING_SOON.expiresAfterSeconds * 1_000);
  });

  it("refuses a config whose services cannot hold the demo's data", () => {
    const withoutUnits = parseConfig({ ...config, services: config.services.slice(0, 2) });
    expect(() => resolveDemoServices(withoutUnits)).toThrow(DemoConfigError);
    expect(() => resolveDemoServices(withoutUnits)).toThrow(/"unt-svc"/);
    const numericUnits = parseConfig({ ...config, services: [...config.services.slice(0, 2), service("unt-svc", { partitionKey: { name: "unitId", type: "N" } })] });
    expect(() => resolveDemoServices(numericUnits)).toThrow(/string partition key only/);
  });
});
