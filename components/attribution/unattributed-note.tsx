import type { CallerFilterCounts } from "../query/api-types";

const n = (v: number) => v.toLocaleString("en-US");

/** What a caller filter could not judge: deletions whose call is still on its way, and manual ones no call was found for. */
export function UnattributedNote({ counts }: { counts: CallerFilterCounts }) {
  if (counts.notYetKnown === 0 && counts.noCaller === 0) return null;
  return (
    <p className="mb-2 text-sm text-slate-700">
      Not shown:{" "}
      {counts.notYetKnown > 0
        ? `${n(counts.notYetKnown)} ${counts.notYetKnown === 1 ? "deletion is" : "deletions are"} not yet attributed (CloudTrail delivers a call within minutes; look again later)`
        : null}
      {counts.notYetKnown > 0 && counts.noCaller > 0 ? "; " : null}
      {counts.noCaller > 0 ? `${n(counts.noCaller)} manual ${counts.noCaller === 1 ? "deletion has" : "deletions have"} no known caller` : null}.
    </p>
  );
}
