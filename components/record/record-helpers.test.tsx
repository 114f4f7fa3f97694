import { describe, expect, it } from "vitest";
import { s3CopyCommand, shellQuote } from "./s3-command";
import { utcInputToIso } from "./restore-panel";

describe("s3CopyCommand", () => {
  it("double-quotes an archive key made of safe characters", () => {
    expect(s3CopyCommand("lazarus-archive", "usr-contact-svc/2024/01/15/102959Z_manual_CUST%23123_PROFILE_0123456789abcdef.json")).toBe(
      'aws s3 cp "s3://lazarus-archive/usr-contact-svc/2024/01/15/102959Z_manual_CUST%23123_PROFILE_0123456789abcdef.json" -',
    );
  });

  it("single-quotes anything the shell would interpret, including quotes", () => {
    expect(shellQuote("s3://b/k/$(rm -rf ~)`x`\"y\"!")).toBe("'s3://b/k/$(rm -rf ~)`x`\"y\"!'");
    expect(shellQuote("s3://b/it's.json")).toBe("'s3://b/it'\\''s.json'");
  });

  it("adds the local endpoint when there is one", () => {
    expect(s3CopyCommand("b", "s/2024/01/01/x.json", "http://127.0.0.1:5000")).toBe('aws s3 cp "s3://b/s/2024/01/01/x.json" - --endpoint-url "http://127.0.0.1:5000"');
  });
});

describe("utcInputToIso", () => {
  it("reads a datetime-local value as UTC", () => {
    expect(utcInputToIso("2030-01-31T12:00")).toBe("2030-01-31T12:00:00.000Z");
    expect(utcInputToIso("2030-01-31T12:00:30")).toBe("2030-01-31T12:00:30.000Z");
  });

  it("refuses what is not a time", () => {
    expect(utcInputToIso("")).toBeUndefined();
    expect(utcInputToIso("tomorrow")).toBeUndefined();
    expect(utcInputToIso("2030-13-45T99:00")).toBeUndefined();
  });
});

describe("the restore draft", () => {
  it("asks for a TTL choice when the item has a TTL attribute, and never assumes keep", async () => {
    const { EMPTY_DRAFT, problemsOf, ttlChoiceOf } = await import("./restore-draft");
    const plan = { table: "t", ttl: { attribute: "expiresAt", expiresAt: "2020-01-01T00:00:00.000Z", expired: true } } as Parameters<typeof problemsOf>[1];
    const now = new Date("2026-01-01T00:00:00Z");
    expect(problemsOf(EMPTY_DRAFT, plan, now).ttl).toMatch(/Choose what to do with expiresAt/);
    expect(problemsOf({ ...EMPTY_DRAFT, ttlAction: "keep" }, plan, now)).toEqual({});
    expect(ttlChoiceOf({ ...EMPTY_DRAFT, ttlAction: "drop" }, plan)).toEqual({ action: "drop" });
    const noTtl = { table: "t", ttl: null } as unknown as Parameters<typeof problemsOf>[1];
    expect(problemsOf(EMPTY_DRAFT, noTtl, now)).toEqual({});
  });
});
