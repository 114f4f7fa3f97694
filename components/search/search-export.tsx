"use client";

import { useRef, useState } from "react";
import { Download, X } from "lucide-react";
import type { ExportFormat, ExportItems } from "@/lib/exports/export-format";
import type { ContentSearchInput } from "@/lib/search/content-query";
import { errorMessage } from "../query/api-client";
import { formatBytes } from "../format/time";
import { downloadExport, type DownloadedExport, type DownloadProgress } from "../reports/export-download";
import { ExportFormatChoice, ExportItemsChoice } from "../reports/export-items-choice";
import { StatusRegion } from "../ui/status-region";

type State = { phase: "idle" } | { phase: "downloading"; progress: DownloadProgress } | { phase: "done"; done: DownloadedExport } | { phase: "error"; message: string };

/**
 * "Export these matches": the server runs the same search again (never a list from this
 * page) and streams its matches with a report export's columns, manifest and audit
 * entries (docs/SEARCH.md, "Results are actions").
 */
export function SearchExport({ query }: { query: ContentSearchInput }) {
  const [format, setFormat] = useState<ExportFormat>("csv");
  const [items, setItems] = useState<ExportItems>("none");
  const [state, setState] = useState<State>({ phase: "idle" });
  const abort = useRef<AbortController | null>(null);
  const busy = state.phase === "downloading";

  async function run() {
    const controller = new AbortController();
    abort.current = controller;
    setState({ phase: "downloading", progress: { bytes: 0, rows: 0, expected: null } });
    try {
      const body = { search: query, format, ...(format === "jsonl" && items !== "none" ? { items } : {}) };
      const onProgress = (progress: DownloadProgress) => setState({ phase: "downloading", progress });
      const done = await downloadExport("/api/exports/search", body, format, onProgress, controller.signal);
      setState({ phase: "done", done });
    } catch (error) {
      setState({ phase: "error", message: error instanceof DOMException && error.name === "AbortError" ? "The download was cancelled." : errorMessage(error) });
    } finally {
      abort.current = null;
    }
  }

  return (
    <details className="rounded-md border border-slate-200 bg-white p-3 text-sm">
      <summary className="cursor-pointer font-medium">Export these matches</summary>
      <div className="mt-3 space-y-3">
        <p className="text-slate-600">
          The search runs again on the server, up to its cap, and every match is written with the report export&apos;s columns. Audited, with a SHA-256 manifest.
        </p>
        <ExportFormatChoice value={format} onChange={setFormat} disabled={busy} name="search-export-format" />
        {format === "jsonl" ? <ExportItemsChoice value={items} onChange={setItems} disabled={busy} name="search-export-items" /> : null}
        <div className="flex flex-wrap items-center gap-3">
          <button
            type="button"
            aria-disabled={busy ? true : undefined}
            onClick={() => {
              if (!busy) void run();
            }}
            className="inline-flex items-center gap-2 rounded-md bg-indigo-700 px-4 py-1.5 font-medium text-white hover:bg-indigo-800 aria-disabled:opacity-50"
          >
            <Download aria-hidden="true" className="size-4" />
            Download the matches as {format === "csv" ? "CSV" : "JSON Lines"}
          </button>
          {busy ? (
            <button type="button" onClick={() => abort.current?.abort()} className="inline-flex items-center gap-1 rounded-md px-3 py-1.5 ring-1 ring-slate-300 hover:bg-slate-100">
              <X aria-hidden="true" className="size-4" />
              Cancel
            </button>
          ) : null}
        </div>
        <StatusRegion>
          {state.phase === "downloading" ? (
            <span className="tabular-nums">
              Downloading: {state.progress.rows.toLocaleString("en-US")} rows · {formatBytes(state.progress.bytes)}
            </span>
          ) : null}
          {state.phase === "done" ? (
            <span className="block space-y-1 rounded-md border border-emerald-300 bg-emerald-50 p-2 text-emerald-950">
              <span className="block font-medium">
                Downloaded {state.done.fileName}: {state.done.rows.toLocaleString("en-US")} rows, {formatBytes(state.done.bytes)}.
              </span>
              {state.done.manifest ? (
                <span className="block break-all">
                  SHA-256 <code className="font-mono">{state.done.manifest.sha256}</code>
                  {state.done.verified === true ? " — matches the file received. " : state.done.verified === false ? " — does NOT match the file received. " : " "}
                  <a href={`/api/exports/${state.done.exportId}/manifest`} download={`${state.done.fileName}.manifest.json`} className="font-medium text-indigo-800 underline">
                    Download the manifest
                  </a>
                </span>
              ) : (
                <span className="block">The manifest could not be fetched; it is stored under export id {state.done.exportId}.</span>
              )}
            </span>
          ) : null}
        </StatusRegion>
        {state.phase === "error" ? (
          <p role="alert" className="rounded-md border border-red-300 bg-red-50 p-2 text-red-950">
            {state.message}
          </p>
        ) : null}
      </div>
    </details>
  );
}
