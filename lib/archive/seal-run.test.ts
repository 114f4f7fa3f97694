import { describe, expect, it } from "vitest";
import { rotateServices, sealLagDays } from "./seal-run";

describe("seal lag", () => {
  it("is a day's age in whole days: 0 while it lasts, 2 from the day after next", () => {
    const day = { year: 2026, month: 3, day: 10 };
    expect(sealLagDays(day, new Date("2026-03-10T23:59:59Z"))).toBe(0);
    expect(sealLagDays(day, new Date("2026-03-12T00:30:00Z"))).toBe(2);
    expect(sealLagDays(day, new Date("2026-03-12T23:59:59Z"))).toBe(2);
    expect(sealLagDays(day, new Date("2026-03-13T00:00:00Z"))).toBe(3);
    expect(sealLagDays(day, new Date("2026-04-10T00:30:00Z"))).toBe(31);
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
