import { describe, expect, it } from "vitest";
import { renderToStaticMarkup } from "react-dom/server";
import type { ReplayResult } from "@/lib/dlq/failure-record";
import { ReplayOutcome } from "./dlq-view";

function text(html: string): string {
  return html.replace(/<[^>]+>/g, " ").replace(/\s+/g, " ").trim();
}

const base: ReplayResult = {
  service: "usr-contact-svc",
  failureId: "m-1",
  source: "sqs",
  operationId: "op-1",
  counts: { total: 3, archived: 0, alreadyArchived: 0, erased: 0, failed: 0, lost: 3, ignored: 0 },
  deleted: false,
  keptBecause: "3 records could not be read, so the failure is kept as the record of what was lost",
  lost: { shardId: "shardId-1", startSequenceNumber: "100", endSequenceNumber: "102", count: 3, reason: "past its 24-hour retention" },
  erasures: [],
  failures: [],
  message: "3 records: 0 archived, 0 already archived, 3 lost.",
};

describe("a replay's outcome", () => {
  it("says exactly which records are lost and that the failure is kept", () => {
    const t = text(renderToStaticMarkup(<ReplayOutcome result={base} />));
    expect(t).toContain("3 records lost: the failure is kept");
    expect(t).toContain("Lost: 3 of 3 records of shard shardId-1 , sequence numbers 100 to 102");
    expect(t).toContain("Lost: 3");
  });

  it("reports a full replay and the erased records it skipped", () => {
    const t = text(
      renderToStaticMarkup(
        <ReplayOutcome
          result={{
            ...base,
            counts: { total: 3, archived: 1, alreadyArchived: 1, erased: 1, failed: 0, lost: 0, ignored: 0 },
            deleted: true,
            erasures: [{ erasedOn: "2024-03-05", count: 1 }],
            lost: undefined,
            keptBecause: undefined,
          } as ReplayResult}
        />,
      ),
    );
    expect(t).toContain("Replayed: every record is archived, the failure was deleted");
    expect(t).toContain("1 record erased on 2024-03-05");
    expect(t).not.toContain("Lost: 1");
  });
});
