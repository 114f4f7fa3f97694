import type { Ref } from "react";
import { RefreshCw, RotateCcw } from "lucide-react";
import type { RestoreSuccess } from "../query/api-types";
import { ApiError, errorMessage } from "../query/api-client";
import { MessagePanel } from "../ui/message-panel";

/** A restore that went through: where to, and the audit entry. */
export function RestoreSucceeded({ result, ownTable, focusRef }: { result: RestoreSuccess; ownTable: boolean; focusRef?: Ref<HTMLHeadingElement> }) {
  return (
    <MessagePanel tone="success" title={`Restored into table ${result.table}`} headingLevel={3} focusRef={focusRef}>
      <p>
        The item is live again. Audit entry <code className="font-mono break-all">{result.auditId}</code>.
        {ownTable ? " The comparison above now reads the restored item, and the history lists this restore." : ""}
      </p>
    </MessagePanel>
  );
}

/** Brings the form back on purpose after a restore: a second no-clobber restore would only be refused. */
export function RestoreAgainButton({ onAgain }: { onAgain: () => void }) {
  return (
    <button type="button" onClick={onAgain} className="inline-flex items-center gap-1.5 rounded-md bg-white px-3 py-1.5 text-sm font-medium text-slate-800 ring-1 ring-slate-300 hover:bg-slate-100">
      <RotateCcw aria-hidden="true" className="size-4" />
      Restore again…
    </button>
  );
}

export function RestoreError({ error, onRecompare, focusRef }: { error: Error; onRecompare: () => void; focusRef?: Ref<HTMLHeadingElement> }) {
  const conflict = error instanceof ApiError && error.status === 409;
  const title =
    conflict && error.code === "live-item-changed"
      ? "The live item changed since you looked"
      : conflict && error.code === "live-item-exists"
        ? "A live item with this key already exists"
        : "The item was not restored";
  return (
    <MessagePanel tone="error" title={title} headingLevel={3} role="alert" focusRef={focusRef}>
      <p>{errorMessage(error)}</p>
      {conflict ? (
        <button type="button" onClick={onRecompare} className="mt-2 inline-flex items-center gap-1.5 rounded-md bg-white px-3 py-1.5 text-sm font-medium ring-1 ring-red-300 hover:bg-red-100">
          <RefreshCw aria-hidden="true" className="size-4" />
          Compare again
        </button>
      ) : null}
    </MessagePanel>
  );
}
