"use client";

import { useRef, useState } from "react";
import { Download, FileCheck2, X } from "lucide-react";
import { COLUMN_LABELS, EXPORT_COLUMNS, type ExportColumn, type ExportFormat, type ExportItems, type ExportManifest } from "@/lib/exports/export-format";
import type { ReportSelection } from "@/lib/reports/report-params";
import { errorMessage } from "../query/api-client";
import { downloadExport, type DownloadProgress } from "./export-download";
import { ExportFormatChoice, ExportItemsChoice } from "./export-items-choice";
import { formatBytes } from "../format/time";
import { useFocusRequest } from "../ui/focus-management";
import { progressStep, StatusRegion, useThrottledAnnouncement } from "../ui/status-region";

type State =
  | { phase: "idle" }
  | { phase: "downloading"; bytes: number; rows: number; expected: number }
  | { phase: "done"; fileName: string; rows: number; bytes: number; exportId: string; manifest: ExportManifest | null; verified: boolean | null }
  | { phase: "error"; message: string };

/**
 * Downloads the report's records through the streamed export route, counting bytes
 * and lines as they arrive against the report's total, then fetches the manifest
 * the server stored and checks the file's SHA-256 against it in the browser. The counts
 * change with every chunk on screen; the live region speaks at the start, each quarter and
 * the end, and focus moves to the outcome.
 */
export function ExportPanel({ selection, expectedRows }: { selection: ReportSelection; expectedRows: number }) {
  const [format, setFormat] = useState<ExportFormat>("csv");
  const [columns, setColumns] = useState<ExportColumn[]>([...EXPORT_COLUMNS]);
  const [items, setItems] = useState<ExportItems>("none");
  const [state, setState] = useState<State>({ phase: "idle" });
  const abort = useRef<AbortController | null>(null);
  const focus = useFocusRequest();
  const doneRef = useRef<HTMLParagraphElement>(null);
  const failedRef = useRef<HTMLParagraphElement>(null);

  const toggle = (column: ExportColumn) => setColumns((cols) => (cols.includes(column) ? cols.filter((c) => c !== column) : [...cols, column]));

  async function run() {
    const controller = new AbortController();
    abort.current = controller;
    setState({ phase: "downloading", bytes: 0, rows: 0, expected: expectedRows });
    try {
      const body = {
        services: selection.services.join(","),
        range: selection.range,
        ...(selection.from ? { from: selection.from } : {}),
        ...(selection.to ? { to: selection.to } : {}),
        format,
        columns,
        ...(format === "jsonl" && items !== "none" ? { items } : {}),
        ...(selection.who ? { who: selection.who, ...(selection.whoMatch ? { whoMatch: selection.whoMatch } : {}) } : {}),
      };
      const onProgress = (p: DownloadProgress) => setState({ phase: "downloading", bytes: p.bytes, rows: p.rows, expected: p.expected ?? expectedRows });
      const done = await downloadExport("/api/exports", body, format, onProgress, controller.signal);
      setState({ phase: "done", ...done });
      focus(doneRef);
    } catch (error) {
      if (error instanceof DOMException && error.name === "AbortError") setState({ phase: "error", message: "The download was cancelled." });
      else setState({ phase: "error", message: errorMessage(error) });
      focus(failedRef);
    } finally {
      abort.current = null;
    }
  }

  const busy = state.phase === "downloading";
  // With a caller filter the server knows only an upper bound (the report's manual deletions) until the join has run.
  const progressText =
    state.phase === "downloading" ? `Downloading: ${state.rows.toLocaleString("en-US")} of ${selection.who ? "at most" : "about"} ${state.expected.toLocaleString("en-US")} rows` : "";
  const announced = useThrottledAnnouncement(state.phase === "downloading" ? progressStep(state.rows, state.expected) : state.phase, progressText);
  return (
    <section aria-labelledby="export-heading" className="space-y-3 rounded-lg border border-slate-200 bg-white p-4 shadow-sm">
      <h2 id="export-heading" className="text-lg font-semibold">
        Export the records
      </h2>
      <p className="text-sm text-slate-600">
        Streamed from the server and audited. A SHA-256 manifest is stored with every export and offered here once the file is complete.
      </p>
      {selection.who ? (
        <p className="text-sm text-slate-700">
          Only the records deleted by “{selection.who}” ({selection.whoMatch === "equals" ? "equals" : "contains"}), as in the list below; the manifest records this filter.
        </p>
      ) : null}
      <ExportFormatChoice value={format} onChange={setFormat} disabled={busy} name="export-format" />
      {format === "jsonl" ? <ExportItemsChoice value={items} onChange={setItems} disabled={busy} name="export-items" /> : null}
      <fieldset>
        <legend className="mb-1 text-sm font-medium">Columns</legend>
        <div className="grid gap-1 sm:grid-cols-2 lg:grid-cols-3">
          {EXPORT_COLUMNS.map((c) => (
            <label key={c} className="flex items-center gap-2 text-sm">
              <input type="checkbox" checked={columns.includes(c)} onChange={() => toggle(c)} disabled={busy} />
              {COLUMN_LABELS[c]}
            </label>
          ))}
        </div>
      </fieldset>
      <div className="flex flex-wrap items-center gap-3">
        <button
          type="button"
          aria-disabled={busy ? true : undefined}
          onClick={() => {
            if (!busy) void run();
          }}
          disabled={columns.length === 0 || expectedRows === 0}
          className="inline-flex items-center gap-2 rounded-md bg-indigo-700 px-4 py-1.5 text-sm font-medium text-white hover:bg-indigo-800 disabled:opacity-50 aria-disabled:opacity-50"
        >
          <Download aria-hidden="true" className="size-4" />
          Download {format === "csv" ? "CSV" : "JSON Lines"}
        </button>
        {busy ? (
          <button type="button" onClick={() => abort.current?.abort()} className="inline-flex items-center gap-1 rounded-md px-3 py-1.5 text-sm ring-1 ring-slate-300 hover:bg-slate-100">
            <X aria-hidden="true" className="size-4" />
            Cancel
          </button>
        ) : null}
        {columns.length === 0 ? <p className="text-sm text-amber-800">Choose at least one column.</p> : null}
        {expectedRows === 0 ? <p className="text-sm text-slate-600">Nothing to export in this range.</p> : null}
      </div>
      {state.phase === "downloading" ? (
        <div className="space-y-1">
          <progress className="h-2 w-full" aria-label="Export progress" max={Math.max(state.expected, 1)} value={Math.min(state.rows, state.expected)} />
          <p className="text-sm tabular-nums">
            {state.rows.toLocaleString("en-US")} of about {state.expected.toLocaleString("en-US")} rows · {formatBytes(state.bytes)}
          </p>
        </div>
      ) : null}
      <StatusRegion data-testid="export-announcement">
        {state.phase === "downloading" ? <span className="sr-only">{announced}</span> : null}
        {state.phase === "done" ? (
        <div className="space-y-2 rounded-md border border-emerald-300 bg-emerald-50 p-3 text-sm text-emerald-950">
          <p ref={doneRef} tabIndex={-1} className="font-medium">
            Downloaded {state.fileName}: {state.rows.toLocaleString("en-US")} rows, {formatBytes(state.bytes)}.
          </p>
          {state.manifest ? (
            <>
              <p className="break-all">
                SHA-256 <code className="font-mono">{state.manifest.sha256}</code>
                {state.verified === true ? " — matches the file received." : state.verified === false ? " — does NOT match the file received." : ""}
              </p>
              <a
                href={`/api/exports/${state.exportId}/manifest`}
                download={`${state.fileName}.manifest.json`}
                className="inline-flex items-center gap-2 rounded-md px-3 py-1.5 font-medium text-indigo-800 ring-1 ring-indigo-300 hover:bg-white"
              >
                <FileCheck2 aria-hidden="true" className="size-4" />
                Download the manifest
              </a>
            </>
          ) : (
            <p>The manifest could not be fetched; it is stored under export id {state.exportId}.</p>
          )}
        </div>
        ) : null}
      </StatusRegion>
      {state.phase === "error" ? (
        <p ref={failedRef} tabIndex={-1} role="alert" className="rounded-md border border-red-300 bg-red-50 p-3 text-sm text-red-950">
          {state.message}
        </p>
      ) : null}
    </section>
  );
}
