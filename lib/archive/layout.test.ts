import { describe, expect, it } from "vitest";
import {
  archiveKeyForIndexEntry,
  archiveObjectKey,
  dayPrefix,
  indexEntryKey,
  indexSearchPrefix,
  monthPrefix,
  parseArchiveName,
  parseDayPrefix,
  recordId,
  splitDatedKey,
} from "./layout";

const parts = {
  prefix: "archive/",
  service: "usr-contact-svc",
  deletedAt: new Date("2024-01-05T07:08:09Z"),
  deletionType: "ttl" as const,
  partitionKey: { S: "USER#1/a" },
  sortKey: { N: "42" },
  eventId: "c4ca4238a0b923820dcc509a6f75849b",
};

describe("archive layout", () => {
  it("dates the object by deletion time and shows time, type and key in its name", () => {
    const id = recordId(parts.eventId);
    expect(id).toMatch(/^[0-9a-f]{16}$/);
    expect(archiveObjectKey(parts)).toBe(`archive/usr-contact-svc/2024/01/05/070809Z_ttl_USER#1%2Fa_42_${id}.json`);
    expect(indexEntryKey(parts)).toBe(`archive/usr-contact-svc/_by-key/USER#1%2Fa/2024/01/05/070809Z_ttl_USER#1%2Fa_42_${id}.json`);
    const { sortKey: _, ...noSortKey } = parts;
    expect(archiveObjectKey(noSortKey)).toBe(`archive/usr-contact-svc/2024/01/05/070809Z_ttl_USER#1%2Fa_${id}.json`);
  });

  it("reads back the names it writes, and nothing else", () => {
    const day = { year: 2024, month: 1, day: 5 };
    const name = archiveObjectKey(parts).split("/").pop() ?? "";
    expect(parseArchiveName(name, day)).toEqual({
      deletedAt: parts.deletedAt,
      deletionType: "ttl",
      partitionKey: "USER#1%2Fa",
      sortKey: "42",
      id: recordId(parts.eventId),
    });
    // The seed's layout, and near misses.
    for (const foreign of ["USER#1_PROFILE.json", "070809Z_gone_A_0123456789abcdef.json", "070809Z_ttl_A_0123456789abcdef.txt"]) {
      expect(parseArchiveName(foreign, day), foreign).toBeUndefined();
    }
  });

  it("maps an index entry to its archive object, and refuses keys outside the index", () => {
    expect(archiveKeyForIndexEntry(parts.prefix, parts.service, indexEntryKey(parts))).toBe(archiveObjectKey(parts));
    expect(archiveKeyForIndexEntry(parts.prefix, parts.service, archiveObjectKey(parts))).toBeUndefined();
    expect(archiveKeyForIndexEntry(parts.prefix, parts.service, "archive/usr-contact-svc/_by-key/USER/not-a-day/x.json")).toBeUndefined();
    expect(archiveKeyForIndexEntry(parts.prefix, "other-svc", indexEntryKey(parts))).toBeUndefined();
  });

  it("builds the listing prefixes for a month, a day and a key search", () => {
    expect(monthPrefix("", "svc", { year: 2024, month: 3 })).toBe("svc/2024/03/");
    expect(dayPrefix("p/", "svc", { year: 2024, month: 3, day: 7 })).toBe("p/svc/2024/03/07/");
    expect(indexSearchPrefix("", "svc", "USER%23")).toBe("svc/_by-key/USER%23");
    expect(parseDayPrefix("2024/03/07/")).toEqual({ year: 2024, month: 3, day: 7 });
    expect(parseDayPrefix("2024/3/07/")).toBeUndefined();
    expect(splitDatedKey("2024/03/07/name.json")).toEqual({ day: { year: 2024, month: 3, day: 7 }, name: "name.json" });
    expect(splitDatedKey("2024/03/07/a/name.json")).toBeUndefined();
  });
});
