import fc from "fast-check";
import type { DynamoDBRecord } from "aws-lambda";
import type { S3Client } from "@aws-sdk/client-s3";
import { beforeAll, describe, expect, it } from "vitest";
import { rebuildIndex } from "../../lib/archive/reindex";
import { sealDay } from "../../lib/archive/sealer";
import { parseConfig, findService } from "../../lib/config/load";
import { eraseSubject } from "../../lib/erasure/erase";
import { confirmationText } from "../../lib/erasure/erasure-request";
import type { LazarusConfig, ServiceConfig } from "../../lib/config/schema";
import { archiveAll, deletionsOfDay, lookUp, readDay, sealingFixture } from "../support/sealing";

/**
 * Random sequences of archiving, redelivery, sealing, late arrivals (archiving into a
 * day already sealed), erasure and index rebuilds: afterwards every record archived and
 * not erased is shown once in its day's listing and counts, found once by its key, and
 * reads with its item; an erased one is found nowhere, and its redelivery (through the
 * ledger, as the archiver does) does not bring it back.
 */

const DAYS = [
  { year: 2023, month: 9, day: 4 },
  { year: 2023, month: 9, day: 5 },
];

type Op =
  | { kind: "archive"; day: number; count: number }
  | { kind: "redeliver"; pick: number }
  | { kind: "seal"; day: number }
  | { kind: "erase"; pick: number }
  | { kind: "reindex" };

const op: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ kind: fc.constant("archive" as const), day: fc.integer({ min: 0, max: 1 }), count: fc.integer({ min: 1, max: 4 }) }),
  fc.record({ kind: fc.constant("redeliver" as const), pick: fc.nat() }),
  fc.record({ kind: fc.constant("seal" as const), day: fc.integer({ min: 0, max: 1 }) }),
  fc.record({ kind: fc.constant("erase" as const), pick: fc.nat() }),
  fc.constant({ kind: "reindex" as const }),
);

let s3: S3Client;
let base: LazarusConfig;
let run = 0;

beforeAll(async () => {
  ({ s3, config: base } = await sealingFixture("seal-property"));
});

/** The same bucket under a prefix of its own, so runs do not see each other. */
function freshConfig(): { config: LazarusConfig; service: ServiceConfig } {
  run += 1;
  const config = parseConfig({ ...JSON.parse(JSON.stringify(base)), archive: { bucket: base.archive.bucket, prefix: `run-${run}/` } });
  return { config, service: findService(config, "usr-session-svc")! };
}

const officer = { id: "u-compliance", email: "cora@example.com", name: "Cora Compliance", role: "compliance" } as const;

describe("sealing, in any order with archiving, redelivery, erasure and reindexing", () => {
  it("keeps every archived record that is not erased readable exactly once", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(op, { minLength: 1, maxLength: 6 }), async (ops) => {
        const { config, service } = freshConfig();
        const archived: { record: DynamoDBRecord; day: number; pk: string; erased: boolean }[] = [];
        let tag = 0;
        for (const step of ops) {
          if (step.kind === "archive") {
            tag += 1;
            const records = deletionsOfDay(DAYS[step.day]!, step.count, `P${tag}`);
            await archiveAll(s3, config, service, records);
            records.forEach((record, i) => archived.push({ record, day: step.day, pk: `P${tag}#${i}`, erased: false }));
          } else if (step.kind === "redeliver" && archived.length > 0) {
            await archiveAll(s3, config, service, [archived[step.pick % archived.length]!.record], { checkErasures: true });
          } else if (step.kind === "erase" && archived.some((a) => !a.erased)) {
            const left = archived.filter((a) => !a.erased);
            const subject = left[step.pick % left.length]!;
            const result = await eraseSubject(s3, config, { query: { match: "exact", key: subject.pk }, mode: "erase", confirmation: confirmationText("erase", subject.pk), actor: officer });
            expect(result).toMatchObject({ outcome: "succeeded", summary: { records: 1, remaining: [] } });
            subject.erased = true;
          } else if (step.kind === "seal") {
            const report = await sealDay(s3, config, service, DAYS[step.day]!, { manifestPageRows: 3 });
            expect(report.outcome).not.toBe("failed");
          } else if (step.kind === "reindex") {
            expect((await rebuildIndex(s3, config, service, { prune: true })).errors).toEqual([]);
          }
        }
        for (const [index, day] of DAYS.entries()) {
          const expected = archived.filter((a) => a.day === index && !a.erased);
          const seen = await readDay(s3, config, service, day, 2);
          expect(seen.names).toHaveLength(expected.length);
          expect(new Set(seen.names).size).toBe(expected.length);
          expect(seen.counts?.records ?? 0).toBe(expected.length);
          for (const a of expected) expect(await lookUp(s3, config, service, a.pk)).toEqual([JSON.stringify(a.record.dynamodb!.OldImage)]);
          for (const a of archived.filter((x) => x.day === index && x.erased)) expect(await lookUp(s3, config, service, a.pk)).toEqual([]);
        }
      }),
      { numRuns: 15, endOnFailure: true },
    );
  }, 600_000);
});
