import { describe, expect, it } from "vitest";
import { configSchema } from "../config/schema";
import { protectionTestConfig } from "../protection/test-config";
import { sealLagDays } from "./seal-lag";
import { rotateServices } from "./seal-run";

describe("seal lag", () => {
  it("counts whole days since a day fell due (seal.afterDays after it began), not the day's age", () => {
    const day = { year: 2026, month: 3, day: 10 };
    const after = (afterDays: number) => configSchema.parse({ ...protectionTestConfig(), seal: { afterDays } });
    // Due from 2026-03-12 with afterDays 2: the night's run has a whole day before it counts.
    expect(sealLagDays(after(2), day, new Date("2026-03-10T23:59:59Z"))).toBe(0);
    expect(sealLagDays(after(2), day, new Date("2026-03-12T00:30:00Z"))).toBe(0);
    expect(sealLagDays(after(2), day, new Date("2026-03-12T23:59:59Z"))).toBe(0);
    expect(sealLagDays(after(2), day, new Date("2026-03-13T00:00:00Z"))).toBe(1);
    expect(sealLagDays(after(2), day, new Date("2026-04-10T00:30:00Z"))).toBe(29);
    // A longer afterDays moves the due date, so a day just due is not lag.
    expect(sealLagDays(after(70), day, new Date("2026-05-19T00:30:00Z"))).toBe(0);
    expect(sealLagDays(after(70), day, new Date("2026-05-22T00:30:00Z"))).toBe(3);
  });
});

describe("the order services are sealed in", () => {
  it("starts one service later each day and keeps every service once", () => {
    const services = ["a", "b", "c"];
    const day = (n: number) => new Date(Date.UTC(2026, 0, 1 + n, 0, 30));
    const firsts = [0, 1, 2, 3].map((n) => rotateServices(services, day(n))[0]);
    expect(new Set(firsts.slice(0, 3)).size).toBe(3);
    expect(firsts[3]).toBe(firsts[0]);
    for (let n = 0; n < 3; n++) expect([...rotateServices(services, day(n))].sort()).toEqual(services);
    // The same day gives the same order, so a retry carries on with the same services first.
    expect(rotateServices(services, new Date(Date.UTC(2026, 0, 2, 23, 0)))).toEqual(rotateServices(services, day(1)));
    expect(rotateServices([], day(0))).toEqual([]);
  });
});
