"use client";

import { useId, useState, type FormEvent } from "react";
import { Trash2 } from "lucide-react";
import { confirmationText, type ErasureMode, type ErasureQuery } from "@/lib/erasure/erasure-request";
import { busyButtonProps } from "../ui/focus-management";

export interface ErasureChoice {
  mode: ErasureMode;
  attributes: string[];
  confirmation: string;
}

/** Erase or redact, which attributes, and the typed confirmation the server checks again. */
export function ErasureActionForm({
  query,
  attributeNames,
  mode,
  onModeChange,
  busy,
  onSubmit,
}: {
  query: ErasureQuery;
  attributeNames: string[];
  mode: ErasureMode;
  onModeChange: (mode: ErasureMode) => void;
  busy: boolean;
  onSubmit: (choice: ErasureChoice) => void;
}) {
  const ids = { confirm: useId(), mode: useId() };
  const [attributes, setAttributes] = useState<string[]>([]);
  const [confirmation, setConfirmation] = useState("");
  const expected = confirmationText(mode, query.key);
  const complete = confirmation === expected && (mode === "erase" || attributes.length > 0);
  const canSubmit = complete && !busy;

  function submit(event: FormEvent) {
    event.preventDefault();
    if (canSubmit) onSubmit({ mode, attributes, confirmation });
  }

  return (
    <form onSubmit={submit} aria-label="Erase or redact" className="space-y-4 rounded-md border border-slate-200 bg-white p-4">
      <fieldset disabled={busy}>
        <legend className="text-sm font-medium">What to do</legend>
        <div className="mt-1 space-y-1">
          <label className="flex items-start gap-2 text-sm">
            <input type="radio" name={ids.mode} value="erase" checked={mode === "erase"} onChange={() => onModeChange("erase")} className="mt-1" />
            <span>
              <strong>Erase</strong>: delete the archive objects (every version) and their index entries. The key is added to the erasure ledger, so the records
              cannot be restored.
            </span>
          </label>
          <label className="flex items-start gap-2 text-sm">
            <input type="radio" name={ids.mode} value="redact" checked={mode === "redact"} onChange={() => onModeChange("redact")} className="mt-1" />
            <span>
              <strong>Redact</strong>: rewrite the objects with chosen attributes replaced by &quot;[redacted]&quot;; everything else stays, old versions are removed.
            </span>
          </label>
        </div>
      </fieldset>
      {mode === "redact" ? (
        <fieldset disabled={busy}>
          <legend className="text-sm font-medium">Attributes to redact (key attributes cannot be redacted)</legend>
          {attributeNames.length === 0 ? (
            <p className="text-sm text-slate-600">No readable attribute other than the keys.</p>
          ) : (
            <div className="mt-1 flex flex-wrap gap-3">
              {attributeNames.map((name) => (
                <label key={name} className="inline-flex items-center gap-1.5 font-mono text-sm">
                  <input
                    type="checkbox"
                    checked={attributes.includes(name)}
                    onChange={(e) => setAttributes((prev) => (e.target.checked ? [...prev, name] : prev.filter((x) => x !== name)))}
                  />
                  {name}
                </label>
              ))}
            </div>
          )}
        </fieldset>
      ) : null}
      <div className="flex flex-col gap-1">
        <label htmlFor={ids.confirm} className="text-sm font-medium">
          Type <span className="font-mono break-all">{expected}</span> to confirm
        </label>
        <input
          id={ids.confirm}
          value={confirmation}
          onChange={(e) => setConfirmation(e.target.value)}
          readOnly={busy}
          autoComplete="off"
          spellCheck={false}
          className="max-w-xl rounded-md border border-slate-300 px-2.5 py-1.5 font-mono text-sm"
        />
      </div>
      <button
        type="submit"
        disabled={!complete}
        {...busyButtonProps(busy)}
        className="inline-flex items-center gap-1.5 rounded-md bg-red-700 px-4 py-1.5 text-sm font-medium text-white hover:bg-red-800 disabled:opacity-50 aria-disabled:opacity-50"
      >
        <Trash2 aria-hidden="true" className="size-4" />
        {busy ? (mode === "erase" ? "Erasing…" : "Redacting…") : mode === "erase" ? "Erase these records" : "Redact these records"}
      </button>
    </form>
  );
}
