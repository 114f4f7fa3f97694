import type { Ref } from "react";
import { ArchiveRestore, Loader2 } from "lucide-react";
import { busyButtonProps } from "../ui/focus-management";
import type { RestoreMode, TtlChoice } from "../query/api-types";
import { ttlText } from "./restore-draft";

/** The second step: what is about to be written, where, and the button that sends it. */
export function RestoreConfirm({
  keyText,
  table,
  mode,
  ttl,
  pending,
  onSend,
  onBack,
  headingRef,
}: {
  keyText: string;
  table: string;
  mode: RestoreMode;
  ttl: { attribute: string; choice: TtlChoice } | null;
  pending: boolean;
  onSend: () => void;
  onBack: () => void;
  /** Focus moves here when the confirmation opens. */
  headingRef?: Ref<HTMLHeadingElement>;
}) {
  return (
    <section aria-labelledby="restore-confirm-heading" className="space-y-3 rounded-md border border-indigo-200 bg-indigo-50 p-4">
      <h3 id="restore-confirm-heading" ref={headingRef} tabIndex={-1} className="font-semibold">
        Confirm the restore
      </h3>
      <dl className="grid grid-cols-1 gap-x-4 gap-y-1 text-sm sm:grid-cols-[max-content_1fr]">
        <dt className="font-medium">Item</dt>
        <dd className="font-mono break-all">{keyText}</dd>
        <dt className="font-medium">Into table</dt>
        <dd className="font-mono break-all">{table}</dd>
        <dt className="font-medium">Mode</dt>
        <dd>{mode === "overwrite" ? "Overwrite the live item you compared (refused if it changed)" : "No-clobber: only if no item with this key exists"}</dd>
        {ttl ? (
          <>
            <dt className="font-medium">TTL</dt>
            <dd>{ttlText(ttl.choice, ttl.attribute)}</dd>
          </>
        ) : null}
      </dl>
      <p className="text-sm">
        The item is written exactly as archived{ttl && ttl.choice.action !== "keep" ? ", with only the TTL change above" : ""}. The attempt is recorded in the audit log.
      </p>
      <div className="flex flex-wrap gap-2">
        <button
          type="button"
          {...busyButtonProps(pending, onSend)}
          className="inline-flex items-center gap-1.5 rounded-md bg-indigo-700 px-4 py-2 text-sm font-medium text-white hover:bg-indigo-800 aria-disabled:opacity-60"
        >
          {pending ? <Loader2 aria-hidden="true" className="size-4 animate-spin" /> : <ArchiveRestore aria-hidden="true" className="size-4" />}
          {pending ? "Restoring…" : "Restore now"}
        </button>
        <button type="button" {...busyButtonProps(pending, onBack)} className="rounded-md bg-white px-4 py-2 text-sm font-medium text-slate-800 ring-1 ring-slate-300 hover:bg-slate-100">
          Back
        </button>
      </div>
    </section>
  );
}
