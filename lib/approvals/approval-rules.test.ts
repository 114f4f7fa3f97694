import { describe, expect, it } from "vitest";
import { parseConfig } from "../config/load";
import type { ConsoleClients } from "../http/clients";
import { ACTION_KINDS } from "./approval-actions";
import { effectiveStatus } from "./approval-types";

const base = {
  region: "eu-west-1",
  archive: { bucket: "my-archive" },
  services: ["prod-svc", "test-svc"].map((name) => ({
    name,
    table: { name: `${name}-table`, partitionKey: { name: "PK", type: "S" } },
    archiver: { functionName: `archiver-${name}` },
    onFailure: { type: "sqs", queueName: `${name}-dlq` },
  })),
};
// The rules below decide without AWS: a call would fail the test.
const noAws = {} as ConsoleClients;

function restoreInput(service: string, body: Record<string, unknown>) {
  return ACTION_KINDS.restore.input.parse({ service, body: { archiveKey: "prod-svc/2024/01/01/x.json", ttl: { action: "keep" }, ...body } });
}

describe("which actions need a second person", () => {
  const config = parseConfig({ ...base, approvals: { restoreOverwrite: true, erasure: true, services: ["prod-svc"] } });
  const approvals = config.approvals!;

  it("gates an overwrite restore, not a no-clobber one, and only on the services named", async () => {
    const overwrite = restoreInput("prod-svc", { mode: "overwrite", expectedLiveFingerprint: "absent" });
    expect(await ACTION_KINDS.restore.needsApproval(approvals, overwrite, noAws, config)).toBe(true);
    expect(await ACTION_KINDS.restore.needsApproval(approvals, restoreInput("prod-svc", { mode: "no-clobber" }), noAws, config)).toBe(false);
    expect(await ACTION_KINDS.restore.needsApproval(approvals, restoreInput("test-svc", { mode: "overwrite", expectedLiveFingerprint: "absent" }), noAws, config)).toBe(false);
    // restoreOtherTable is off: writing elsewhere without overwriting runs at once.
    expect(await ACTION_KINDS.restore.needsApproval(approvals, restoreInput("prod-svc", { mode: "no-clobber", targetTable: "copy-table" }), noAws, config)).toBe(false);
  });

  it("asks the approver for the same permissions the action's route asks of its requester", () => {
    expect(ACTION_KINDS.restore.permissions(config, restoreInput("prod-svc", { mode: "overwrite", expectedLiveFingerprint: "absent" }))).toEqual(["record:restore", "record:restore-overwrite"]);
    expect(ACTION_KINDS.restore.permissions(config, restoreInput("prod-svc", { mode: "no-clobber", targetTable: "copy-table" }))).toEqual(["record:restore", "record:restore-other-table"]);
    expect(ACTION_KINDS.erasure.permissions(config, { match: "exact", key: "K", mode: "erase", confirmation: "ERASE K" })).toEqual(["erasure"]);
  });

  it("gates an erasure whose scope touches a named service, and refuses a wrong confirmation before any request", async () => {
    const erase = (services: string[] | undefined, confirmation = "ERASE K") => ({ match: "exact" as const, key: "K", mode: "erase" as const, confirmation, ...(services ? { services } : {}) });
    expect(await ACTION_KINDS.erasure.needsApproval(approvals, erase(undefined), noAws, config)).toBe(true);
    expect(await ACTION_KINDS.erasure.needsApproval(approvals, erase(["test-svc"]), noAws, config)).toBe(false);
    await expect(ACTION_KINDS.erasure.needsApproval(approvals, erase(["prod-svc"], "ERASE k"), noAws, config)).rejects.toMatchObject({ status: 400 });
  });

  it("gates nothing the config does not name", async () => {
    expect(await ACTION_KINDS["protection-change"].needsApproval(approvals, { service: "prod-svc", fix: "enable-pitr" }, noAws, config)).toBe(false);
    expect(await ACTION_KINDS["bulk-restore"].needsApproval(approvals, { jobId: "20240115T101500.000Z-0123456789ab", options: { overwriteConflicting: false, ttl: { action: "keep" } } }, noAws, config)).toBe(false);
  });
});

describe("a request's status", () => {
  const now = new Date("2024-05-01T12:00:00Z");
  it("reads expired once pending past its expiry, whatever is stored", () => {
    expect(effectiveStatus({ status: "pending", expiresAt: "2024-05-01T11:59:59Z" }, now)).toBe("expired");
    expect(effectiveStatus({ status: "pending", expiresAt: "2024-05-01T12:00:01Z" }, now)).toBe("pending");
    expect(effectiveStatus({ status: "executed", expiresAt: "2024-05-01T11:00:00Z" }, now)).toBe("executed");
  });
});
