import { gunzipSync } from "node:zlib";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { formatDay } from "./archive-input";
import { archiveObjectName } from "./layout";
import {
  buildBundle,
  buildDayManifest,
  bundledEntryName,
  archiveNameOfBundledEntry,
  blankMembers,
  countBundleLines,
  dayManifestSchema,
  firstPageAfter,
  memberOf,
  pageCovering,
  parseSealedDocument,
  readBundleMember,
  SealedFormatError,
  sha256Hex,
  type ManifestRow,
} from "./sealed-format";

const day = { year: 2024, month: 1, day: 15 };

function nameAt(seconds: number, type: "ttl" | "manual", n: number): string {
  return archiveObjectName({
    deletedAt: new Date(Date.UTC(2024, 0, 15) + seconds * 1000),
    deletionType: type,
    partitionKey: { S: `USER#${n}` },
    sortKey: { S: "PROFILE" },
    eventId: `event-${n}`,
  });
}

describe("bundles", () => {
  it("gives back each record's exact bytes from its own range, and the whole bundle reads as one record per line", () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ minLength: 0, maxLength: 2000 }), { minLength: 1, maxLength: 20 }), (bodies) => {
        const records = bodies.map((bytes, i) => ({ name: `r${i}`, bytes }));
        const bundle = buildBundle(records);
        expect(bundle.sha256).toBe(sha256Hex(bundle.body));
        bundle.rows.forEach((row, i) => {
          const original = Buffer.from(bodies[i] as Uint8Array);
          expect(readBundleMember(memberOf(bundle.body, row), row.size).equals(original)).toBe(true);
          expect(row.size).toBe(original.byteLength);
        });
        const whole = gunzipSync(bundle.body);
        expect(whole.equals(Buffer.concat(bodies.flatMap((b) => [Buffer.from(b), Buffer.from("\n")])))).toBe(true);
      }),
      { numRuns: 50 },
    );
  });

  it("refuses a range that is not one member, or that holds another size than the manifest says", () => {
    const bundle = buildBundle([{ name: "a", bytes: Buffer.from('{"a":1}') }]);
    const row = bundle.rows[0] as ManifestRow & { size: number };
    expect(() => readBundleMember(bundle.body.subarray(row.offset + 1, row.offset + row.length))).toThrow(SealedFormatError);
    expect(() => readBundleMember(memberOf(bundle.body, row), row.size + 1)).toThrow(/manifest says/);
    expect(() => memberOf(bundle.body, { offset: bundle.body.byteLength - 2, length: 10 })).toThrow(/past the end/);
  });
});

describe("day manifests", () => {
  const parts = [{ key: "p0", sha256: "0".repeat(64), bytes: 10, records: 0 }];

  it("counts by type and hour from the names and pages the rows in name order", () => {
    const rows: ManifestRow[] = Array.from({ length: 250 }, (_, i) => ({
      name: nameAt((i * 337) % 86_400, i % 3 === 0 ? "ttl" : "manual", i),
      part: 0,
      offset: i * 10,
      length: 10,
      size: 20,
    }));
    const { manifest, pages } = buildDayManifest({ service: "svc", day, dayPrefix: "d/", generation: 3, sealedAt: new Date(0), parts, rows: [...rows].reverse(), pageRows: 100 });
    expect(manifest.date).toBe(formatDay(day));
    expect(manifest.records).toBe(250);
    expect(manifest.byType).toEqual({ ttl: 84, manual: 166 });
    expect(manifest.byHour.reduce((a, b) => a + b, 0)).toBe(250);
    expect(pages.map((p) => p.page.rows.length)).toEqual([100, 100, 50]);
    const names = pages.flatMap((p) => p.page.rows.map((r) => r.name));
    expect(names).toEqual([...names].sort());
    expect(dayManifestSchema.parse(manifest)).toEqual(manifest);
  });

  it("finds the page holding a name, and the first page after a name", () => {
    fc.assert(
      fc.property(fc.uniqueArray(fc.integer({ min: 0, max: 86_399 }), { minLength: 1, maxLength: 400 }), fc.integer({ min: 0, max: 86_399 }), (seconds, probe) => {
        const rows = seconds.map((s, i) => ({ name: nameAt(s, "ttl", i), part: 0, offset: 0, length: 1, size: 1 }));
        const { manifest, pages } = buildDayManifest({ service: "svc", day, dayPrefix: "d/", generation: 1, sealedAt: new Date(0), parts, rows, pageRows: 50 });
        for (const row of rows) {
          const page = pages[pageCovering(manifest, row.name)];
          expect(page?.page.rows.some((r) => r.name === row.name)).toBe(true);
        }
        const absent = nameAt(probe, "manual", 10_000);
        const covering = pages[pageCovering(manifest, absent)];
        expect(covering?.page.rows.some((r) => r.name === absent) ?? false).toBe(false);
        const next = firstPageAfter(manifest, absent);
        const expected = pages.findIndex((p) => p.page.rows.some((r) => r.name > absent));
        expect(next).toBe(expected === -1 ? pages.length : expected);
        expect(pages.length).toBe(Math.ceil(rows.length / 50));
      }),
      { numRuns: 50 },
    );
  });

  it("keeps every page below the 128 KB lifecycle floor, however long the keys", () => {
    const long = "K".repeat(190);
    const rows = Array.from({ length: 1000 }, (_, i) => ({
      name: archiveObjectName({ deletedAt: new Date(Date.UTC(2024, 0, 15) + i * 1000), deletionType: "manual", partitionKey: { S: `${long}${i}` }, sortKey: { S: long }, eventId: `e${i}` }),
      part: 0,
      offset: i * 1000,
      length: 999,
      size: 4000,
    }));
    const { pages } = buildDayManifest({ service: "s", day, dayPrefix: "d/", generation: 1, sealedAt: new Date(0), parts, rows });
    expect(pages.length).toBeGreaterThan(1);
    expect(pages.flatMap((p) => p.page.rows)).toHaveLength(1000);
    for (const p of pages) expect(Buffer.byteLength(JSON.stringify(p.page))).toBeLessThan(128 * 1024);
  });

  it("refuses a name twice or a row pointing at a missing part", () => {
    const row = { name: nameAt(1, "ttl", 1), part: 0, offset: 0, length: 1, size: 1 };
    expect(() => buildDayManifest({ service: "s", day, dayPrefix: "d/", generation: 1, sealedAt: new Date(0), parts, rows: [row, row] })).toThrow(/twice/);
    expect(() => buildDayManifest({ service: "s", day, dayPrefix: "d/", generation: 1, sealedAt: new Date(0), parts, rows: [{ ...row, part: 1 }] })).toThrow(/part 1/);
  });

  it("reports a damaged manifest by its fields, not as a crash", () => {
    expect(() => parseSealedDocument(dayManifestSchema, "{", "the manifest of 2024-01-15")).toThrow("the manifest of 2024-01-15 is not valid JSON");
    expect(() => parseSealedDocument(dayManifestSchema, '{"schemaVersion":1}', "m")).toThrow(/m is invalid: service/);
  });
});

describe("index entries of sealed records", () => {
  it("name the archive object they stand for", () => {
    const name = nameAt(5, "manual", 7);
    expect(archiveNameOfBundledEntry(bundledEntryName(name))).toBe(name);
    expect(archiveNameOfBundledEntry(name)).toBeUndefined();
  });
});

describe("blanking a record out of a bundle", () => {
  const records = ["alpha", "bravo-subject", "charlie", "delta-subject", "echo"].map((word, i) => ({ name: `r${i}`, bytes: Buffer.from(JSON.stringify({ word, i })) }));
  const bundle = buildBundle(records);
  const subject = [1, 3].map((i) => bundle.rows[i]!);
  const blanked = blankMembers(bundle.body, subject);

  it("keeps the part's length and every other record at its offset, byte for byte", () => {
    expect(blanked.byteLength).toBe(bundle.body.byteLength);
    for (const i of [0, 2, 4]) expect(readBundleMember(memberOf(blanked, bundle.rows[i]!), bundle.rows[i]!.size)).toEqual(records[i]!.bytes);
  });

  it("leaves no trace of the blanked records, and no empty line, in the part read whole", () => {
    const text = gunzipSync(blanked).toString("utf8");
    expect(text).not.toContain("subject");
    expect(text.split("\n").filter(Boolean).map((line) => JSON.parse(line).word)).toEqual(["alpha", "charlie", "echo"]);
    expect(countBundleLines(blanked)).toBe(3);
    expect(countBundleLines(bundle.body)).toBe(5);
  });

  it("changes nothing when the same records are blanked again (an interrupted erasure run once more)", () => {
    expect(blankMembers(blanked, subject)).toEqual(blanked);
  });
});
