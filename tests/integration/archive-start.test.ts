import { describe, expect, it } from "vitest";
import { sealService } from "../../lib/archive/sealer";
import { firstArchivedDay } from "../../lib/reports/archive-start";
import { archiveAll, deletionsOfDay, sealingFixture } from "../support/sealing";

/** Where the archive starts, which reports compare their range with, once old months are sealed. */
describe("the first archived day", () => {
  it("is found in sealed months through their summary, and in open days through their folders", async () => {
    const { s3, config, service } = await sealingFixture("archive-start");
    await archiveAll(s3, config, service, [
      ...deletionsOfDay({ year: 2024, month: 1, day: 10 }, 3, "A"),
      ...deletionsOfDay({ year: 2024, month: 1, day: 15 }, 3, "B"),
      ...deletionsOfDay({ year: 2024, month: 2, day: 3 }, 3, "C"),
    ]);
    expect(await firstArchivedDay(s3, config, service)).toBe("2024-01-10");

    // Every day sealed: no day folder is left in either month.
    const report = await sealService(s3, config, service, { now: new Date("2024-02-20T00:00:00Z") });
    expect(report.days.map((d) => d.date)).toEqual(["2024-01-10", "2024-01-15", "2024-02-03"]);
    expect(await firstArchivedDay(s3, config, service)).toBe("2024-01-10");

    // An earlier late record lands as an object in an open day folder of the sealed month.
    await archiveAll(s3, config, service, deletionsOfDay({ year: 2024, month: 1, day: 2 }, 1, "LATE"));
    expect(await firstArchivedDay(s3, config, service)).toBe("2024-01-02");
  }, 120_000);
});
