import type { TtlState } from "../query/api-types";
import { formatUtc } from "../format/time";
import { MessagePanel } from "../ui/message-panel";

/** What the archived item's TTL attribute means for a restore. */
export function TtlNotice({ ttl, headingLevel = 3 }: { ttl: TtlState; headingLevel?: 3 | 4 }) {
  if (ttl.expired && ttl.expiresAt) {
    return (
      <MessagePanel tone="warning" title="This record's TTL has expired" headingLevel={headingLevel}>
        <p>
          Its <code className="font-mono">{ttl.attribute}</code> attribute says it expired at {formatUtc(ttl.expiresAt)}. Restored as it is, DynamoDB will
          delete it again, usually within a few days. Drop or extend the TTL when you restore it.
        </p>
      </MessagePanel>
    );
  }
  if (ttl.expiresAt) {
    return (
      <p className="text-sm text-slate-700">
        TTL: <code className="font-mono">{ttl.attribute}</code> expires at {formatUtc(ttl.expiresAt)}.
      </p>
    );
  }
  return (
    <p className="text-sm text-slate-700">
      TTL: <code className="font-mono">{ttl.attribute}</code> is set but is not a time in epoch seconds, so DynamoDB ignores it.
    </p>
  );
}
