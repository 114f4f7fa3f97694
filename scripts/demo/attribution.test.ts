import { describe, expect, it } from "vitest";
import { deletedKeyCalls, parseCloudTrailDetail } from "../../lib/attribution/deleted-key-call";
import { parseConfig } from "../../lib/config/load";
import { cloudTrailEventFor } from "../local-stack/cloudtrail-events";
import { demoCalls } from "./attribution";
import { DEMO_INCIDENT, walkthroughDeletedAt } from "./fixtures";
import { planDemo, resolveDemoServices } from "./history";

const now = new Date("2026-11-22T09:41:07Z");
const service = (name: string, table: object) => ({ name, table: { name: `${name}-table`, ...table }, archiver: { functionName: `${name}-archiver` } });
const config = parseConfig({
  region: "eu-west-1",
  archive: { bucket: "demo-archive" },
  services: [
    service("usr-contact-svc", { partitionKey: { name: "PK", type: "S" }, sortKey: { name: "SK", type: "S" }, ttlAttribute: "expiresAt" }),
    service("sor-service-order-svc", { partitionKey: { name: "PK", type: "S" }, sortKey: { name: "SK", type: "S" }, ttlAttribute: "ttl" }),
    service("unt-svc", { partitionKey: { name: "unitId", type: "S" }, ttlAttribute: "expiresAt" }),
  ],
  attribution: { enabled: true },
});
const plan = planDemo({ services: resolveDemoServices(config), now, scale: "small" });
const calls = demoCalls(config, plan.deletions, plan.day);
const attributed = calls.flatMap((c) => deletedKeyCalls(parseCloudTrailDetail(cloudTrailEventFor(c)), config.services));
const keyText = (k: { partitionKey: unknown; sortKey?: unknown } | null) => JSON.stringify(k);

describe("the demo's CloudTrail calls", () => {
  it("name every manual deletion once, and no TTL expiry", () => {
    const manual = plan.deletions.filter((d) => d.deletionType === "manual");
    expect(attributed).toHaveLength(manual.length);
  });

  it("blame the clean-up job for the incident's orders only, and the support engineer for the rest of that day", () => {
    const incidentDay = walkthroughDeletedAt({ daysAgo: DEMO_INCIDENT.daysAgo, time: "00:00:00", deletionType: "manual" }, plan.day).toISOString().slice(0, 10);
    const cleanup = attributed.filter((a) => a.principal.label.startsWith("order-cleanup-job/"));
    expect(cleanup.length).toBeGreaterThan(0);
    for (const a of cleanup) {
      expect(a.service).toBe("sor-service-order-svc");
      expect(a.eventTime.slice(0, 10)).toBe(incidentDay);
      expect(a.eventTime.slice(11, 19) >= DEMO_INCIDENT.from && a.eventTime.slice(11, 19) <= DEMO_INCIDENT.to).toBe(true);
    }
    const sameDayByHand = attributed.filter((a) => a.service === "sor-service-order-svc" && a.eventTime.startsWith(incidentDay) && a.principal.label.startsWith("support-engineer/"));
    expect(sameDayByHand.length).toBeGreaterThan(0);
    const c1001 = attributed.find((a) => keyText(a.key).includes("CONTACT#c-1001"));
    expect(c1001?.principal).toMatchObject({ roleArn: "arn:aws:iam::111122223333:role/support-engineer", sourceIdentity: "maria@example.com" });
  });
});
