import type { S3Client } from "@aws-sdk/client-s3";
import { beforeEach, describe, expect, it, vi } from "vitest";
import type { LazarusConfig } from "../config/schema";
import { DomainError } from "../errors/domain-error";
import { appendAuditEntry, type NewAuditEntry } from "./audit-log";
import { auditedOperation } from "./audited-operation";

vi.mock("./audit-log", () => ({ appendAuditEntry: vi.fn() }));
const append = vi.mocked(appendAuditEntry);
const written: NewAuditEntry[] = [];
const s3 = {} as S3Client;
const config = {} as LazarusConfig;
const base = { actor: { id: "u", email: "a@example.com", name: "A" }, role: "admin" as const, action: "protection-change" as const, message: "enable PITR", details: { fix: "enable-pitr" } };

beforeEach(() => {
  written.length = 0;
  append.mockReset();
  append.mockImplementation(async (_s3, _config, entry) => {
    written.push(entry);
    return { ...entry, schemaVersion: 1, id: "x", at: "2024-01-01T00:00:00.000Z" };
  });
});

describe("an audited operation", () => {
  it("writes started before the work and the outcome after, under one operationId", async () => {
    const work = vi.fn(async () => {
      expect(written.map((e) => e.outcome)).toEqual(["started"]);
      return 3;
    });
    const op = auditedOperation(s3, config, base);
    expect(await op.run(work, { succeeded: (n) => ({ message: `done ${n}`, details: { n } }) })).toBe(3);
    expect(written.map((e) => [e.outcome, e.message, e.operationId])).toEqual([
      ["started", "enable PITR", op.operationId],
      ["succeeded", "done 3", op.operationId],
    ]);
    expect(written[1]!.details).toEqual({ fix: "enable-pitr", n: 3 });
  });

  it("does not run the work when the write-ahead entry cannot be written", async () => {
    append.mockRejectedValueOnce(Object.assign(new Error("denied"), { name: "AccessDenied" }));
    const work = vi.fn(async () => 1);
    await expect(auditedOperation(s3, config, base).run(work, { succeeded: () => ({ message: "done" }) })).rejects.toThrow("denied");
    expect(work).not.toHaveBeenCalled();
  });

  it("records a refusal with its message, and a failure by the error's name only, then rethrows", async () => {
    await expect(
      auditedOperation(s3, config, base).run(async () => {
        throw new DomainError(409, "job-state", "The job cannot do that now: it is running.");
      }, { succeeded: () => ({ message: "done" }) }),
    ).rejects.toThrow("it is running");
    expect(written.at(-1)).toMatchObject({ outcome: "refused", message: "The job cannot do that now: it is running." });

    await expect(
      auditedOperation(s3, config, base).run(async () => {
        throw Object.assign(new Error("Item {name: Ada} could not be written"), { name: "ValidationException" });
      }, { succeeded: () => ({ message: "done" }) }),
    ).rejects.toThrow();
    expect(written.at(-1)).toMatchObject({ outcome: "failed", message: "ValidationException" });
  });

  it("returns the work's result when only the outcome entry is lost, and logs the gap", async () => {
    const log = vi.spyOn(console, "error").mockImplementation(() => {});
    const op = auditedOperation(s3, config, base);
    append.mockImplementationOnce(async (_s3, _c, entry) => {
      written.push(entry);
      return { ...entry, schemaVersion: 1, id: "x", at: "2024-01-01T00:00:00.000Z" };
    });
    append.mockRejectedValueOnce(new Error("S3 down"));
    expect(await op.run(async () => "ok", { succeeded: () => ({ message: "done" }) })).toBe("ok");
    expect(log.mock.calls[0]![0]).toContain(op.operationId);
    log.mockRestore();
  });

  it("a refusal before the start must be recorded: it is the attempt's only entry", async () => {
    append.mockRejectedValueOnce(new Error("S3 down"));
    await expect(auditedOperation(s3, config, base).refuse("not allowed")).rejects.toThrow("S3 down");
  });
});
