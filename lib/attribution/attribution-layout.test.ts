import { describe, expect, it } from "vitest";
import { attributionDayPrefix, attributionKey, KEYLESS_FOLDER, parseAttributionName } from "./attribution-layout";

const call = {
  service: "usr-contact-svc",
  eventTime: "2026-11-20T10:31:05.000Z",
  api: "DeleteItem" as const,
  eventId: "c2a1f0f4-6f1e-4b8e-9a53-2b1d7d1f0a01",
  principal: { label: "support-engineer/nina.support" },
  key: { partitionKey: { S: "CONTACT#c-1001" }, sortKey: { S: "PROFILE" } },
};
const day = new Date("2026-11-20T00:00:00Z");

describe("attribution object names", () => {
  it("put a call under its day and key, outside every service folder, and read back its time, API and caller", () => {
    const key = attributionKey("deleted/", call);
    const prefix = attributionDayPrefix("deleted/", "usr-contact-svc", day);
    expect(prefix).toBe("deleted/_attribution/usr-contact-svc/2026/11/20/");
    expect(key.startsWith(`${prefix}CONTACT#c-1001_PROFILE/103105Z_DeleteItem_`)).toBe(true);
    expect(parseAttributionName(key.slice(prefix.length), day)).toMatchObject({
      eventTime: new Date("2026-11-20T10:31:05Z"),
      api: "DeleteItem",
      principalLabel: "support-engineer/nina.support",
      keyFolder: "CONTACT#c-1001_PROFILE",
    });
  });

  it("gives a redelivered event the same name, and another event of the same second another", () => {
    expect(attributionKey("", call)).toBe(attributionKey("", { ...call }));
    expect(attributionKey("", { ...call, eventId: "other" })).not.toBe(attributionKey("", call));
  });

  it("files a call that named no key under the table's keyless folder, and hashes a caller label too long for a name", () => {
    const prefix = attributionDayPrefix("", "usr-contact-svc", day);
    const keyless = attributionKey("", { ...call, key: null });
    expect(keyless.startsWith(`${prefix}${KEYLESS_FOLDER}/`)).toBe(true);
    const long = attributionKey("", { ...call, principal: { label: `role/${"x".repeat(400)}` } });
    expect(Buffer.byteLength(long)).toBeLessThan(1024);
    expect(parseAttributionName(long.slice(prefix.length), day)?.principalLabel).toMatch(/^role\/x+…$/);
  });
});
