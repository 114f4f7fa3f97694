import { describe, expect, it } from "vitest";
import type { EventSourceMappingConfiguration } from "@aws-sdk/client-lambda";
import {
  evaluateAlarms,
  evaluateSealLag,
  evaluateDeletionProtection,
  evaluateDlq,
  evaluateMapping,
  evaluatePitr,
  evaluateStream,
  evaluateTtl,
  failureSample,
  iteratorAgeGrowing,
} from "./protection-rules";
import { protectionTestConfig } from "./test-config";
import { worstLight } from "./protection-types";
import type { SealLag } from "../archive/seal-lag";

const config = protectionTestConfig();
const sqsService = config.services[0]!;
const policy = config.protection;
const now = new Date("2025-06-01T12:00:00Z");
const DAY = 86_400_000;
const meta = { $metadata: {} };

function pitr(description: Record<string, unknown>) {
  return { ok: true as const, value: { ...meta, ContinuousBackupsDescription: { ContinuousBackupsStatus: "ENABLED" as const, PointInTimeRecoveryDescription: description } } };
}

describe("PITR", () => {
  it("is green when enabled with a full window and policy's recovery period", () => {
    const c = evaluatePitr("t", pitr({ PointInTimeRecoveryStatus: "ENABLED", RecoveryPeriodInDays: 35, EarliestRestorableDateTime: new Date(now.getTime() - 35 * DAY), LatestRestorableDateTime: now }), policy);
    expect(c.status).toBe("green");
    expect(c.facts).toContainEqual({ label: "Coverage window (days)", value: 35 });
  });
  it("is red when disabled, with the CLI command and the console fix", () => {
    const c = evaluatePitr("usr-contact", pitr({ PointInTimeRecoveryStatus: "DISABLED" }), policy);
    expect(c.status).toBe("red");
    expect(c.findings[0]).toMatchObject({
      severity: "red",
      consoleFix: "enable-pitr",
      command: "aws dynamodb update-continuous-backups --table-name usr-contact --point-in-time-recovery-specification PointInTimeRecoveryEnabled=true",
    });
  });
  it("is amber when coverage is below the threshold", () => {
    const c = evaluatePitr("t", pitr({ PointInTimeRecoveryStatus: "ENABLED", EarliestRestorableDateTime: new Date(now.getTime() - 3 * DAY), LatestRestorableDateTime: now }), policy);
    expect(c.status).toBe("amber");
    expect(c.findings[0]!.why).toContain("3.0 days");
  });
  it("is amber when the recovery period is shorter than policy", () => {
    const c = evaluatePitr("t", pitr({ PointInTimeRecoveryStatus: "ENABLED", RecoveryPeriodInDays: 7, EarliestRestorableDateTime: new Date(now.getTime() - 7 * DAY), LatestRestorableDateTime: now }), protectionTestConfig({ protection: { pitrCoverageDays: 5 } }).protection);
    expect(c.status).toBe("amber");
    expect(c.findings).toHaveLength(1);
    expect(c.findings[0]!.command).toContain("RecoveryPeriodInDays=35");
  });
  it("is unknown with the message when the call failed", () => {
    const c = evaluatePitr("t", { ok: false, error: "AWS is throttling" }, policy);
    expect(c).toMatchObject({ status: "unknown", error: "AWS is throttling" });
  });
});

describe("table settings", () => {
  const table = (t: Record<string, unknown>) => ({ ok: true as const, value: { ...meta, Table: t } });
  it("deletion protection off is red with a console fix", () => {
    const c = evaluateDeletionProtection("t", table({ DeletionProtectionEnabled: false }));
    expect(c.status).toBe("red");
    expect(c.findings[0]).toMatchObject({ consoleFix: "enable-deletion-protection", command: "aws dynamodb update-table --table-name t --deletion-protection-enabled" });
    expect(evaluateDeletionProtection("t", table({ DeletionProtectionEnabled: true })).status).toBe("green");
  });
  it("stream is red unless NEW_AND_OLD_IMAGES", () => {
    expect(evaluateStream("t", table({ StreamSpecification: { StreamEnabled: true, StreamViewType: "NEW_AND_OLD_IMAGES" } })).status).toBe("green");
    expect(evaluateStream("t", table({ StreamSpecification: { StreamEnabled: true, StreamViewType: "KEYS_ONLY" } })).status).toBe("red");
    expect(evaluateStream("t", table({ StreamSpecification: { StreamEnabled: true, StreamViewType: "OLD_IMAGE" } })).status).toBe("red");
    const off = evaluateStream("t", table({}));
    expect(off.status).toBe("red");
    expect(off.findings[0]!.command).toContain("StreamViewType=NEW_AND_OLD_IMAGES");
  });
  it("TTL is compared with the configured attribute", () => {
    const ttl = (d: Record<string, unknown>) => ({ ok: true as const, value: { ...meta, TimeToLiveDescription: d } });
    expect(evaluateTtl("t", sqsService, ttl({ TimeToLiveStatus: "ENABLED", AttributeName: "expiresAt" })).status).toBe("green");
    expect(evaluateTtl("t", sqsService, ttl({ TimeToLiveStatus: "ENABLED", AttributeName: "ttl" })).status).toBe("amber");
    const off = evaluateTtl("t", sqsService, ttl({ TimeToLiveStatus: "DISABLED" }));
    expect(off.status).toBe("amber");
    expect(off.findings[0]!.command).toBe("aws dynamodb update-time-to-live --table-name t --time-to-live-specification Enabled=true,AttributeName=expiresAt");
    expect(evaluateTtl("t", config.services[1]!, ttl({ TimeToLiveStatus: "DISABLED" })).status).toBe("green");
  });
});

describe("event source mapping", () => {
  const good: EventSourceMappingConfiguration = {
    UUID: "u-1",
    State: "Enabled",
    BatchSize: 100,
    MaximumRetryAttempts: 5,
    MaximumRecordAgeInSeconds: 86_400,
    BisectBatchOnFunctionError: true,
    FunctionResponseTypes: ["ReportBatchItemFailures"],
    DestinationConfig: { OnFailure: { Destination: "arn:aws:s3:::failures" } },
  };
  const evaluate = (m: EventSourceMappingConfiguration | null, points: { at: Date; maximum: number }[] | null = null) =>
    evaluateMapping(sqsService, { mappings: { ok: true, value: m ? [m] : [] }, iteratorAgeMs: { ok: true, value: points } }, 3_600);

  it("is green with an S3 destination and bounded settings", () => {
    expect(evaluate(good).status).toBe("green");
  });
  it("is red without a mapping", () => {
    expect(evaluate(null)).toMatchObject({ status: "red", summary: "No mapping" });
  });
  it.each([
    ["no on-failure destination", { DestinationConfig: undefined }, "no on-failure destination"],
    ["unbounded retries", { MaximumRetryAttempts: -1 }, "--maximum-retry-attempts 5"],
    // The SQS service's configured age: 6 hours, so a replay still finds its records in the stream.
    ["unbounded record age", { MaximumRecordAgeInSeconds: -1 }, "--maximum-record-age-in-seconds 21600"],
    ["disabled", { State: "Disabled" }, "--enabled"],
  ])("is red when %s", (_name, change, expected) => {
    const c = evaluate({ ...good, ...change });
    expect(c.status).toBe("red");
    expect(JSON.stringify(c.findings)).toContain(expected);
  });
  it("is red when the iterator age keeps growing", () => {
    const points = [1, 2, 3].map((i) => ({ at: new Date(now.getTime() + i * 300_000), maximum: i * 120_000 }));
    expect(iteratorAgeGrowing(points)).toBe(true);
    expect(evaluate(good, points).status).toBe("red");
    expect(evaluate(good, [{ at: now, maximum: 5_000 }]).status).toBe("green");
  });
  it("is amber when the destination is SQS only", () => {
    const c = evaluate({ ...good, DestinationConfig: { OnFailure: { Destination: "arn:aws:sqs:us-east-1:123456789012:dlq" } } });
    expect(c.status).toBe("amber");
    expect(c.findings[0]!.why).toContain("24 hours");
  });
  it("is amber without partial batch responses", () => {
    expect(evaluate({ ...good, FunctionResponseTypes: [] }).status).toBe("amber");
  });
});

describe("DLQ", () => {
  it("an empty queue is green", () => {
    const c = evaluateDlq(sqsService, { type: "sqs", queueName: "q", attributes: { ok: true, value: { visible: 0, inFlight: 0 } }, oldestAgeSeconds: { ok: true, value: null }, sample: null }, now);
    expect(c.status).toBe("green");
    expect(c.facts).toContainEqual({ label: "Oldest message age", value: "unavailable (no CloudWatch datapoint)" });
  });
  it("messages are red, with how many are past the stream's retention", () => {
    const sample = failureSample([new Date(now.getTime() - 2 * DAY), new Date(now.getTime() - 3_600_000)], now);
    expect(sample).toMatchObject({ inspected: 2, pastRetention: 1 });
    const c = evaluateDlq(sqsService, { type: "sqs", queueName: "q", attributes: { ok: true, value: { visible: 2, inFlight: 0 } }, oldestAgeSeconds: { ok: true, value: null }, sample: { ok: true, value: sample } }, now);
    expect(c.status).toBe("red");
    expect(c.findings[0]!.why).toContain("1 of the 2 read");
  });
  it("in-flight messages count too", () => {
    const c = evaluateDlq(sqsService, { type: "sqs", queueName: "q", attributes: { ok: true, value: { visible: 0, inFlight: 1 } }, oldestAgeSeconds: { ok: true, value: 90 }, sample: null }, now);
    expect(c.status).toBe("red");
  });
  it("S3 failure objects are red and dated by LastModified", () => {
    const c = evaluateDlq(config.services[1]!, { type: "s3", bucket: "b", prefix: "aws/lambda/u/", objects: { ok: true, value: { count: 3, truncated: false, sample: failureSample([new Date(now.getTime() - 2 * DAY)], now) } } }, now);
    expect(c.status).toBe("red");
    expect(c.findings[0]!.why).toContain("1 of them are older");
  });
});

describe("alarms", () => {
  it("not found is shown as such, not red; ALARM is red", () => {
    const none = evaluateAlarms(sqsService, { ok: true, value: [] });
    // Every alarm infra creates for the archiver is looked for, not only the first three.
    expect(none.facts.map((f) => f.label)).toEqual([
      ...["iterator-age", "archiver-errors", "throttles", "destination-delivery-failures", "near-timeout", "stalled", "failed-records", "dlq-depth"].map((c) => `lazarus-usr-contact-svc-${c}`),
    ]);
    expect(none).toMatchObject({ status: "green", summary: "Not found" });
    expect(none.facts).toContainEqual({ label: "lazarus-usr-contact-svc-dlq-depth", value: "not found" });
    const firing = evaluateAlarms(sqsService, { ok: true, value: [{ AlarmName: "lazarus-usr-contact-svc-dlq-depth", StateValue: "ALARM" }] });
    expect(firing.status).toBe("red");
  });
});

describe("seal lag", () => {
  const lag = (over: Partial<SealLag>): SealLag => ({
    service: sqsService.name,
    lagDays: 0,
    oldestUnsealed: null,
    afterDays: 2,
    thresholdDays: 2,
    isLagging: false,
    complete: true,
    requests: { list: 1, get: 0 },
    ...over,
  });

  it("is green and up to date when every closed day is sealed", () => {
    const c = evaluateSealLag(sqsService, { ok: true, value: { sealing: "on", lag: lag({}) } });
    expect(c).toMatchObject({ id: "seal", label: "Sealing", status: "green", summary: "Up to date (lag 0 days)", findings: [] });
    expect(c.facts).toContainEqual({ label: "Seal lag (days)", value: 0 });
  });

  it("shows a lag within the threshold in green, and amber past it with the day and the command", () => {
    expect(evaluateSealLag(sqsService, { ok: true, value: { sealing: "on", lag: lag({ lagDays: 2, oldestUnsealed: "2026-12-04" }) } })).toMatchObject({
      status: "green",
      summary: "Lag 2 days",
    });
    const amber = evaluateSealLag(sqsService, { ok: true, value: { sealing: "on", lag: lag({ lagDays: 9, oldestUnsealed: "2026-11-27", isLagging: true }) } });
    expect(amber).toMatchObject({ status: "amber", summary: "Lag 9 days" });
    expect(amber.facts).toContainEqual({ label: "Oldest closed day not sealed", value: "2026-11-27" });
    expect(amber.findings[0]).toMatchObject({ severity: "amber", command: `npm run seal -- --service ${sqsService.name}` });
    expect(amber.findings[0]!.why).toContain("2026-11-27 is closed but not sealed, 9 days after it fell due");
  });

  it("is unknown when the budget ran out, and says sealing is off when the bucket locks objects", () => {
    expect(evaluateSealLag(sqsService, { ok: true, value: { sealing: "on", lag: lag({ complete: false, requests: { list: 6, get: 6 } }) } })).toMatchObject({ status: "unknown" });
    expect(evaluateSealLag(sqsService, { ok: true, value: { sealing: "off", reason: "locked" } })).toMatchObject({ status: "green", summary: "Off" });
    expect(evaluateSealLag(sqsService, { ok: false, error: "AccessDenied" })).toMatchObject({ status: "unknown", error: "AccessDenied" });
  });
});

it("the worst light wins; unknown outranks green only", () => {
  expect(worstLight(["green", "unknown"])).toBe("unknown");
  expect(worstLight(["unknown", "amber"])).toBe("amber");
  expect(worstLight(["amber", "red", "green"])).toBe("red");
});
