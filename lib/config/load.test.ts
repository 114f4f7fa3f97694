import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ConfigError, findService, loadConfigFile, parseConfig } from "./load";

const minimal = {
  region: "eu-west-1",
  archive: { bucket: "my-archive" },
  services: [
    {
      name: "usr-contact-svc",
      table: { name: "usr-contact", partitionKey: { name: "PK", type: "S" } },
      archiver: { functionName: "archiver-usr" },
      onFailure: { type: "sqs", queueName: "usr-dlq" },
    },
  ],
};

function withService(patch: Record<string, unknown>) {
  return { ...minimal, services: [{ ...minimal.services[0], ...patch }] };
}

describe("config", () => {
  it("fills safe defaults: bounded retries, bisect, lifecycle tiers", () => {
    const config = parseConfig(minimal);
    const service = config.services[0]!;
    expect(service.archiver).toMatchObject({ batchSize: 100, maximumRetryAttempts: 5, bisectBatchOnFunctionError: true, maximumRecordAgeSeconds: 21_600 });
    expect(config.archive.prefix).toBe("");
    expect(config.archive.lifecycle).toEqual({ infrequentAccessAfterDays: 90, glacierAfterDays: 365, expireAfterDays: 2_555, minimumObjectSizeBytes: 131_072, noncurrentVersionDays: 30 });
    expect(config.archive.objectLock.enabled).toBe(false);
  });

  it("sends failed batches to S3 by default, and keeps an SQS batch's records replayable", () => {
    const { onFailure: _omit, ...withoutDestination } = minimal.services[0]!;
    const s3 = parseConfig({ ...minimal, services: [withoutDestination] }).services[0]!;
    expect(s3.onFailure).toEqual({ type: "s3", bucket: "my-archive-failed" });
    expect(s3.archiver.maximumRecordAgeSeconds).toBe(86_400);
    expect(() => parseConfig(withService({ archiver: { functionName: "archiver-usr", maximumRecordAgeSeconds: 86_400 } }))).toThrow(
      /services\[0\]\.archiver\.maximumRecordAgeSeconds: must be at most 21600 with an SQS destination/,
    );
    const longName = { ...minimal, archive: { bucket: "a".repeat(60) }, services: [withoutDestination] };
    expect(() => parseConfig(longName)).toThrow(/archive\.failureBucket: is required/);
  });

  it("names the bad field in its message", () => {
    expect(() => parseConfig(withService({ name: "Bad Name" }), "lazarus.config.json")).toThrow(
      /lazarus\.config\.json[\s\S]*services\[0\]\.name: must be 1-63 lowercase/,
    );
    expect(() => parseConfig({ ...minimal, archive: { bucket: "my-archive", prefix: "no-slash" } })).toThrow(/archive\.prefix: must be "" or end with "\/"/);
    expect(() => parseConfig(withService({ onFailure: { type: "sns" } }))).toThrow(/services\[0\]\.onFailure\.type/);
  });

  it("refuses unknown fields rather than ignoring a typo", () => {
    expect(() => parseConfig(withService({ tabel: {} }))).toThrow(/services\[0\]/);
  });

  it("refuses two services with one name or one table", () => {
    const twice = { ...minimal, services: [minimal.services[0], { ...minimal.services[0], archiver: { functionName: "other" } }] };
    expect(() => parseConfig(twice)).toThrow(/services\[1\]\.name: "usr-contact-svc" is already used by services\[0\][\s\S]*services\[1\]\.table\.name/);
  });

  it("refuses lifecycle steps out of order", () => {
    expect(() => parseConfig({ ...minimal, archive: { bucket: "my-archive", lifecycle: { infrequentAccessAfterDays: 400, glacierAfterDays: 365 } } })).toThrow(
      /archive\.lifecycle\.glacierAfterDays: must be later than infrequentAccessAfterDays \(400\)/,
    );
  });

  it("reports unreadable and non-JSON files clearly", () => {
    const dir = mkdtempSync(join(tmpdir(), "lazarus-config-"));
    expect(() => loadConfigFile(join(dir, "missing.json"))).toThrow(ConfigError);
    const broken = join(dir, "broken.json");
    writeFileSync(broken, "{ nope");
    expect(() => loadConfigFile(broken)).toThrow(/is not valid JSON/);
  });

  it("finds services only by configured name", () => {
    const config = parseConfig(minimal);
    expect(findService(config, "usr-contact-svc")?.table.name).toBe("usr-contact");
    expect(findService(config, "../usr-contact-svc")).toBeUndefined();
  });

  it("accepts the repository's own lazarus.config.json", () => {
    const config = loadConfigFile(join(import.meta.dirname, "../../lazarus.config.json"));
    expect(config.services.map((s) => s.name)).toEqual(["usr-contact-svc", "sor-service-order-svc", "unt-svc"]);
  });
});

describe("approvals config", () => {
  it("is absent unless written, so every action runs at once as before", () => {
    expect(parseConfig(minimal).approvals).toBeUndefined();
  });

  it("names actions one by one, with a 24-hour expiry by default", () => {
    const config = parseConfig({ ...minimal, approvals: { erasure: true, bulkRestore: { aboveItems: 100 } } });
    expect(config.approvals).toEqual({
      restoreOverwrite: false,
      restoreOtherTable: false,
      bulkRestore: { aboveItems: 100 },
      pitrCopyBack: false,
      erasure: true,
      protectionChange: false,
      dlqDiscard: false,
      expiryHours: 24,
    });
  });

  it("refuses unknown actions and services that are not configured", () => {
    expect(() => parseConfig({ ...minimal, approvals: { dlqDiscrad: true } })).toThrow(/approvals.*dlqDiscrad/);
    expect(() => parseConfig({ ...minimal, approvals: { erasure: true, services: ["nope-svc"] } })).toThrow(/approvals\.services\[0\]: "nope-svc" is not in services/);
    expect(() => parseConfig({ ...minimal, approvals: { bulkRestore: { above: 3 } } })).toThrow(/approvals\.bulkRestore/);
  });
});
